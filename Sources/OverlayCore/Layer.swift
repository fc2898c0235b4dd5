import MinifoSystem

/// Which directory tree an object comes from.
public enum LayerKind: Sendable {
    /// The read-only base: opened for reading only, never written.
    case base
    /// The storage directory that holds every change.
    case storage
}

/// A layer's root directory, held open so that every access is relative to it.
public struct Layer: Sendable {
    public let kind: LayerKind
    public let path: String
    /// O_PATH descriptor of the root directory.
    public let root: Int32
    public let device: UInt64

    init(kind: LayerKind, path: String) throws(Errno) {
        self.kind = kind
        self.path = path
        root = try open(path, [.path, .directory])
        device = try fstat(root).device
    }
}
