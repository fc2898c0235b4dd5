import CMinifo
import Glibc

/// A point in time as the kernel keeps it (`struct timespec`).
public struct Timespec: Sendable, Hashable {
    public var seconds: Int64
    public var nanoseconds: Int64
    public init(seconds: Int64, nanoseconds: Int64) { self.seconds = seconds; self.nanoseconds = nanoseconds }
    init(_ t: timespec) { self.init(seconds: Int64(t.tv_sec), nanoseconds: Int64(t.tv_nsec)) }

    /// The current time (CLOCK_REALTIME), as file times are kept.
    public static var now: Timespec {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Timespec(t)
    }

    /// The time in UTC as `YYYYMMDD-HHMMSS`, for file names.
    public var utcStamp: String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))-\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
    }
}

/// The fields of `struct stat` minifo uses.
public struct FileStat: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    public var mode: UInt32
    public var linkCount: UInt64
    public var uid: UInt32
    public var gid: UInt32
    public var rdev: UInt64
    public var size: Int64
    public var blockSize: Int64
    public var blocks: Int64
    public var accessTime: Timespec
    public var modificationTime: Timespec
    public var changeTime: Timespec

    init(_ s: stat) {
        device = UInt64(s.st_dev)
        inode = UInt64(s.st_ino)
        mode = UInt32(s.st_mode)
        linkCount = UInt64(s.st_nlink)
        uid = s.st_uid
        gid = s.st_gid
        rdev = UInt64(s.st_rdev)
        size = Int64(s.st_size)
        blockSize = Int64(s.st_blksize)
        blocks = Int64(s.st_blocks)
        accessTime = Timespec(s.st_atim)
        modificationTime = Timespec(s.st_mtim)
        changeTime = Timespec(s.st_ctim)
    }

    public var fileType: FileType { FileType(mode: mode) }
}

/// The `S_IFMT` part of a mode.
public enum FileType: UInt32, Sendable {
    case fifo = 0o010000, characterDevice = 0o020000, directory = 0o040000, blockDevice = 0o060000
    case regular = 0o100000, symlink = 0o120000, socket = 0o140000, unknown = 0

    public init(mode: UInt32) { self = FileType(rawValue: mode & 0o170000) ?? .unknown }

    /// The `DT_*` value getdents64 and FUSE readdir use.
    public var directoryEntryType: UInt32 { rawValue >> 12 }
}

/// fstatat(2) without following a final symlink, below `dir` (`beneath`).
public func lstatat(_ dir: Descriptor<some FileTree>, _ path: some Collection<UInt8>) throws(Errno) -> FileStat {
    var s = Glibc.stat()
    _ = try beneath(dir.rawValue, path) { (d, p) throws(Errno) in
        try retrying { fstatat(d, p, &s, AT_SYMLINK_NOFOLLOW | cminifo_AT_EMPTY_PATH) }
    }
    return FileStat(s)
}

/// fstat(2).
public func fstat(_ fd: Descriptor<some FileTree>) throws(Errno) -> FileStat {
    var s = Glibc.stat()
    _ = try retrying { Glibc.fstat(fd.rawValue, &s) }
    return FileStat(s)
}

/// stat(2) of an absolute or relative path, following symlinks.
public func stat(path: String) throws(Errno) -> FileStat {
    var s = Glibc.stat()
    _ = try retrying { fstatat(AT_FDCWD, path, &s, 0) }
    return FileStat(s)
}
