/// The FOPEN_* flags of fuse_open_out.open_flags.
public struct OpenFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let directIO = OpenFlags(rawValue: 1 << 0)
    public static let keepCache = OpenFlags(rawValue: 1 << 1)
    public static let nonSeekable = OpenFlags(rawValue: 1 << 2)
    public static let cacheDir = OpenFlags(rawValue: 1 << 3)
    public static let stream = OpenFlags(rawValue: 1 << 4)
    public static let noFlush = OpenFlags(rawValue: 1 << 5)
    public static let parallelDirectWrites = OpenFlags(rawValue: 1 << 6)
    /// Reads and writes go straight to the backing file named by `backingID`.
    public static let passthrough = OpenFlags(rawValue: 1 << 7)
}

/// struct fuse_open_out (16 bytes), for OPEN, OPENDIR and CREATE.
public struct OpenOut: Sendable, Equatable {
    public var fileHandle: UInt64
    public var openFlags: OpenFlags
    /// The ID from FUSE_DEV_IOC_BACKING_OPEN; read only with `.passthrough`.
    public var backingID: Int32

    public init(fileHandle: UInt64, openFlags: OpenFlags = [], backingID: Int32 = 0) {
        self.fileHandle = fileHandle
        self.openFlags = openFlags
        self.backingID = backingID
    }

    static let size = 16

    func encode(into buffer: inout [UInt8]) {
        buffer.appendLittleEndian(fileHandle)
        buffer.appendLittleEndian(openFlags.rawValue)
        buffer.appendLittleEndian(backingID)
    }
}
