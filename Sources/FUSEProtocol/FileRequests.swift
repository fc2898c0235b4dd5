/// struct fuse_open_in, for OPEN and OPENDIR.
public struct OpenIn: Sendable, Equatable {
    /// open(2) flags, without O_CREAT, O_EXCL and O_NOCTTY.
    public var flags: UInt32
    /// FUSE_OPEN_KILL_SUIDGID (1 << 0).
    public var openFlags: UInt32

    public init(flags: UInt32, openFlags: UInt32 = 0) {
        self.flags = flags
        self.openFlags = openFlags
    }

    /// FUSE_OPEN_KILL_SUIDGID is set: an O_TRUNC open by a caller without CAP_FSETID, with
    /// FUSE_HANDLE_KILLPRIV_V2 (and FUSE_ATOMIC_O_TRUNC, or the kernel strips O_TRUNC).
    public var killSuidgid: Bool { openFlags & 1 != 0 }

    init(_ r: inout ByteReader) throws(DecodeError) {
        flags = try r.read()
        openFlags = try r.read()
    }
}

/// struct fuse_create_in, for CREATE and TMPFILE.
public struct CreateIn: Sendable, Equatable {
    /// open(2) flags.
    public var flags: UInt32
    public var mode: UInt32
    public var umask: UInt32
    /// FUSE_OPEN_KILL_SUIDGID (1 << 0).
    public var openFlags: UInt32

    public init(flags: UInt32, mode: UInt32, umask: UInt32 = 0, openFlags: UInt32 = 0) {
        self.flags = flags
        self.mode = mode
        self.umask = umask
        self.openFlags = openFlags
    }

    /// FUSE_OPEN_KILL_SUIDGID is set: O_TRUNC from a caller without CAP_FSETID.
    public var killSuidgid: Bool { openFlags & 1 != 0 }

    init(_ r: inout ByteReader) throws(DecodeError) {
        flags = try r.read()
        mode = try r.read()
        umask = try r.read()
        openFlags = try r.read()
    }
}

/// struct fuse_read_in, for READ, READDIR and READDIRPLUS.
public struct ReadIn: Sendable, Equatable {
    public var fileHandle: UInt64
    public var offset: UInt64
    /// Most bytes the reply may carry.
    public var size: UInt32
    /// FUSE_READ_LOCKOWNER (1 << 1) when `lockOwner` is valid.
    public var readFlags: UInt32
    public var lockOwner: UInt64
    /// open(2) flags of the file.
    public var flags: UInt32

    public init(fileHandle: UInt64, offset: UInt64, size: UInt32,
                readFlags: UInt32 = 0, lockOwner: UInt64 = 0, flags: UInt32 = 0) {
        self.fileHandle = fileHandle
        self.offset = offset
        self.size = size
        self.readFlags = readFlags
        self.lockOwner = lockOwner
        self.flags = flags
    }

    init(_ r: inout ByteReader) throws(DecodeError) {
        fileHandle = try r.read()
        offset = try r.read()
        size = try r.read()
        readFlags = try r.read()
        lockOwner = try r.read()
        flags = try r.read()
        try r.skip(4)
    }
}

/// struct fuse_write_in; `size` bytes of data follow it.
public struct WriteIn: Sendable, Equatable {
    public var fileHandle: UInt64
    public var offset: UInt64
    public var size: UInt32
    /// FUSE_WRITE_CACHE (1 << 0), FUSE_WRITE_LOCKOWNER (1 << 1), FUSE_WRITE_KILL_SUIDGID (1 << 2).
    public var writeFlags: UInt32
    public var lockOwner: UInt64
    /// open(2) flags of the file.
    public var flags: UInt32

    public init(fileHandle: UInt64, offset: UInt64, size: UInt32,
                writeFlags: UInt32 = 0, lockOwner: UInt64 = 0, flags: UInt32 = 0) {
        self.fileHandle = fileHandle
        self.offset = offset
        self.size = size
        self.writeFlags = writeFlags
        self.lockOwner = lockOwner
        self.flags = flags
    }

    /// FUSE_WRITE_KILL_SUIDGID is set: with FUSE_HANDLE_KILLPRIV_V2, the writer lacks CAP_FSETID.
    public var killSuidgid: Bool { writeFlags & 4 != 0 }

    init(_ r: inout ByteReader) throws(DecodeError) {
        fileHandle = try r.read()
        offset = try r.read()
        size = try r.read()
        writeFlags = try r.read()
        lockOwner = try r.read()
        flags = try r.read()
        try r.skip(4)
    }
}

