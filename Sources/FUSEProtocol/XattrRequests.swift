/// struct fuse_setxattr_in. It is 16 bytes when FUSE_SETXATTR_EXT was
/// negotiated and 8 bytes (FUSE_COMPAT_SETXATTR_IN_SIZE) otherwise.
public struct SetxattrIn: Sendable, Equatable {
    /// Length of the value.
    public var size: UInt32
    /// XATTR_CREATE (1) or XATTR_REPLACE (2).
    public var flags: UInt32
    /// FUSE_SETXATTR_ACL_KILL_SGID (1 << 0); always 0 without FUSE_SETXATTR_EXT.
    public var setxattrFlags: UInt32

    public init(size: UInt32, flags: UInt32 = 0, setxattrFlags: UInt32 = 0) {
        self.size = size
        self.flags = flags
        self.setxattrFlags = setxattrFlags
    }

    init(_ r: inout ByteReader, extended: Bool) throws(DecodeError) {
        size = try r.read()
        flags = try r.read()
        if extended {
            setxattrFlags = try r.read()
            try r.skip(4)
        } else {
            setxattrFlags = 0
        }
    }
}

/// struct fuse_getxattr_in, for GETXATTR and LISTXATTR.
public struct GetxattrIn: Sendable, Equatable {
    /// Size of the caller's buffer; 0 asks only for the value's length.
    public var size: UInt32

    public init(size: UInt32) { self.size = size }

    init(_ r: inout ByteReader) throws(DecodeError) {
        size = try r.read()
        try r.skip(4)
    }
}
