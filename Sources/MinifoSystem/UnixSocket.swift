import CMinifo
import Glibc

/// Unix stream sockets bound to a name in a directory, reached through a descriptor of that
/// directory (as `/proc/self/fd/N/NAME`), so that a path of any length fits sun_path and no
/// directory on the way is looked up again; a daemon's control channel.
public enum UnixSocket {
    /// A listening socket bound to `name` in the directory `dir`, replacing a socket file of
    /// that name that is left there (bind(2) refuses to reuse one, listened on or not).
    public static func listen(in dir: StorageDescriptor, name: [UInt8]) throws(Errno) -> Int32 {
        do {
            try removeName(dir, name, directory: false)
        } catch .ENOENT {
        }
        return try withCString(Array("/proc/self/fd/\(dir.rawValue)/".utf8) + name) { (path) throws(Errno) in
            try retrying { cminifo_listen_unix(path) }
        }
    }

    /// A socket connected to the one listening on `name` in the directory `dir`. ECONNREFUSED
    /// when none listens there, EAGAIN when none accepts within `timeout` seconds, which
    /// then also bounds every send and receive on it (`setTimeout` changes that).
    public static func connect(in dir: Descriptor<some FileTree>, name: [UInt8], timeout seconds: Int32) throws(Errno) -> Int32 {
        try withCString(Array("/proc/self/fd/\(dir.rawValue)/".utf8) + name) { (path) throws(Errno) in
            try retrying { cminifo_connect_unix(path, seconds) }
        }
    }

    /// accept(2), close-on-exec. EINVAL once `shutdown` has been called on the socket.
    public static func accept(_ fd: Int32) throws(Errno) -> Int32 {
        try retrying { cminifo_accept(fd) }
    }

    /// The user id of the process at the other end (SO_PEERCRED), as it was at connect(2).
    public static func peerUserID(_ fd: Int32) throws(Errno) -> UInt32 {
        var uid: UInt32 = 0
        _ = try retrying { cminifo_peer_uid(fd, &uid) }
        return uid
    }

    /// Makes reads and writes on the socket fail with EAGAIN after `seconds` without progress.
    public static func setTimeout(_ fd: Int32, seconds: Int32) throws(Errno) {
        _ = try retrying { cminifo_socket_timeout(fd, seconds) }
    }

    /// shutdown(2) both ways, which also wakes a thread blocked in `accept`.
    public static func shutdown(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Writes all of `bytes`, in as many write(2) calls as it takes.
    public static func send(_ fd: Int32, _ bytes: [UInt8]) throws(Errno) {
        var done = 0
        while done < bytes.count {
            done += try bytes.withUnsafeBytes { raw in
                attempt { Glibc.send(fd, raw.baseAddress! + done, raw.count - done, Int32(MSG_NOSIGNAL)) }
            }.get()
        }
    }

    /// Reads exactly `count` bytes; nil when the peer closes first.
    public static func receive(_ fd: Int32, count: Int) throws(Errno) -> [UInt8]? {
        var result = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = try result.withUnsafeMutableBytes { raw in
                attempt { Glibc.recv(fd, raw.baseAddress! + done, count - done, 0) }
            }.get()
            if n == 0 { return nil }
            done += n
        }
        return result
    }
}