/// struct fuse_release_in, for RELEASE and RELEASEDIR.
public struct ReleaseIn: Sendable, Equatable {
    public var fileHandle: UInt64
    /// open(2) flags of the file.
    public var flags: UInt32
    /// FUSE_RELEASE_FLUSH (1 << 0), FUSE_RELEASE_FLOCK_UNLOCK (1 << 1).
    public var releaseFlags: UInt32
    public var lockOwner: UInt64

    public init(fileHandle: UInt64, flags: UInt32 = 0, releaseFlags: UInt32 = 0, lockOwner: UInt64 = 0) {
        self.fileHandle = fileHandle
        self.flags = flags
        self.releaseFlags = releaseFlags
        self.lockOwner = lockOwner
    }

    init(_ r: inout ByteReader) throws(DecodeError) {
        fileHandle = try r.read()
        flags = try r.read()
        releaseFlags = try r.read()
        lockOwner = try r.read()
    }
}

/// struct fuse_flush_in.
public struct FlushIn: Sendable, Equatable {
    public var fileHandle: UInt64
    public var lockOwner: UInt64

    public init(fileHandle: UInt64, lockOwner: UInt64 = 0) {
        self.fileHandle = fileHandle
        self.lockOwner = lockOwner
    }

    init(_ r: inout ByteReader) throws(DecodeError) {
        fileHandle = try r.read()
        try r.skip(8)
        lockOwner = try r.read()
    }
}

/// struct fuse_fsync_in, for FSYNC and FSYNCDIR.
public struct FsyncIn: Sendable, Equatable {
    public var fileHandle: UInt64
    /// FUSE_FSYNC_FDATASYNC (1 << 0).
    public var fsyncFlags: UInt32

    public init(fileHandle: UInt64, fsyncFlags: UInt32 = 0) {
        self.fileHandle = fileHandle
        self.fsyncFlags = fsyncFlags
    }

    /// FUSE_FSYNC_FDATASYNC is set.
    public var dataOnly: Bool { fsyncFlags & 1 != 0 }

    init(_ r: inout ByteReader) throws(DecodeError) {
        fileHandle = try r.read()
        fsyncFlags = try r.read()
        try r.skip(4)
    }
}

/// struct fuse_lseek_in.
public struct LseekIn: Sendable, Equatable {
    public var fileHandle: UInt64
    public var offset: UInt64
    /// SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA (3) or SEEK_HOLE (4).
    public var whence: UInt32

    public init(fileHandle: UInt64, offset: UInt64, whence: UInt32) {
        self.fileHandle = fileHandle
        self.offset = offset
        self.whence = whence
    }

    init(_ r: inout ByteReader) throws(DecodeError) {
        fileHandle = try r.read()
        offset = try r.read()
        whence = try r.read()
        try r.skip(4)
    }
}

/// struct fuse_fallocate_in.
public struct FallocateIn: Sendable, Equatable {
    public var fileHandle: UInt64
    public var offset: UInt64
    public var length: UInt64
    /// FALLOC_FL_* mode.
    public var mode: UInt32

    public init(fileHandle: UInt64, offset: UInt64, length: UInt64, mode: UInt32 = 0) {
        self.fileHandle = fileHandle
        self.offset = offset
        self.length = length
        self.mode = mode
    }

    init(_ r: inout ByteReader) throws(DecodeError) {
        fileHandle = try r.read()
        offset = try r.read()
        length = try r.read()
        mode = try r.read()
        try r.skip(4)
    }
}

/// struct fuse_copy_file_range_in. The header's node ID is the source inode.
public struct CopyFileRangeIn: Sendable, Equatable {
    public var fileHandleIn: UInt64
    public var offsetIn: UInt64
    public var nodeIDOut: UInt64
    public var fileHandleOut: UInt64
    public var offsetOut: UInt64
    public var length: UInt64
    public var flags: UInt64

    public init(fileHandleIn: UInt64, offsetIn: UInt64, nodeIDOut: UInt64, fileHandleOut: UInt64,
                offsetOut: UInt64, length: UInt64, flags: UInt64 = 0) {
        self.fileHandleIn = fileHandleIn
        self.offsetIn = offsetIn
        self.nodeIDOut = nodeIDOut
        self.fileHandleOut = fileHandleOut
        self.offsetOut = offsetOut
        self.length = length
        self.flags = flags
    }

    init(_ r: inout ByteReader) throws(DecodeError) {
        fileHandleIn = try r.read()
        offsetIn = try r.read()
        nodeIDOut = try r.read()
        fileHandleOut = try r.read()
        offsetOut = try r.read()
        length = try r.read()
        flags = try r.read()
    }
}
