/// A path below a layer's root, as raw bytes ("." for the root itself). Every layer holds the
/// same relative path for the same object, so one value addresses base and storage alike.
public struct RelativePath: Hashable, Sendable, CustomStringConvertible {
    public private(set) var bytes: [UInt8]

    public static let root = RelativePath(bytes: [0x2E])

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var isRoot: Bool { bytes == [0x2E] }

    /// The path of the entry `name` in this directory.
    public func appending(_ name: some Collection<UInt8>) -> RelativePath {
        if isRoot { return RelativePath(bytes: Array(name)) }
        var bytes = self.bytes
        bytes.reserveCapacity(bytes.count + 1 + name.count)
        bytes.append(0x2F)
        bytes.append(contentsOf: name)
        return RelativePath(bytes: bytes)
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

/// Name rules shared by every layer.
public enum Names {
    /// `META_dAfFgHE39ktF3HD2sr`: minifo's record of changes, at the storage root, never shown.
    public static let meta: [UInt8] = Array("META_dAfFgHE39ktF3HD2sr".utf8)

    /// The work directory at the storage root where copies are built before they are renamed
    /// into place; never shown either.
    public static let work: [UInt8] = meta + Array(".work".utf8)

    /// The control socket of the daemon serving the storage, in the work directory, which the
    /// work directory's cleanups leave: a socket there can only have been made by the storage's
    /// owner or root (`StorageLock`).
    public static let controlSocket: [UInt8] = Array("control".utf8)

    /// The directory at the storage root holding the copies of hard-linked base files, by
    /// inode number, so that every name of such a file shows the one copy.
    public static let links: [UInt8] = meta + Array(".links".utf8)

    /// The META file's replacement while a compaction writes it.
    public static let metaReplacement: [UInt8] = meta + Array(".tmp".utf8)

    /// `minifo merge`'s journal at the storage root, and the directory at the base root where
    /// it sets renamed directories aside; both exist only while a merge runs or is interrupted.
    public static let merge: [UInt8] = meta + Array(".merge".utf8)

    /// Whether `name` in the directory `parent` is one of minifo's own names at the storage
    /// root, which the mount never shows and no one can create through it.
    public static func isMeta(_ name: some Collection<UInt8>, in parent: RelativePath) -> Bool {
        parent.isRoot && (name.elementsEqual(meta) || name.elementsEqual(work) || name.elementsEqual(links)
                            || name.elementsEqual(metaReplacement) || name.elementsEqual(merge))
    }

    /// A name a directory can hold: 1 to 255 bytes, no NUL, no '/', not "." or "..".
    public static func isValid(_ name: some Collection<UInt8>) -> Bool {
        let count = name.count
        guard count > 0, count <= 255 else { return false }
        if name.contains(0) || name.contains(0x2F) { return false }
        return !(name.elementsEqual([0x2E]) || name.elementsEqual([0x2E, 0x2E]))
    }
}
