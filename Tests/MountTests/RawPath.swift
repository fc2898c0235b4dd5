import Glibc

/// A path as raw bytes, so names that are not valid UTF-8 survive the round trip.
struct RawPath: Hashable, Sendable, CustomStringConvertible, Comparable {
    var bytes: [UInt8]

    init(_ string: String) { bytes = Array(string.utf8) }
    init(bytes: [UInt8]) { self.bytes = bytes }

    func appending(_ name: [UInt8]) -> RawPath {
        if bytes.isEmpty { return RawPath(bytes: name) }
        return RawPath(bytes: bytes + [UInt8(ascii: "/")] + name)
    }
    func appending(_ name: String) -> RawPath { appending(Array(name.utf8)) }

    /// Calls `body` with a NUL-terminated copy of the path.
    func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        let terminated = bytes + [0]
        return try terminated.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    /// Printable form: non-printable and non-ASCII bytes become `\xNN`.
    var description: String {
        var out = ""
        for byte in bytes {
            if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\\") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "\\x" + String(byte, radix: 16, uppercase: false).leftPadded(to: 2)
            }
        }
        return out
    }

    /// The path as a String; only for paths known to be UTF-8 (temp dirs).
    var string: String { String(decoding: bytes, as: UTF8.self) }

    static func < (lhs: RawPath, rhs: RawPath) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// A failed system call: the call's name, the path and errno.
