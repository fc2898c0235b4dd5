import ArgumentParser
import MinifoServer
import MinifoSystem

/// Starts the mount daemon, this same binary under the name `minifo-mountd`, for a mount the
/// command line has checked.
enum DaemonLauncher {
    /// In the foreground the daemon replaces this process; in the background it runs in its own
    /// session and this returns once the mount is ready (or fails with the daemon's message).
    static func launch(_ configuration: MountConfiguration, options: [String], foreground: Bool) throws {
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
    private static func startInBackground(_ daemon: String, _ arguments: [String], keepStandardError: Bool) throws {
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
