import CMinifo
import Glibc

/// Flags for `openat(2)`.
public struct OpenFlags: OptionSet, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let readOnly = OpenFlags([])
    public static let writeOnly = OpenFlags(rawValue: O_WRONLY)
    public static let readWrite = OpenFlags(rawValue: O_RDWR)
    public static let create = OpenFlags(rawValue: O_CREAT)
    public static let exclusive = OpenFlags(rawValue: O_EXCL)
    public static let truncate = OpenFlags(rawValue: O_TRUNC)
    public static let append = OpenFlags(rawValue: O_APPEND)
    public static let directory = OpenFlags(rawValue: O_DIRECTORY)
    public static let noFollow = OpenFlags(rawValue: O_NOFOLLOW)
    public static let closeOnExec = OpenFlags(rawValue: O_CLOEXEC)
    public static let nonBlocking = OpenFlags(rawValue: O_NONBLOCK)
    public static let path = OpenFlags(rawValue: cminifo_O_PATH)
    public static let noAccessTime = OpenFlags(rawValue: cminifo_O_NOATIME)
    public static let largeFile = OpenFlags(rawValue: 0o100000)
    /// O_TMPFILE: an unnamed file in the given directory.
    public static let temporaryFile = OpenFlags(rawValue: cminifo_O_TMPFILE)
}

/// Flags for an `openat(2)` that only reads, as in a `ReadOnlyTree`: O_WRONLY, O_RDWR,
/// O_CREAT, O_TRUNC, O_APPEND and O_TMPFILE are never passed, whatever `rawValue` holds.
public struct ReadOpenFlags: OptionSet, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let readOnly = ReadOpenFlags([])
    public static let directory = ReadOpenFlags(rawValue: O_DIRECTORY)
    public static let noFollow = ReadOpenFlags(rawValue: O_NOFOLLOW)
    public static let nonBlocking = ReadOpenFlags(rawValue: O_NONBLOCK)
    public static let path = ReadOpenFlags(rawValue: cminifo_O_PATH)
    public static let noAccessTime = ReadOpenFlags(rawValue: cminifo_O_NOATIME)

    /// The bits an open that reads must not have (O_TMPFILE less its O_DIRECTORY).
    static let writing = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | (cminifo_O_TMPFILE & ~O_DIRECTORY)
}

/// openat(2) of `path` below `dir` (`beneath`) in a tree that is only read, for reading. The
/// descriptor is always close-on-exec.
public func openat<Tree: ReadOnlyTree>(_ dir: Descriptor<Tree>, _ path: some Collection<UInt8>,
                                       _ flags: ReadOpenFlags) throws(Errno) -> Descriptor<Tree> {
    Descriptor(try openat(dir.rawValue, path, flags.rawValue & ~ReadOpenFlags.writing, mode: 0))
}

/// openat(2) of `path` below `dir` (`beneath`) in a tree that may be changed. The descriptor
/// is always close-on-exec.
public func openat<Tree: WritableTree>(_ dir: Descriptor<Tree>, _ path: some Collection<UInt8>, _ flags: OpenFlags,
                                       mode: UInt32 = 0) throws(Errno) -> Descriptor<Tree> {
    Descriptor(try openat(dir.rawValue, path, flags.rawValue, mode: mode))
}

private func openat(_ dir: Int32, _ path: some Collection<UInt8>, _ flags: Int32, mode: UInt32) throws(Errno) -> Int32 {
    try beneath(dir, path) { (d, p) throws(Errno) in
        try retrying { Glibc.openat(d, p, flags | O_CLOEXEC, mode_t(mode)) }
    }
}

/// open(2) of a path given as a Swift string, for files in neither layer (a device, /proc);
/// a layer's root is opened with `Descriptor.openRoot`. Always close-on-exec.
public func open(_ path: String, _ flags: OpenFlags, mode: UInt32 = 0) throws(Errno) -> Int32 {
    try retrying { Glibc.open(path, flags.rawValue | O_CLOEXEC, mode_t(mode)) }
}

/// close(2). EINTR is not retried: Linux has released the descriptor already.
public func close(_ fd: Int32) {
    _ = Glibc.close(fd)
}

/// close(2) of a descriptor of a tree.
public func close(_ fd: Descriptor<some FileTree>) {
    _ = Glibc.close(fd.rawValue)
}

/// dup(2), close-on-exec.
public func duplicate(_ fd: Int32) throws(Errno) -> Int32 {
    try retrying { fcntl(fd, F_DUPFD_CLOEXEC, 0) }
}

/// dup2(2): makes `target` refer, atomically, to the file `source` refers to; close-on-exec.
/// Both are of one tree, so a descriptor never comes to reach a tree its type does not say.
public func replaceDescriptor<Tree>(_ target: Descriptor<Tree>, with source: Descriptor<Tree>) throws(Errno) {
    _ = try retrying { dup2(source.rawValue, target.rawValue) }
    _ = try retrying { fcntl(target.rawValue, F_SETFD, FD_CLOEXEC) }
}

/// An owned descriptor that is closed when it goes out of scope.
public struct FileDescriptor: ~Copyable {
    public let rawValue: Int32
    public init(owning rawValue: Int32) { self.rawValue = rawValue }
    deinit { Glibc.close(rawValue) }

    /// Hands the descriptor to the caller, who closes it.
    public consuming func release() -> Int32 {
        let fd = rawValue
        discard self
        return fd
    }
}
