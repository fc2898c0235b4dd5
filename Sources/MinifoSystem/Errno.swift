import Glibc

/// A POSIX error number. Every failing call below throws one; every FUSE reply carries one.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's `errno`.
    public static var current: Errno { Errno(Glibc.errno) }

    public var description: String { String(cString: strerror(rawValue)) }

    public static let EPERM = Errno(Glibc.EPERM)
    public static let ENOENT = Errno(Glibc.ENOENT)
    public static let EINTR = Errno(Glibc.EINTR)
    public static let EIO = Errno(Glibc.EIO)
    public static let EBADF = Errno(Glibc.EBADF)
    public static let EAGAIN = Errno(Glibc.EAGAIN)
    public static let ENOMEM = Errno(Glibc.ENOMEM)
    public static let EACCES = Errno(Glibc.EACCES)
    public static let EBUSY = Errno(Glibc.EBUSY)
    public static let EEXIST = Errno(Glibc.EEXIST)
    public static let EXDEV = Errno(Glibc.EXDEV)
    public static let ENODEV = Errno(Glibc.ENODEV)
    public static let ENOTDIR = Errno(Glibc.ENOTDIR)
    public static let EISDIR = Errno(Glibc.EISDIR)
    public static let EINVAL = Errno(Glibc.EINVAL)
    public static let ENOSPC = Errno(Glibc.ENOSPC)
    public static let EROFS = Errno(Glibc.EROFS)
    public static let ERANGE = Errno(Glibc.ERANGE)
    public static let ENOSYS = Errno(Glibc.ENOSYS)
    public static let ENOTEMPTY = Errno(Glibc.ENOTEMPTY)
    public static let ELOOP = Errno(Glibc.ELOOP)
    public static let ENAMETOOLONG = Errno(Glibc.ENAMETOOLONG)
    public static let ENODATA = Errno(Glibc.ENODATA)
    public static let ENOTSUP = Errno(Glibc.EOPNOTSUPP)
    public static let ENXIO = Errno(Glibc.ENXIO)
    public static let EPROTO = Errno(Glibc.EPROTO)
    public static let ESTALE = Errno(Glibc.ESTALE)
    public static let ENOTCONN = Errno(Glibc.ENOTCONN)
    public static let ECONNREFUSED = Errno(Glibc.ECONNREFUSED)
    public static let ECONNABORTED = Errno(Glibc.ECONNABORTED)
    public static let EADDRINUSE = Errno(Glibc.EADDRINUSE)
}

/// Runs a call that returns -1 and sets errno on failure, retrying EINTR.
@inline(__always)
func retrying<T: BinaryInteger>(_ call: () -> T) throws(Errno) -> T {
    while true {
        let result = call()
        if result >= 0 { return result }
        let error = Errno.current
        if error != .EINTR { throw error }
    }
}

/// `retrying` for use inside closures that cannot throw typed errors.
@inline(__always)
func attempt<T: BinaryInteger>(_ call: () -> T) -> Result<T, Errno> {
    Result { () throws(Errno) -> T in try retrying(call) }
}

/// Calls `body` with `bytes` as a NUL-terminated C string, without heap allocation for short paths.
@inline(__always)
func withCString<R>(_ bytes: some Collection<UInt8>, _ body: (UnsafePointer<CChar>) throws(Errno) -> R) throws(Errno) -> R {
    let count = bytes.count
    return try withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { (buffer) throws(Errno) -> R in
        let start = buffer.baseAddress!
        // Paths are arrays and slices: one memcpy and one memchr, not a generic loop per byte.
        let copied: Void? = bytes.withContiguousStorageIfAvailable { source in
            if count > 0 { UnsafeMutableRawPointer(start).copyMemory(from: source.baseAddress!, byteCount: count) }
        }
        if copied == nil {
            var i = 0
            for byte in bytes { buffer[i] = CChar(bitPattern: byte); i += 1 }
        }
        if memchr(start, 0, count) != nil { throw .EINVAL }
        buffer[count] = 0
        return try body(UnsafePointer(start))
    }
}
