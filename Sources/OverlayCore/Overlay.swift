import MinifoSystem

/// The merged view of a base and a storage directory, addressed by relative path.
/// Knows nothing of FUSE; every failure is an `Errno` the caller can hand back unchanged.
public final class Overlay: Sendable {
    public let base: Layer
    public let storage: Layer
    let inodes: InodeNumbers

    /// Opens both layers. Paths must be absolute and already validated by the caller.
    public init(base basePath: String, storage storagePath: String) throws(Errno) {
        base = try Layer(kind: .base, path: basePath)
        storage = try Layer(kind: .storage, path: storagePath)
        inodes = InodeNumbers(baseDevice: base.device)
    }

    deinit {
        close(base.root)
        close(storage.root)
    }

    func layer(_ kind: LayerKind) -> Layer {
        kind == .base ? base : storage
    }
}

/// An object found in the overlay: the layer that answers for it and its attributes, with
/// `stat.inode` already the mount's inode number.
public struct Entry: Sendable {
    /// The layer whose object answers reads and attributes.
    public var layer: LayerKind
    public var stat: FileStat
    /// A directory present in both layers, whose listing merges the two.
    public var merged: Bool
}
