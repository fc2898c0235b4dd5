import ArgumentParser
import MinifoServer
import MinifoSystem

struct MountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mount",
        abstract: "Mount BASE with the changes in STORAGE at MOUNTPOINT.",
        discussion: """
            The mount shows BASE with the changes kept in STORAGE applied; BASE is never written.
            Without -f the command returns once the mount is ready and the daemon serves in the
            background; stop it with 'minifo umount MOUNTPOINT'.

            Options (-o, comma-separated, may repeat):
              ro, rw                 mount read-only or read-write (default rw)
              allow_other            let other users use the mount
              default_permissions    let the kernel check permissions (always on)
              nonempty               allow a mount point that is not empty
              suid, dev              honour set-user-ID bits and device files (root only)
              fsname=NAME            the source shown by mount(8) and df (default: minifo)
              subtype=NAME           the type shown as fuse.NAME (default: minifo)
              threads=N              worker threads (default 4)
              timeout=SECONDS        how long the kernel caches names and attributes (default 1)
              nopassthrough          serve reads from the daemon instead of FUSE passthrough
              coherent               read-only descriptors opened before a copy-up see the new data
              adopt_base             use a storage directory made for another base
              debug                  log each session event to standard error
            """)

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
