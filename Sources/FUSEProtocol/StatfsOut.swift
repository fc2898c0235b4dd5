/// struct fuse_kstatfs (80 bytes), the body of fuse_statfs_out.
public struct StatfsOut: Sendable, Equatable {
    public var blocks: UInt64
    public var bfree: UInt64
    public var bavail: UInt64
    public var files: UInt64
    public var ffree: UInt64
    public var bsize: UInt32
    public var namelen: UInt32
    public var frsize: UInt32

    public init(blocks: UInt64, bfree: UInt64, bavail: UInt64, files: UInt64, ffree: UInt64,
                bsize: UInt32, namelen: UInt32, frsize: UInt32) {
        self.blocks = blocks
        self.bfree = bfree
        self.bavail = bavail
        self.files = files
        self.ffree = ffree
        self.bsize = bsize
        self.namelen = namelen
        self.frsize = frsize
    }

    static let size = 80

    func encode(into buffer: inout [UInt8]) {
        buffer.appendLittleEndian(blocks)
        buffer.appendLittleEndian(bfree)
        buffer.appendLittleEndian(bavail)
        buffer.appendLittleEndian(files)
        buffer.appendLittleEndian(ffree)
        buffer.appendLittleEndian(bsize)
        buffer.appendLittleEndian(namelen)
        buffer.appendLittleEndian(frsize)
        buffer.appendZeros(4 + 6 * 4)
    }
}
