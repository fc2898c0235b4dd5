/// struct fuse_getattr_in.
public struct GetattrIn: Sendable, Equatable {
    /// FUSE_GETATTR_FH (1 << 0) when `fileHandle` is valid.
    public var getattrFlags: UInt32
    public var fileHandle: UInt64

    public init(getattrFlags: UInt32 = 0, fileHandle: UInt64 = 0) {
        self.getattrFlags = getattrFlags
        self.fileHandle = fileHandle
    }

    /// FUSE_GETATTR_FH is set: the call came from fstat on an open file.
    public var hasFileHandle: Bool { getattrFlags & 1 != 0 }

    init(_ r: inout ByteReader) throws(DecodeError) {
        getattrFlags = try r.read()
        try r.skip(4)
        fileHandle = try r.read()
    }
}

/// The FATTR_* bits of fuse_setattr_in.valid.
public struct SetattrValid: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let mode = SetattrValid(rawValue: 1 << 0)
    public static let uid = SetattrValid(rawValue: 1 << 1)
    public static let gid = SetattrValid(rawValue: 1 << 2)
    public static let size = SetattrValid(rawValue: 1 << 3)
    public static let atime = SetattrValid(rawValue: 1 << 4)
    public static let mtime = SetattrValid(rawValue: 1 << 5)
    public static let fileHandle = SetattrValid(rawValue: 1 << 6)
    public static let atimeNow = SetattrValid(rawValue: 1 << 7)
    public static let mtimeNow = SetattrValid(rawValue: 1 << 8)
    public static let lockOwner = SetattrValid(rawValue: 1 << 9)
    public static let ctime = SetattrValid(rawValue: 1 << 10)
    public static let killSuidgid = SetattrValid(rawValue: 1 << 11)
}

/// struct fuse_setattr_in (88 bytes). Only the fields named in `valid` mean anything.
public struct SetattrIn: Sendable, Equatable {
    public var valid: SetattrValid
    public var fileHandle: UInt64
    public var size: UInt64
    public var lockOwner: UInt64
    public var atime: Int64
    public var mtime: Int64
    public var ctime: Int64
    public var atimeNsec: UInt32
    public var mtimeNsec: UInt32
    public var ctimeNsec: UInt32
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32

    public init(valid: SetattrValid, fileHandle: UInt64 = 0, size: UInt64 = 0, lockOwner: UInt64 = 0,
                atime: Int64 = 0, mtime: Int64 = 0, ctime: Int64 = 0,
                atimeNsec: UInt32 = 0, mtimeNsec: UInt32 = 0, ctimeNsec: UInt32 = 0,
                mode: UInt32 = 0, uid: UInt32 = 0, gid: UInt32 = 0) {
        self.valid = valid
        self.fileHandle = fileHandle
        self.size = size
        self.lockOwner = lockOwner
        self.atime = atime
        self.mtime = mtime
        self.ctime = ctime
        self.atimeNsec = atimeNsec
        self.mtimeNsec = mtimeNsec
        self.ctimeNsec = ctimeNsec
        self.mode = mode
        self.uid = uid
        self.gid = gid
    }

    init(_ r: inout ByteReader) throws(DecodeError) {
        valid = SetattrValid(rawValue: try r.read())
        try r.skip(4)
        fileHandle = try r.read()
        size = try r.read()
        lockOwner = try r.read()
        atime = Int64(bitPattern: try r.read())
        mtime = Int64(bitPattern: try r.read())
        ctime = Int64(bitPattern: try r.read())
        atimeNsec = try r.read()
        mtimeNsec = try r.read()
        ctimeNsec = try r.read()
        mode = try r.read()
        try r.skip(4)
        uid = try r.read()
        gid = try r.read()
        try r.skip(4)
    }
}

/// struct fuse_mknod_in.
public struct MknodIn: Sendable, Equatable {
    public var mode: UInt32
    public var rdev: UInt32
    public var umask: UInt32

    public init(mode: UInt32, rdev: UInt32 = 0, umask: UInt32 = 0) {
        self.mode = mode
        self.rdev = rdev
        self.umask = umask
    }

    init(_ r: inout ByteReader) throws(DecodeError) {
        mode = try r.read()
        rdev = try r.read()
        umask = try r.read()
        try r.skip(4)
    }
}

/// struct fuse_mkdir_in.
public struct MkdirIn: Sendable, Equatable {
    public var mode: UInt32
    public var umask: UInt32

    public init(mode: UInt32, umask: UInt32 = 0) {
        self.mode = mode
        self.umask = umask
    }

    init(_ r: inout ByteReader) throws(DecodeError) {
        mode = try r.read()
        umask = try r.read()
    }
}

/// struct fuse_rename_in.
public struct RenameIn: Sendable, Equatable {
    /// Node ID of the destination directory.
    public var newDir: UInt64

    public init(newDir: UInt64) { self.newDir = newDir }

    init(_ r: inout ByteReader) throws(DecodeError) {
        newDir = try r.read()
    }
}

/// struct fuse_rename2_in.
public struct Rename2In: Sendable, Equatable {
    /// Node ID of the destination directory.
    public var newDir: UInt64
    /// RENAME_NOREPLACE (1), RENAME_EXCHANGE (2), RENAME_WHITEOUT (4).
    public var flags: UInt32

    public init(newDir: UInt64, flags: UInt32) {
        self.newDir = newDir
        self.flags = flags
    }

    init(_ r: inout ByteReader) throws(DecodeError) {
        newDir = try r.read()
        flags = try r.read()
        try r.skip(4)
    }
}

/// struct fuse_link_in. The header's node ID is the new parent.
public struct LinkIn: Sendable, Equatable {
    /// Node ID of the existing inode.
    public var oldNodeID: UInt64

    public init(oldNodeID: UInt64) { self.oldNodeID = oldNodeID }

    init(_ r: inout ByteReader) throws(DecodeError) {
        oldNodeID = try r.read()
    }
}

/// struct fuse_forget_one, one item of BATCH_FORGET.
public struct ForgetOne: Sendable, Equatable {
    public var nodeID: UInt64
    public var nlookup: UInt64

    public init(nodeID: UInt64, nlookup: UInt64) {
        self.nodeID = nodeID
        self.nlookup = nlookup
    }

    static let size = 16

    init(_ r: inout ByteReader) throws(DecodeError) {
        nodeID = try r.read()
        nlookup = try r.read()
    }
}

/// struct fuse_statx_in.
public struct StatxIn: Sendable, Equatable {
    /// As in fuse_getattr_in: FUSE_GETATTR_FH when `fileHandle` is valid.
    public var getattrFlags: UInt32
    public var fileHandle: UInt64
    /// AT_STATX_* synchronisation flags.
    public var sxFlags: UInt32
    /// STATX_* mask of the fields wanted.
    public var sxMask: UInt32

    public init(getattrFlags: UInt32 = 0, fileHandle: UInt64 = 0, sxFlags: UInt32 = 0, sxMask: UInt32) {
        self.getattrFlags = getattrFlags
        self.fileHandle = fileHandle
        self.sxFlags = sxFlags
        self.sxMask = sxMask
    }

    init(_ r: inout ByteReader) throws(DecodeError) {
        getattrFlags = try r.read()
        try r.skip(4)
        fileHandle = try r.read()
        sxFlags = try r.read()
        sxMask = try r.read()
    }
}