struct SysError: Error, CustomStringConvertible {
    var call: String
    var path: String
    var errno: Int32
    var description: String { "\(call)(\(path)): \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// File type bits of `st_mode`, spelled out because Glibc's macros do not import cleanly.
enum FileType: UInt32, Sendable, CustomStringConvertible {
    case fifo = 0o010000, characterDevice = 0o020000, directory = 0o040000, blockDevice = 0o060000
    case regular = 0o100000, symlink = 0o120000, socket = 0o140000

    static let mask: UInt32 = 0o170000

    init?(mode: UInt32) { self.init(rawValue: mode & FileType.mask) }

    /// The type a `dirent.d_type` names, or nil for DT_UNKNOWN.
    init?(direntType: UInt8) {
        switch direntType {
        case 1: self = .fifo
        case 2: self = .characterDevice
        case 4: self = .directory
        case 6: self = .blockDevice
        case 8: self = .regular
        case 10: self = .symlink
        case 12: self = .socket
        default: return nil
        }
    }

    var description: String {
        switch self {
        case .fifo: "fifo"
        case .characterDevice: "chr"
        case .directory: "dir"
        case .blockDevice: "blk"
        case .regular: "reg"
        case .symlink: "lnk"
        case .socket: "sock"
        }
    }
}

/// Thin wrappers over the calls the tests make, on raw paths; each throws `SysError`.
enum Sys {
    static func check(_ result: Int32, _ call: String, _ path: RawPath) throws {
        if result != 0 { throw SysError(call: call, path: path.description, errno: errno) }
    }

    static func lstat(_ path: RawPath) throws -> stat {
        var st = stat()
        try check(path.withCString { Glibc.lstat($0, &st) }, "lstat", path)
        return st
    }

    /// `lstat` (or `stat` when `follow`), giving errno instead of throwing.
    static func statResult(_ path: RawPath, follow: Bool = false) -> Result<stat, SysError> {
        var st = stat()
        let rc: Int32 = path.withCString { p in
            fstatat(AT_FDCWD, p, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW)
        }
        if rc != 0 { return .failure(SysError(call: follow ? "stat" : "lstat", path: path.description, errno: errno)) }
        return .success(st)
    }

    struct DirEntry: Hashable, Sendable {
        var name: [UInt8]
        var type: UInt8
    }

    /// Every entry of a directory except `.` and `..`, in readdir order.
    static func listDirectory(_ path: RawPath, includeDots: Bool = false) throws -> [DirEntry] {
        guard let dir = path.withCString({ opendir($0) }) else {
            throw SysError(call: "opendir", path: path.description, errno: errno)
        }
        defer { closedir(dir) }
        var entries: [DirEntry] = []
        while true {
            errno = 0
            guard let ent = readdir(dir) else {
                if errno != 0 { throw SysError(call: "readdir", path: path.description, errno: errno) }
                break
            }
            let name = direntName(ent)
            if !includeDots && (name == [0x2e] || name == [0x2e, 0x2e]) { continue }
            entries.append(DirEntry(name: name, type: ent.pointee.d_type))
        }
        return entries
    }

    static func direntName(_ ent: UnsafeMutablePointer<dirent>) -> [UInt8] {
        withUnsafeBytes(of: &ent.pointee.d_name) { raw in
            Array(raw.prefix(while: { $0 != 0 }))
        }
    }

    static func readLink(_ path: RawPath) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4097)
        let n = path.withCString { p in
            buffer.withUnsafeMutableBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { readlink(p, $0.baseAddress!, $0.count) }
            }
        }
        if n < 0 { throw SysError(call: "readlink", path: path.description, errno: errno) }
        return Array(buffer[0..<n])
    }

    static func open(_ path: RawPath, _ flags: Int32, _ mode: mode_t = 0) throws -> Int32 {
        let fd = path.withCString { Glibc.open($0, flags, mode) }
        if fd < 0 { throw SysError(call: "open", path: path.description, errno: errno) }
        return fd
    }

    /// Reads the whole file with reads of `blockSize` bytes.
    static func readFile(_ path: RawPath, blockSize: Int = 1 << 20) throws -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: blockSize)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, blockSize) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SysError(call: "read", path: path.description, errno: errno)
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    static func pread(_ fd: Int32, count: Int, offset: Int, path: RawPath) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SysError(call: "pread", path: path.description, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return Array(buffer[0..<done])
    }

    static func writeFile(_ path: RawPath, _ data: [UInt8], mode: mode_t = 0o644) throws {
        let fd = try open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
        defer { close(fd) }
        try writeAll(fd, data, at: 0, path: path)
    }

    static func writeAll(_ fd: Int32, _ data: [UInt8], at offset: Int, path: RawPath) throws {
        var done = 0
        while done < data.count {
            let n = data.withUnsafeBytes { Glibc.pwrite(fd, $0.baseAddress! + done, data.count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SysError(call: "pwrite", path: path.description, errno: errno)
            }
            done += n
        }
    }

    static func mkdir(_ path: RawPath, _ mode: mode_t = 0o755) throws {
        try check(path.withCString { Glibc.mkdir($0, mode) }, "mkdir", path)
    }

    static func symlink(_ target: [UInt8], _ path: RawPath) throws {
        try check(RawPath(bytes: target).withCString { t in path.withCString { Glibc.symlink(t, $0) } }, "symlink", path)
    }

    static func link(_ existing: RawPath, _ path: RawPath) throws {
        try check(existing.withCString { e in path.withCString { Glibc.link(e, $0) } }, "link", path)
    }

    static func mknod(_ path: RawPath, _ mode: UInt32, _ device: dev_t) throws {
        try check(path.withCString { Glibc.mknod($0, mode, device) }, "mknod", path)
    }

    static func lchown(_ path: RawPath, _ uid: uid_t, _ gid: gid_t) throws {
        try check(path.withCString { Glibc.lchown($0, uid, gid) }, "lchown", path)
    }

    static func chmod(_ path: RawPath, _ mode: mode_t) throws {
        try check(path.withCString { Glibc.chmod($0, mode) }, "chmod", path)
    }

    /// Sets atime and mtime (seconds, nanoseconds) without following a symlink.
    static func setTimes(_ path: RawPath, atime: (Int, Int), mtime: (Int, Int)) throws {
        var times = [timespec(tv_sec: atime.0, tv_nsec: atime.1), timespec(tv_sec: mtime.0, tv_nsec: mtime.1)]
        try check(path.withCString { utimensat(AT_FDCWD, $0, &times, AT_SYMLINK_NOFOLLOW) }, "utimensat", path)
    }

    /// Creates a unix socket file by binding a socket to `path` and closing it.
    static func bindSocket(_ path: RawPath) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        if fd < 0 { throw SysError(call: "socket", path: path.description, errno: errno) }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        precondition(path.bytes.count < capacity, "socket path too long: \(path)")
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: path.bytes)
        }
        let rc = withUnsafePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try check(rc, "bind", path)
    }

    /// Linux `makedev`.
    static func makeDevice(major: UInt64, minor: UInt64) -> dev_t {
        let low: UInt64 = ((major & 0xfff) << 8) | (minor & 0xff)
        let high: UInt64 = ((minor & ~0xff) << 12) | ((major & ~0xfff) << 32)
        return dev_t(low | high)
    }

    static func major(_ dev: dev_t) -> UInt64 {
        let d = UInt64(dev)
        return ((d >> 8) & 0xfff) | ((d >> 32) & ~0xfff)
    }

    static func minor(_ dev: dev_t) -> UInt64 {
        let d = UInt64(dev)
        return (d & 0xff) | ((d >> 12) & ~0xff)
    }
}
