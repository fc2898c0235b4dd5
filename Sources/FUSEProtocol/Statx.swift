/// struct fuse_sx_time.
public struct StatxTimestamp: Sendable, Equatable {
    public var seconds: Int64
    public var nanoseconds: UInt32

    public init(seconds: Int64, nanoseconds: UInt32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    func encode(into buffer: inout [UInt8]) {
        buffer.appendLittleEndian(seconds)
        buffer.appendLittleEndian(nanoseconds)
        buffer.appendZeros(4)
    }
}

/// struct fuse_statx (256 bytes), bit-for-bit struct statx.
public struct Statx: Sendable, Equatable {
    /// STATX_* bits of the fields filled in.
    public var mask: UInt32
    public var blksize: UInt32
    /// STATX_ATTR_* bits.
    public var attributes: UInt64
    public var nlink: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var mode: UInt16
    public var ino: UInt64
    public var size: UInt64
    public var blocks: UInt64
    /// STATX_ATTR_* bits this filesystem supports.
    public var attributesMask: UInt64
    public var atime: StatxTimestamp
    public var btime: StatxTimestamp
    public var ctime: StatxTimestamp
    public var mtime: StatxTimestamp
    public var rdevMajor: UInt32
    public var rdevMinor: UInt32
    public var devMajor: UInt32
    public var devMinor: UInt32

    public init(mask: UInt32, blksize: UInt32 = 0, attributes: UInt64 = 0,
                nlink: UInt32 = 0, uid: UInt32 = 0, gid: UInt32 = 0, mode: UInt16 = 0,
                ino: UInt64 = 0, size: UInt64 = 0, blocks: UInt64 = 0, attributesMask: UInt64 = 0,
                atime: StatxTimestamp = .init(seconds: 0), btime: StatxTimestamp = .init(seconds: 0),
                ctime: StatxTimestamp = .init(seconds: 0), mtime: StatxTimestamp = .init(seconds: 0),
                rdevMajor: UInt32 = 0, rdevMinor: UInt32 = 0, devMajor: UInt32 = 0, devMinor: UInt32 = 0) {
        self.mask = mask
        self.blksize = blksize
        self.attributes = attributes
        self.nlink = nlink
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.ino = ino
        self.size = size
        self.blocks = blocks
        self.attributesMask = attributesMask
        self.atime = atime
        self.btime = btime
        self.ctime = ctime
        self.mtime = mtime
        self.rdevMajor = rdevMajor
        self.rdevMinor = rdevMinor
        self.devMajor = devMajor
        self.devMinor = devMinor
    }

    static let size = 256

    func encode(into buffer: inout [UInt8]) {
        buffer.appendLittleEndian(mask)
        buffer.appendLittleEndian(blksize)
        buffer.appendLittleEndian(attributes)
        buffer.appendLittleEndian(nlink)
        buffer.appendLittleEndian(uid)
        buffer.appendLittleEndian(gid)
        buffer.appendLittleEndian(mode)
        buffer.appendZeros(2)
        buffer.appendLittleEndian(ino)
        buffer.appendLittleEndian(size)
        buffer.appendLittleEndian(blocks)
        buffer.appendLittleEndian(attributesMask)
        atime.encode(into: &buffer)
        btime.encode(into: &buffer)
        ctime.encode(into: &buffer)
        mtime.encode(into: &buffer)
        buffer.appendLittleEndian(rdevMajor)
        buffer.appendLittleEndian(rdevMinor)
        buffer.appendLittleEndian(devMajor)
        buffer.appendLittleEndian(devMinor)
        buffer.appendZeros(14 * 8)
    }
}
