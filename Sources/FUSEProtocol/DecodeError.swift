/// Why a buffer read from /dev/fuse could not be decoded.
public enum DecodeError: Error, Sendable, Equatable {
    /// Shorter than fuse_in_header, than its own `len`, than its opcode's
    /// fixed part, or a name without its NUL. `unique` is nil only when the
    /// header itself is incomplete, so there is no request to answer.
    case truncated(unique: UInt64?)
    /// An opcode this module does not know.
    case unknownOpcode(UInt32, unique: UInt64)
}

extension DecodeError {
    /// The errno to answer with: EIO for truncation, ENOSYS for an unknown opcode.
    public var errno: Int32 {
        switch self {
        case .truncated: EIO
        case .unknownOpcode: ENOSYS
        }
    }
}
