import Foundation
import Glibc
import Testing

/// A process that pretends to be the daemon of a storage directory, as a hostile user would
/// run one: it binds every control socket name minifo has used (the abstract name
/// `minifo/control/DEV:INODE` and the socket in the work directory), takes every storage lock
/// it is asked to (a flock of the storage directory and of the work directory) so that
/// `minifo revert` believes the storage is mounted, and answers each connection in turn with
/// one of `replies`. What it managed and what each client sent goes to its log, one line each.
final class FakeDaemon {
    enum Reply: String {
        /// A "reverted" line with terminal escapes, a C1 control and a byte that is not UTF-8.
        case lie
        /// Accepts, reads the request and never answers.
        case hang
        /// Claims a reply of 4 GiB, sends a little of it and never the rest.
        case huge
    }

    private let child: Child
    let log: String

    /// Starts it as `user` (nil: root) and waits until it listens. `dropTo` is the user it
    /// becomes after binding, before listen(2), so that SO_PEERCRED names that user although
    /// root made the socket.
    init(storage: String, scratch: String, replies: [Reply], lock: Bool, user: TestUser? = nil, dropTo: TestUser? = nil) throws {
        let script = scratch + "/fake-daemon.py"
        log = scratch + "/fake-daemon.log"
        let ready = scratch + "/fake-daemon.ready"
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o644)
        var arguments = [script, storage, log, ready, replies.map(\.rawValue).joined(separator: ","), lock ? "lock" : "nolock"]
        if let dropTo { arguments.append("\(dropTo.uid):\(dropTo.gid)") }
        if let user {
            child = try Child("/usr/bin/setpriv", ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "/usr/bin/python3"] + arguments)
        } else {
            child = try Child("/usr/bin/python3", arguments)
        }
        let started = MountEnvironment.waitUntil(timeout: 20) { FileManager.default.fileExists(atPath: ready) || !child.isRunning }
        if !started || !child.isRunning {
            let result = child.finish(timeout: 5)
            throw MountTestError("the fake daemon did not start: \(result)")
        }
    }

    /// The log so far, one entry per line.
    var logLines: [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Ends it (SIGKILL, by pid) and waits for it.
    func stop() {
        child.signal(SIGKILL)
        _ = child.finish(timeout: 10)
    }

    private static let script = #"""
        import fcntl, os, select, socket, struct, sys
        storage, log_path, ready, replies, lock = sys.argv[1:6]
        replies = replies.split(",")
        work = os.path.join(storage, "META_dAfFgHE39ktF3HD2sr.work")

        log_file = open(log_path, "a")  # opened before any change of user

        def log(line):
            log_file.write(line + "\n")
            log_file.flush()

        held = []
        if lock == "lock":
            try:
                os.mkdir(work, 0o700)
            except OSError:
                pass
            for path in (storage, work):
                try:
                    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held.append(fd)
                    log("locked " + path)
                except OSError as e:
                    log("cannot lock %s: %s" % (path, e.strerror))
        st = os.stat(storage)
        listeners = []
        for name in ("\0minifo/control/%d:%d" % (st.st_dev, st.st_ino), os.path.join(work, "control")):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                if not name.startswith("\0") and os.path.lexists(name):
                    os.unlink(name)
                s.bind(name)
                listeners.append(s)
                log("bound " + name.replace("\0", "@"))
            except OSError as e:
                log("cannot bind %s: %s" % (name.replace("\0", "@"), e.strerror))
        if len(sys.argv) > 6:
            uid, gid = map(int, sys.argv[6].split(":"))
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        for s in listeners:
            s.listen(8)
        open(ready, "w").close()

        lie = "reverted modified \x1b]0;owned\x07\x1b[2J\x1b[31mall\u009b1m well".encode() + b"\xff\n"
        hung = []
        while True:
            readable, _, _ = select.select(listeners, [], [])
            for s in readable:
                client, _ = s.accept()
                client.settimeout(5)
                try:
                    request = client.recv(1 << 16)
                except OSError:
                    request = b""
                reply = replies.pop(0) if replies else "hang"
                log("connection: %d bytes of request, answered %s" % (len(request), reply))
                if reply == "lie":
                    client.sendall(b"\x00" + struct.pack("<I", len(lie)) + lie)
                    client.close()
                elif reply == "huge":
                    client.sendall(b"\x00" + struct.pack("<I", 0xFFFFFFFF) + b"x" * 1000)
                    hung.append(client)
                else:
                    hung.append(client)
        """#
}
