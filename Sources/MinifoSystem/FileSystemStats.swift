import Glibc

/// The fields of `struct statvfs` a FUSE STATFS reply carries.
public struct FileSystemStats: Sendable {
    public var blocks, freeBlocks, availableBlocks, files, freeFiles: UInt64
    public var blockSize, fragmentSize, maxNameLength: UInt32
}

/// fstatvfs(2).
public func fileSystemStats(_ fd: Descriptor<some FileTree>) throws(Errno) -> FileSystemStats {
    var s = statvfs()
    _ = try retrying { fstatvfs(fd.rawValue, &s) }
    return FileSystemStats(
        blocks: UInt64(s.f_blocks), freeBlocks: UInt64(s.f_bfree), availableBlocks: UInt64(s.f_bavail),
        files: UInt64(s.f_files), freeFiles: UInt64(s.f_ffree),
        blockSize: UInt32(truncatingIfNeeded: s.f_bsize), fragmentSize: UInt32(truncatingIfNeeded: s.f_frsize),
        maxNameLength: UInt32(truncatingIfNeeded: s.f_namemax))
}
