import Foundation
import Glibc

/// What a finished command left behind.
struct CommandResult: CustomStringConvertible {
    var command: [String]
    var status: Int32
    /// True when the process was ended by a signal; `status` is then the signal.
    var signaled: Bool
    var timedOut: Bool
    var stdout: String
    var stderr: String

    var succeeded: Bool { !signaled && !timedOut && status == 0 }

    /// stderr's lines, without the empty one after the final newline.
    var stderrLines: [Substring] {
        var lines = stderr.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    var description: String {
        let how = timedOut ? "timed out" : signaled ? "killed by signal \(status)" : "exit \(status)"
        return "`\(command.joined(separator: " "))` → \(how)\nstdout: \(stdout.debugDescription)\nstderr: \(stderr.debugDescription)"
    }
}

/// A child process this test started, with posix_spawn: its output goes to files, never to
/// pipes, every descriptor above 2 is closed in it, and its exit is collected with waitpid.
/// (Foundation's Process watches a socket the child inherits; a daemon the child spawns
/// keeps that socket and Process never sees the exit.)
final class Child: @unchecked Sendable {
    let command: [String]
    let pid: pid_t
    private let stdoutPath: String
    private let stderrPath: String
    private let lock = NSLock()
    private var exitStatus: Int32?

    init(_ executable: String, _ arguments: [String]) throws {
        command = [executable] + arguments
        let id = UUID().uuidString
        stdoutPath = NSTemporaryDirectory() + "minifo-test-out-\(id)"
        stderrPath = NSTemporaryDirectory() + "minifo-test-err-\(id)"

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = Child.addCloseFrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Default signal dispositions and an empty mask, whatever the test runner uses.
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        if rc != 0 { throw SysError(call: "posix_spawn", path: executable, errno: rc) }
        pid = child
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np`, which Glibc's module does not export.
    private static let addCloseFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("glibc without posix_spawn_file_actions_addclosefrom_np (needs 2.34)")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Collects the exit if it has happened; true once the process has exited.
    private func poll() -> Bool {
        lock.withLock {
            if exitStatus != nil { return true }
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { exitStatus = status; return true }
            if r < 0 && errno == ECHILD { exitStatus = -1; return true }
            return false
        }
    }

    var isRunning: Bool { !poll() }

    /// Waits up to `timeout` seconds; true when the process has exited.
    @discardableResult
    func wait(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !poll() {
            if Date() > deadline { return false }
            usleep(5_000)
        }
        return true
    }

    func signal(_ sig: Int32) {
        if !poll() { kill(pid, sig) }
    }

    /// Waits for the exit, killing the process (SIGKILL) once `timeout` has passed.
    func finish(timeout: Double) -> CommandResult {
        var timedOut = false
        if !wait(timeout: timeout) {
            timedOut = true
            signal(SIGKILL)
            wait(timeout: 30)
        }
        let stdout = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
        let status = lock.withLock { exitStatus } ?? -1
        let signaled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        return CommandResult(
            command: command,
            status: signaled ? status & 0x7f : (status >> 8) & 0xff,
            signaled: signaled,
            timedOut: timedOut,
            stdout: stdout,
            stderr: stderr
        )
    }
}

/// Runs a command to the end (killed after `timeout` seconds).
func run(_ executable: String, _ arguments: [String], timeout: Double = 60) throws -> CommandResult {
    try Child(executable, arguments).finish(timeout: timeout)
}

/// Runs a shell snippet; `$1`, `$2`... are `arguments`.
func shell(_ script: String, _ arguments: [String] = [], timeout: Double = 60) throws -> CommandResult {
    try run("/bin/sh", ["-c", script, "sh"] + arguments, timeout: timeout)
}
