import MinifoSystem
import OverlayCore

/// A storage directory, mounted or not, with the base its META file names. Opened for reading,
/// nothing here writes: the META file is read as a read-only mount reads it.
public final class StorageDirectory: Sendable {
    /// The storage directory, canonical.
    public let path: String
    /// The base directory as the META header records it.
    public let base: String
    /// The merged view, read-only.
    public let overlay: Overlay

    /// `writable` opens the overlay for changes, for which the caller holds `lockExclusively`.
    public init(_ given: String, writable: Bool = false) throws(StorageError) {
        path = try Self.directory(given)
        base = try Self.recordedBase(path)
        try Self.checkBase(base, storage: path)
        do {
            overlay = try Overlay(base: base, storage: path, readOnly: !writable)
        } catch {
            switch error {
            case .meta(let metaError): throw .damaged(path, metaError)
            case .layer(let errno): throw .io(errno, "opening \(base) and \(path)")
            case .interruptedMerge: throw .interruptedMerge(path)
            }
        }
    }

    /// Locks the storage directory `given` against mounts and other tools, as a tool that
    /// writes storage must; nil when a mount's daemon or another tool holds it. `.unsafe` for
    /// storage that someone other than the user and root controls.
    public static func lockExclusively(_ given: String) throws(StorageError) -> StorageLock? {
        let path = try directory(given)
        do {
            return try StorageLock(storage: path, exclusive: true)
        } catch {
            switch error {
            case .inUse: return nil
            case .unsafe(let problem): throw .unsafe(problem)
            case .io(let errno): throw .io(errno, "locking \(path)")
            }
        }
    }

    /// `lockExclusively` of the canonical `path`, `.mounted` (saying `then`) when it is held.
    static func lock(_ path: String, then action: String) throws(StorageError) -> StorageLock {
        guard let lock = try lockExclusively(path) else { throw .mounted(path, then: action) }
        return lock
    }

    /// The base the META file of the storage directory `path` names.
    static func recordedBase(_ path: String) throws(StorageError) -> String {
        let root: OwnedDescriptor<StorageTree>
        do {
            root = OwnedDescriptor(owning: try .openRoot(path))
        } catch {
            throw .io(error, "opening \(path)")
        }
        let inspection: MetaInspection?
        do {
            inspection = try MetaStore.inspect(storageRoot: root.descriptor)
        } catch {
            throw .damaged(path, error)
        }
        guard let inspection else { throw .notStorage(path) }
        return inspection.base
    }

    /// Repairs made while reading META (a torn record at its end skipped), to print as warnings.
    public var warnings: [String] { overlay.meta.warnings }

    /// The canonical form of `given`, which must be a directory.
    static func directory(_ given: String) throws(StorageError) -> String {
        let path: String
        let type: FileType
        do throws(Errno) {
            path = try canonicalPath(given)
            type = try stat(path: path).fileType
        } catch .ENOENT {
            throw .missing(given)
        } catch .ENOTDIR {
            throw .notADirectory(given)
        } catch {
            throw .io(error, "looking at \(given)")
        }
        guard type == .directory else { throw .notADirectory(given) }
        return path
    }

    static func checkBase(_ base: String, storage: String) throws(StorageError) {
        let canonical: String
        let type: FileType
        do throws(Errno) {
            canonical = try canonicalPath(base)
            type = try stat(path: canonical).fileType
        } catch .ENOENT {
            throw .baseMissing(storage: storage, base: base)
        } catch .ENOTDIR {
            throw .baseNotADirectory(storage: storage, base: base)
        } catch {
            throw .io(error, "looking at the base \(base)")
        }
        guard type == .directory else { throw .baseNotADirectory(storage: storage, base: base) }
        if canonical == storage || canonical.hasPrefix(storage + "/") || storage.hasPrefix(canonical == "/" ? "/" : canonical + "/") {
            throw .baseNested(storage: storage, base: base)
        }
    }
}
