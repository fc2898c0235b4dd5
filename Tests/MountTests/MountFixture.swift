import Foundation
import Glibc
import Testing

/// A scratch directory `/tmp/minifo-test-XXXXXX` holding `base/`, `storage/` and `mnt/`, and
/// the minifo mount made on it. `close()` always leaves nothing mounted and no daemon
/// running: `minifo umount` first, and if that fails or the test hangs past its time limit,
/// the daemon is killed and the mount point lazily unmounted. Use it through `with`.
final class MountFixture: @unchecked Sendable {
    let root: String
    let base: String
    let storage: String
    let mountPoint: String

    var baseRaw: RawPath { RawPath(base) }
    var storageRaw: RawPath { RawPath(storage) }
    var mountRaw: RawPath { RawPath(mountPoint) }

    private let lock = NSLock()
    private var closed = false
    private var watchdogFired = false
    private let timeLimit: Double
    /// minifo processes seen serving this mount point (the daemon, or the `mount -f` child).
    private var seenDaemons: Set<ProcessRef> = []
    private var children: [Child] = []

    /// Makes the scratch directories; skips (or, under CI, fails) when this machine cannot mount.
    init(timeLimit: Double = 120, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try MountEnvironment.requireMountable(sourceLocation: sourceLocation)
        var template = Array("/tmp/minifo-test-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SysError(call: "mkdtemp", path: "/tmp/minifo-test-XXXXXX", errno: errno)
        }
        root = String(cString: made)
        base = root + "/base"
        storage = root + "/storage"
        mountPoint = root + "/mnt"
        self.timeLimit = timeLimit
        for dir in [base, storage, mountPoint] { try Sys.mkdir(RawPath(dir)) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeLimit) { [weak self] in
            self?.watchdog()
        }
    }

    /// Runs `body` with a new fixture and closes it on every path.
    static func with<R>(
        timeLimit: Double = 120,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (MountFixture) throws -> R
    ) throws -> R {
        let fixture = try MountFixture(timeLimit: timeLimit, sourceLocation: sourceLocation)
        defer { fixture.close() }
        return try body(fixture)
    }

    // MARK: Mounting

    /// `minifo mount [-o OPTIONS] BASE STORAGE MNT` without -f, as a command; no checks.
    func runMount(options: [String] = [], base: String? = nil, storage: String? = nil, mountPoint: String? = nil) throws -> CommandResult {
        let optionArguments = options.isEmpty ? [] : ["-o", options.joined(separator: ",")]
        let target = mountPoint ?? self.mountPoint
        let result = try run(
            MountEnvironment.minifo,
            ["mount"] + optionArguments + [base ?? self.base, storage ?? self.storage, target],
            timeout: 30
        )
        remember(ProcessRef.minifoProcesses(mountPoint: target))
        return result
    }

