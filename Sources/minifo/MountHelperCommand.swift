import ArgumentParser
import MinifoServer

/// The form mount(8) and /etc/fstab use, directly or through mount.fuse3 (`-t fuse.minifo`) or
/// `mount.minifo` (`-t minifo`): `minifo BASE MOUNTPOINT -o storage=DIR,...`. Also takes mini_fo's
/// `base=`/`sto=` and overlayfs's `lowerdir=`/`upperdir=`/`workdir=`, as in
/// `minifo -o lowerdir=L,upperdir=U,workdir=W MOUNTPOINT`.
struct MountHelperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minifo",
        abstract: "Mount as mount(8) and /etc/fstab do: minifo BASE MOUNTPOINT -o storage=DIR[,OPTIONS].",
        discussion: """
            The directories may also be given as options: base=DIR or lowerdir=DIR for the \
            base (then the source is only a label), storage=DIR, sto=DIR or upperdir=DIR for the \
            storage directory; workdir=DIR is checked and otherwise unused. Options only \
            mount(8) and fstab act on (defaults, auto, noauto, nofail, _netdev, user, users, \
            x-*) are ignored; the rest are those of 'minifo mount'. Returns once the mount is \
            ready. See 'minifo help fstab'.
            """)

    @Option(name: .customShort("o"), help: "Mount options, comma-separated; storage=DIR is required.")
    var options: [String] = []

    @Option(name: .customShort("t"), help: "The filesystem type mount(8) was asked for: minifo or fuse.minifo.")
    var type: String?

    @Flag(name: .customShort("n"), help: "Passed by mount(8); minifo never writes /etc/mtab.")
    var noMtab = false

    @Flag(name: .customShort("v"), help: "Passed by mount(8); ignored.")
    var verbose = false

    @Argument(help: ArgumentHelp("[SOURCE] MOUNTPOINT: the base (unless an option names it) and where to mount.",
                                 valueName: "path"))
    var paths: [String]

    func validate() throws {
        if paths.count > 2 { throw ValidationError("too many paths: give [SOURCE] MOUNTPOINT") }
    }

    func run() throws {
        if let type, type != "minifo", type != "fuse.minifo" {
            throw fail("cannot mount type \(type): this is minifo (type minifo or fuse.minifo)")
        }
        let sorted: MountHelperOptions
        do {
            sorted = try MountHelperOptions(options, source: paths.count == 2 ? paths[0] : nil)
        } catch {
            throw fail(error.description)
        }
        let configuration: MountConfiguration
        do {
            if let work = sorted.workDirectory { _ = try MountConfiguration.existingDirectory(work, role: "work directory") }
            configuration = try MountConfiguration(base: sorted.base, storage: sorted.storage, mountPoint: paths[paths.count - 1],
                                                   options: sorted.daemonOptions)
        } catch {
            throw fail(error.description)
        }
        try DaemonLauncher.launch(configuration, options: sorted.daemonOptions, foreground: false)
    }

    /// Whether the arguments after the program name are this form rather than a subcommand:
    /// they start with `-o`, or with no subcommand's name but a path, or they hold `-o` (which
    /// mount.fuse3 always passes). A mistyped subcommand is left to the parser to report.
    static func isInvokedAs(_ arguments: ArraySlice<String>) -> Bool {
        guard let first = arguments.first else { return false }
        if first == "-o" { return true }
        let names = Minifo.configuration.subcommands.map { $0._commandName } + ["help"]
        if first.hasPrefix("-") || names.contains(first) { return false }
        return first.contains("/") || arguments.contains("-o")
    }
}
