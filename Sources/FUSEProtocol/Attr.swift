/// struct fuse_attr (88 bytes).
public struct Attr: Sendable, Equatable {
    public var ino: UInt64
    public var size: UInt64
    /// 512-byte blocks allocated.
    public var blocks: UInt64
    /// Seconds since the epoch; the wire field is u64 carrying this bit pattern.
    public var atime: Int64
    public var mtime: Int64
    public var ctime: Int64
    public var atimeNsec: UInt32
    public var mtimeNsec: UInt32
    public var ctimeNsec: UInt32
    public var mode: UInt32
    public var nlink: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var rdev: UInt32
    public var blksize: UInt32
    /// FUSE_ATTR_SUBMOUNT (1 << 0), FUSE_ATTR_DAX (1 << 1).
    public var flags: UInt32

    public init(ino: UInt64 = 0, size: UInt64 = 0, blocks: UInt64 = 0,
                atime: Int64 = 0, mtime: Int64 = 0, ctime: Int64 = 0,
                atimeNsec: UInt32 = 0, mtimeNsec: UInt32 = 0, ctimeNsec: UInt32 = 0,
                mode: UInt32 = 0, nlink: UInt32 = 0, uid: UInt32 = 0, gid: UInt32 = 0,
                rdev: UInt32 = 0, blksize: UInt32 = 0, flags: UInt32 = 0) {
        self.ino = ino
        self.size = size
        self.blocks = blocks
        self.atime = atime
        self.mtime = mtime
        self.ctime = ctime
        self.atimeNsec = atimeNsec
        self.mtimeNsec = mtimeNsec
        self.ctimeNsec = ctimeNsec
        self.mode = mode
        self.nlink = nlink
        self.uid = uid
        self.gid = gid
        self.rdev = rdev
        self.blksize = blksize
        self.flags = flags
    }

    static let size = 88

    func encode(into buffer: inout [UInt8]) {
        buffer.appendLittleEndian(ino)
        buffer.appendLittleEndian(size)
        buffer.appendLittleEndian(blocks)
        buffer.appendLittleEndian(atime)
        buffer.appendLittleEndian(mtime)
        buffer.appendLittleEndian(ctime)
        buffer.appendLittleEndian(atimeNsec)
        buffer.appendLittleEndian(mtimeNsec)
        buffer.appendLittleEndian(ctimeNsec)
        buffer.appendLittleEndian(mode)
        buffer.appendLittleEndian(nlink)
        buffer.appendLittleEndian(uid)
        buffer.appendLittleEndian(gid)
        buffer.appendLittleEndian(rdev)
        buffer.appendLittleEndian(blksize)
        buffer.appendLittleEndian(flags)
    }
}

/// struct fuse_entry_out (128 bytes). A reply carrying a non-zero
/// `nodeID` adds one to that node's lookup count in the kernel.
public struct EntryOut: Sendable, Equatable {
    public var nodeID: UInt64
    /// nodeID and generation together must be unique for the mount's lifetime.
    public var generation: UInt64
    /// How long the name stays cached, in seconds.
    public var entryValid: UInt64
    /// How long the attributes stay cached, in seconds.
    public var attrValid: UInt64
    public var entryValidNsec: UInt32
    public var attrValidNsec: UInt32
    public var attr: Attr

    public init(nodeID: UInt64, generation: UInt64 = 0, entryValid: UInt64, attrValid: UInt64,
                entryValidNsec: UInt32 = 0, attrValidNsec: UInt32 = 0, attr: Attr) {
        self.nodeID = nodeID
        self.generation = generation
        self.entryValid = entryValid
        self.attrValid = attrValid
        self.entryValidNsec = entryValidNsec
        self.attrValidNsec = attrValidNsec
        self.attr = attr
    }

    static let size = 40 + Attr.size

    func encode(into buffer: inout [UInt8]) {
        buffer.appendLittleEndian(nodeID)
        buffer.appendLittleEndian(generation)
        buffer.appendLittleEndian(entryValid)
        buffer.appendLittleEndian(attrValid)
        buffer.appendLittleEndian(entryValidNsec)
        buffer.appendLittleEndian(attrValidNsec)
        attr.encode(into: &buffer)
    }
}
