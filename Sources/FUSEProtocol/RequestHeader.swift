/// struct fuse_in_header (40 bytes), the start of every request.
public struct RequestHeader: Sendable, Equatable {
    /// Total request length, header included.
    public var length: UInt32
    /// Raw opcode; see `Opcode`.
    public var opcode: UInt32
    /// Request ID to echo in the reply. Bit 63 is FUSE_UNIQUE_RESEND.
    public var unique: UInt64
    public var nodeID: UInt64
    public var uid: UInt32
    public var gid: UInt32
    public var pid: UInt32
    /// Length of the request extensions at the end, in 8-byte units (7.38+).
    public var totalExtensionLength: UInt16

    public init(length: UInt32, opcode: UInt32, unique: UInt64, nodeID: UInt64,
                uid: UInt32, gid: UInt32, pid: UInt32, totalExtensionLength: UInt16 = 0) {
        self.length = length
        self.opcode = opcode
        self.unique = unique
        self.nodeID = nodeID
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.totalExtensionLength = totalExtensionLength
    }

    static let size = 40

    init(_ r: inout ByteReader) throws(DecodeError) {
        length = try r.read()
        opcode = try r.read()
        unique = try r.read()
        nodeID = try r.read()
        uid = try r.read()
        gid = try r.read()
        pid = try r.read()
        totalExtensionLength = try r.read()
        try r.skip(2)
    }
}
