import MinifoSystem
import Synchronization

/// The merged view of a base and a storage directory, addressed by relative path.
/// Knows nothing of FUSE; every failure is an `Errno` the caller can hand back unchanged.
public final class Overlay: Sendable {
    public let base: Layer<BaseTree>
    public let storage: Layer<StorageTree>
    /// O_PATH descriptor of the storage's work directory (`Names.work`), where new objects and
    /// copies are built: one call each, without resolving its path; -1 when read-only.
    let work: StorageDescriptor
    /// The record of what storage files cannot express: deletions, renames, inode numbers.
    public let meta: MetaStore
    let inodes: InodeNumbers
    /// Held while copying up: one copy-up at a time, so two can never race on one file.
    let copyUpLock = Mutex<Void>(())
    let workCounter = Atomic<UInt64>(0)
    /// How many subdirectories each merged directory lists, by its inode number: counting
    /// them means listing both layers, and the kernel asks for a directory's attributes after
    /// every change in it. Only making, removing or moving a directory changes a count.
    let subdirectoryCounts = Mutex<[UInt64: UInt64]>([:])
    /// Enough for every directory a tree walk keeps busy, small enough to count for nothing.
    static let subdirectoryCountLimit = 4096
    let uncopiedDirectories = Mutex(UncopiedDirectories())

    /// Opens both layers and the META file. Paths must be absolute and already validated.
    /// `adoptBase` lets a storage directory made for another base be used with this one;
    /// `readOnly` (a read-only mount) leaves storage exactly as it is.
    public init(base basePath: String, storage storagePath: String, adoptBase: Bool = false, readOnly: Bool = false) throws(OverlayError) {
        do {
            base = try Layer(path: basePath)
            storage = try Layer(path: storagePath)
        } catch {
            throw .layer(error)
        }
        if (try? lstatat(storage.root, Names.merge)) != nil { throw .interruptedMerge(storagePath) }
        do {
            meta = try MetaStore(storageRoot: storage.root, basePath: basePath, force: adoptBase, readOnly: readOnly)
        } catch {
            throw .meta(error)
        }
        inodes = InodeNumbers(baseDevice: base.device)
        if readOnly {
            work = .none
        } else {
            do {
                work = try Self.openWorkDirectory(storage.root)
            } catch {
                throw .layer(error)
            }
        }
        settleUncommittedChanges()
        if readOnly { return }
        do {
            try emptyWorkDirectory()
        } catch {
            throw .layer(error)
        }
    }

    /// Applies the META changes a crash left prepared whose storage operation happened, and
    /// drops the others, so that each interrupted rename, removal or link is whole or undone.
    /// A read-only overlay (a read-only mount, `minifo check`) settles them in memory only.
    private func settleUncommittedChanges() {
        for (id, condition) in meta.uncommitted {
            meta.commit(id, applied: condition.isMet(storageRoot: storage.root))
        }
    }

    /// Creates the work directory if missing, and opens it.
    private static func openWorkDirectory(_ storageRoot: StorageDescriptor) throws(Errno) -> StorageDescriptor {
        do {
            try makeDirectory(storageRoot, Names.work, mode: 0o700)
        } catch .EEXIST {
        }
        return try openat(storageRoot, Names.work, [.path, .directory, .noFollow])
    }

    /// Removes the copies a crash left half-built in the work directory; the control socket stays.
    private func emptyWorkDirectory() throws(Errno) {
        let reader = DirectoryReader(owning: try openat(work, [0x2E], [.directory, .noFollow]))
        while let entry = try reader.next() {
            if entry.isDotOrDotDot || entry.name == Names.controlSocket { continue }
            try removeTree(work, entry.name)
        }
    }

    /// Removes a storage object and everything below it.
    func removeTree(_ dir: StorageDescriptor, _ path: [UInt8]) throws(Errno) {
        do {
            try removeName(dir, path, directory: false)
        } catch .EISDIR {
            let reader = DirectoryReader(owning: try openat(dir, path, [.directory, .noFollow]))
            while let entry = try reader.next() {
                if entry.isDotOrDotDot { continue }
                try removeTree(dir, path + [0x2F] + entry.name)
            }
            try removeName(dir, path, directory: true)
        }
    }

    deinit {
        if work.rawValue >= 0 { close(work) }
        close(base.root)
        close(storage.root)
    }

    /// The root of the layer `kind`, for reading.
    func root(_ kind: LayerKind) -> Descriptor<ReadOnly> {
        kind == .base ? base.root.readOnly : storage.root.readOnly
    }
}

/// An object found in the overlay: the layer that answers for it and its attributes, with
/// `stat.inode` already the mount's inode number.
public struct Entry: Sendable {
    /// The layer whose object answers reads and attributes.
    public var layer: LayerKind
    public var stat: FileStat
    /// Which layer object answers: the storage object's number once there is one, else the
    /// base object's. It changes when the object is copied up, unlike `stat.inode`, which is
    /// the object's identity in the mount.
    public var layerObject: UInt64
    /// The object's identity for as long as it exists: its inode number in the mount.
    public var identity: UInt64 { stat.inode }
    /// Where the object is in that layer: the mount path in storage; in the base, the path
    /// renames recorded in META lead to.
    public var location: RelativePath
    /// Where the base part of this object is, if it has one (for a directory, whose base
    /// entries a listing merges in).
    public var basePath: RelativePath?
    /// A directory present in both layers, whose listing merges the two.
    public var merged: Bool
}

/// Why an overlay could not be opened.
public enum OverlayError: Error, CustomStringConvertible {
    case layer(Errno)
    case meta(MetaError)
    /// `minifo merge` stopped half way: the base is partly merged, and storage must not be
    /// used until the merge is finished.
    case interruptedMerge(String)

    public var description: String {
        switch self {
        case .layer(let errno): return "cannot open the base and storage directories: \(errno)"
        case .meta(let error): return error.description
        case .interruptedMerge(let storage):
            return "a `minifo merge` of \(storage) was interrupted and its base is partly merged; "
                + "run `minifo merge \(storage)` to finish it"
        }
    }
}
