/// struct fuse_init_in: 16 bytes before 7.36; since, 64 bytes (flags2,
/// unused[11]), which a request with FUSE_INIT_EXT must carry in full.
public struct InitIn: Sendable, Equatable {
    public var major: UInt32
    public var minor: UInt32
    public var maxReadahead: UInt32
    /// flags, plus flags2 << 32 when the kernel set FUSE_INIT_EXT.
    public var flags: InitFlags

    public init(major: UInt32, minor: UInt32, maxReadahead: UInt32, flags: InitFlags) {
        self.major = major
        self.minor = minor
        self.maxReadahead = maxReadahead
        self.flags = flags
    }

    init(_ r: inout ByteReader) throws(DecodeError) {
        major = try r.read()
        minor = try r.read()
        maxReadahead = try r.read()
        var flags = InitFlags(rawValue: UInt64(try r.read() as UInt32))
        if flags.contains(.initExt) {
            flags.formUnion(InitFlags(rawValue: UInt64(try r.read() as UInt32) << 32))
            try r.skip(11 * 4)
        }
        self.flags = flags
    }
}

/// struct fuse_init_out (64 bytes since 7.23).
public struct InitOut: Sendable, Equatable {
    public var major: UInt32
    public var minor: UInt32
    public var maxReadahead: UInt32
    /// Encoded as flags (low 32 bits) and flags2 (high 32 bits).
    public var flags: InitFlags
    public var maxBackground: UInt16
    public var congestionThreshold: UInt16
    public var maxWrite: UInt32
    /// Timestamp granularity in nanoseconds.
    public var timeGran: UInt32
    /// Read only with FUSE_MAX_PAGES.
    public var maxPages: UInt16
    /// Read only with FUSE_MAP_ALIGNMENT (DAX).
    public var mapAlignment: UInt16
    /// Read only with FUSE_PASSTHROUGH; 1 or 2.
    public var maxStackDepth: UInt32
    /// Seconds; read only with FUSE_REQUEST_TIMEOUT.
    public var requestTimeout: UInt16

    public init(major: UInt32, minor: UInt32, maxReadahead: UInt32 = 0, flags: InitFlags = [],
                maxBackground: UInt16 = 0, congestionThreshold: UInt16 = 0, maxWrite: UInt32 = 0,
                timeGran: UInt32 = 0, maxPages: UInt16 = 0, mapAlignment: UInt16 = 0,
                maxStackDepth: UInt32 = 0, requestTimeout: UInt16 = 0) {
        self.major = major
        self.minor = minor
        self.maxReadahead = maxReadahead
        self.flags = flags
        self.maxBackground = maxBackground
        self.congestionThreshold = congestionThreshold
        self.maxWrite = maxWrite
        self.timeGran = timeGran
        self.maxPages = maxPages
        self.mapAlignment = mapAlignment
        self.maxStackDepth = maxStackDepth
        self.requestTimeout = requestTimeout
    }

    /// The reply to a kernel whose major is newer than ours: our version and
    /// nothing else, after which the kernel should retry INIT with major 7.
    public static let versionOnly = InitOut(major: kernelMajor, minor: kernelMinor)

    static let size = 64

    func encode(into buffer: inout [UInt8]) {
        buffer.appendLittleEndian(major)
        buffer.appendLittleEndian(minor)
        buffer.appendLittleEndian(maxReadahead)
        buffer.appendLittleEndian(flags.low)
        buffer.appendLittleEndian(maxBackground)
        buffer.appendLittleEndian(congestionThreshold)
        buffer.appendLittleEndian(maxWrite)
        buffer.appendLittleEndian(timeGran)
        buffer.appendLittleEndian(maxPages)
        buffer.appendLittleEndian(mapAlignment)
        buffer.appendLittleEndian(flags.high)
        buffer.appendLittleEndian(maxStackDepth)
        buffer.appendLittleEndian(requestTimeout)
        buffer.appendZeros(22)
    }
}
