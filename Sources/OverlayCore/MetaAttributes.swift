import MinifoSystem

/// Attributes of a base object changed without copying its data (chmod, chown, utimes on a
/// file that is otherwise unchanged). A nil field keeps the base object's value.
public struct MetaAttributes: Sendable, Equatable {
    public var mode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    public var atime: Timespec?
    public var mtime: Timespec?

    public init(mode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil, atime: Timespec? = nil, mtime: Timespec? = nil) {
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.atime = atime
        self.mtime = mtime
    }

    /// No field set: the same as no record at all.
    public var isEmpty: Bool { self == MetaAttributes() }
}
