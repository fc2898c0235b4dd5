import MinifoSystem

/// Which directory tree an object comes from.
public enum LayerKind: Sendable {
    /// The read-only base: opened for reading only, never written.
    case base
    /// The storage directory that holds every change.
    case storage
}

/// A layer's root directory, held open so that every access is relative to it: the base's a
/// `Layer<BaseTree>`, whose descriptors no call that changes anything takes.
public struct Layer<Tree: RootedTree>: Sendable {
    public let path: String
    /// O_PATH descriptor of the root directory.
    public let root: Descriptor<Tree>
    public let device: UInt64

    init(path: String) throws(Errno) {
        self.path = path
        root = try .openRoot(path)
        device = try fstat(root).device
    }
}

/// A file opened in the layer that holds it: a base file for reading only, a storage file
/// as asked.
public enum LayerFile: Sendable, Equatable {
    case base(BaseDescriptor)
    case storage(StorageDescriptor)

    /// The descriptor, for reading only.
    public var readOnly: Descriptor<ReadOnly> {
        switch self {
        case .base(let fd): fd.readOnly
        case .storage(let fd): fd.readOnly
        }
    }

    public func close() {
        MinifoSystem.close(readOnly)
    }
}