    /// Mounts in the background and requires that it worked: exit 0, the mount point in
    /// /proc/mounts and a daemon serving it.
    func mount(options: [String] = [], base: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try runMount(options: options, base: base)
        try #require(result.succeeded, "minifo mount failed: \(result)", sourceLocation: sourceLocation)
        try #require(
            MountEnvironment.isMounted(mountPoint),
            "minifo mount exited 0 but \(mountPoint) is not in /proc/mounts",
            sourceLocation: sourceLocation
        )
    }

    /// Starts `minifo mount -f` as a child and waits until the mount point appears in
    /// /proc/mounts; fails if the child exits first.
    func mountForeground(options: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> Child {
        let optionArguments = options.isEmpty ? [] : ["-o", options.joined(separator: ",")]
        let child = try Child(MountEnvironment.minifo, ["mount", "-f"] + optionArguments + [base, storage, mountPoint])
        lock.withLock { children.append(child) }
        let mounted = MountEnvironment.waitUntil(timeout: 30) {
            MountEnvironment.isMounted(mountPoint) || !child.isRunning
        }
        if !mounted || !child.isRunning {
            let result = child.finish(timeout: 5)
            Issue.record("minifo mount -f did not mount \(mountPoint): \(result)", sourceLocation: sourceLocation)
            throw MountTestError("foreground mount failed")
        }
        // The mount point shows before INIT is answered; a stat waits for it.
        _ = Sys.statResult(mountRaw)
        if let me = ProcessRef.current(child.pid) { remember([me]) }
        remember(ProcessRef.minifoProcesses(mountPoint: mountPoint))
        return child
    }

    /// `minifo umount MNT`.
    func runUnmount(timeout: Double = 30) throws -> CommandResult {
        try run(MountEnvironment.minifo, ["umount", mountPoint], timeout: timeout)
    }

    /// The minifo processes seen serving this mount so far, still alive or not.
    var daemons: [ProcessRef] { lock.withLock { Array(seenDaemons) } }

    /// Those of `daemons` still alive.
    var liveDaemons: [ProcessRef] { daemons.filter(\.isAlive) }

    private func remember(_ refs: [ProcessRef]) {
        lock.withLock { seenDaemons.formUnion(refs) }
    }

    /// Waits until every daemon seen has exited; false on timeout.
    func waitForDaemonsToExit(timeout: Double = 15) -> Bool {
        MountEnvironment.waitUntil(timeout: timeout) { liveDaemons.isEmpty }
    }

    // MARK: Cleanup

    /// Unmounts, ends the daemon and removes the scratch directory; safe to call twice.
    func close() {
        let (alreadyClosed, timedOut) = lock.withLock { () -> (Bool, Bool) in
            defer { closed = true }
            return (closed, watchdogFired)
        }
        if alreadyClosed { return }
        if timedOut {
            Issue.record("test ran past \(Int(timeLimit)) s: the FUSE connection was aborted and \(mountPoint) lazily unmounted")
        }
        remember(ProcessRef.minifoProcesses(mountPoint: mountPoint))

        var result: CommandResult?
        for _ in 0..<3 where MountEnvironment.isMounted(mountPoint) {
            result = try? runUnmount(timeout: 20)
            if result?.succeeded != true { break }
        }
        if MountEnvironment.isMounted(mountPoint) {
            Issue.record("cleanup: `minifo umount` left \(mountPoint) mounted (\(result.map(String.init(describing:)) ?? "did not run")); unmounting lazily")
            forceUnmount()
        }
        for child in lock.withLock({ children }) {
            let result = child.finish(timeout: 10)
            if result.timedOut {
                Issue.record("cleanup: `\(child.command.joined(separator: " "))` still running 10 s after unmount; killed pid \(child.pid)")
            }
        }
        if !waitForDaemonsToExit(timeout: 10) {
            let left = liveDaemons
            Issue.record("cleanup: daemon still running 10 s after unmount: \(left); killing it")
            for ref in left { kill(ref.pid, SIGKILL) }
            _ = waitForDaemonsToExit(timeout: 5)
        }
        if MountEnvironment.mountPoints().contains(where: { $0 == root || $0.hasPrefix(root + "/") }) {
            Issue.record("cleanup: something is still mounted under \(root); leaving it in place")
            return
        }
        _ = try? run("/bin/rm", ["-rf", "--one-file-system", root], timeout: 60)
    }

    /// Ends a hung or stuck mount: kills the daemon (which closes /dev/fuse and so aborts
    /// the connection; a crashed daemon whose backtracer hangs counts as alive), or, with no
    /// daemon known, aborts the connection through fusectl; then `umount -l`.
    private func forceUnmount() {
        remember(ProcessRef.minifoProcesses(mountPoint: mountPoint))
        let live = liveDaemons
        for ref in live { kill(ref.pid, SIGKILL) }
        for child in lock.withLock({ children }) { child.signal(SIGKILL) }
        if live.isEmpty, let connection = fuseConnection() {
            abortThroughFusectl(connection)
        }
        while MountEnvironment.isMounted(mountPoint) {
            let result = try? run("/bin/umount", ["-l", mountPoint], timeout: 10)
            if result?.succeeded != true { break }
        }
    }

    /// Writes to /sys/fs/fuse/connections/N/abort, mounting fusectl for it (and unmounting
    /// it after) when it is not mounted.
    private func abortThroughFusectl(_ connection: UInt64) {
        let connections = "/sys/fs/fuse/connections"
        var mountedHere = false
        if !MountEnvironment.isMounted(connections) {
            mountedHere = (try? run("/bin/mount", ["-t", "fusectl", "fusectl", connections], timeout: 10))?.succeeded == true
        }
        let fd = open("\(connections)/\(connection)/abort", O_WRONLY)
        if fd >= 0 {
            _ = write(fd, "1", 1)
            Glibc.close(fd)
        }
        if mountedHere { _ = try? run("/bin/umount", [connections], timeout: 10) }
    }

    /// The fusectl connection number of the mount: its device number, from mountinfo.
    private func fuseConnection() -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4, MountEnvironment.unescapeMountField(fields[4]) == mountPoint else { continue }
            let numbers = fields[2].split(separator: ":").compactMap { UInt64($0) }
            guard numbers.count == 2 else { return nil }
            return (numbers[0] << 20) | numbers[1]
        }
        return nil
    }

    private func watchdog() {
        let fire = lock.withLock { () -> Bool in
            if closed { return false }
            watchdogFired = true
            return true
        }
        if fire { forceUnmount() }
    }
}
