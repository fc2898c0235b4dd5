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
        let daemon: String
        do {
            daemon = try ProcessControl.executablePath()
        } catch {
            throw fail("cannot find the minifo executable through /proc/self/exe: \(error); is /proc mounted?")
        }
        var arguments = [DaemonMain.name]
        for option in options { arguments += ["-o", option] }
        arguments += [configuration.base, configuration.storage, configuration.mountPoint]

        if foreground {
            let error = ProcessControl.exec(daemon, arguments)
            throw fail("cannot start \(daemon): \(error)")
        }
        try startInBackground(daemon, arguments, keepStandardError: configuration.debug)
    }

    /// Starts the daemon in its own session and waits for its one-line report on a pipe.
    private func startInBackground(_ daemon: String, _ arguments: [String], keepStandardError: Bool) throws {
        do {
            let (readEnd, writeEnd) = try ProcessControl.pipe()
            var daemonArguments = arguments
            daemonArguments.insert(contentsOf: ["--ready-fd", String(writeEnd)], at: 1)
            let pid = try ProcessControl.spawn(daemon, daemonArguments, inherit: [writeEnd], newSession: true,
                                               keepStandardStreams: keepStandardError)
            close(writeEnd)
            var buffer = [UInt8](repeating: 0, count: 4096)
            var line: [UInt8] = []
            while !line.contains(0x0A) {
                let count = try read(readEnd, into: &buffer)
                if count == 0 { break }
                line += buffer[..<count]
            }
            close(readEnd)
            let message = String(decoding: line.prefix { $0 != 0x0A }, as: UTF8.self)
            if message == "ok" { return }
            _ = try? ProcessControl.waitForExit(pid)
            throw fail(message.isEmpty ? "the mount daemon stopped before the mount was ready" : message)
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail("cannot start the mount daemon: \(error)")
        }
    }
}
