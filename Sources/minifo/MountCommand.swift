import ArgumentParser
import MinifoServer
import MinifoSystem

struct MountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mount",
        abstract: "Mount BASE with the changes in STORAGE at MOUNTPOINT.",
        discussion: """
            The mount shows BASE with the changes kept in STORAGE applied; BASE is never written. \
            Without -f the command returns once the mount is ready and the daemon serves in the \
            background; stop it with 'minifo umount MOUNTPOINT'.

            """ + HelpTopic.mountOptions)

    @Flag(name: [.short, .long], help: "Serve in the foreground until unmounted.")
    var foreground = false

    @Option(name: .customShort("o"), help: "Mount options, comma-separated (see below).")
    var options: [String] = []

    @Argument(help: "The read-only base directory.")
    var base: String

    @Argument(help: "The directory that holds every change.")
    var storage: String

    @Argument(help: "Where to show the result; an empty directory.")
    var mountPoint: String

    func run() throws {
        let configuration: MountConfiguration
        do {
            configuration = try MountConfiguration(base: base, storage: storage, mountPoint: mountPoint, options: options)
        } catch {
            throw fail(error.description)
        }
        try DaemonLauncher.launch(configuration, options: options, foreground: foreground)
    }
}
