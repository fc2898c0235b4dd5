import MinifoSystem

/// The storage lock: a flock(2) on the storage's work directory (`Names.work`), held until this
/// value is gone. A read-write mount's daemon holds it exclusive for as long as it serves, a
/// read-only mount's shared; `minifo check --repair`, `revert`, `merge` and `import-legacy`
/// take it exclusive. So one writer at a time changes storage, and nobody reads it while it
/// changes. The work directory is closed to everyone but its owner (0700), and must belong to
/// the locking user or root, so no other user can open it to take the lock first; storage that
/// someone else controls is refused before anything is locked (`UnsafeStorage`).
public final class StorageLock: Sendable {
    /// The work directory, open for reading: the descriptor that holds the lock, and the
    /// directory of the control socket.
    public let workDirectory: StorageDescriptor

    /// Takes the lock, making the work directory (0700) if there is none yet, or throws
    /// `.inUse` when a conflicting holder still has it after `patience` milliseconds.
    public init(storage path: String, exclusive: Bool, patience milliseconds: Int = 0) throws(StorageLockError) {
        let work = OwnedDescriptor(owning: try Self.openWorkDirectory(path, user: ProcessControl.effectiveUserID))
        var waited = 0
        while true {
            do throws(Errno) {
                try lockFile(work.descriptor.rawValue, exclusive: exclusive)
                break
            } catch .EAGAIN where waited < milliseconds {
                Thread.sleep(milliseconds: 10)
                waited += 10
            } catch .EAGAIN {
                throw .inUse
            } catch {
                throw .io(error)
            }
        }
        workDirectory = work.release()
    }

    deinit { close(workDirectory) }

    private static func openWorkDirectory(_ path: String, user: UInt32) throws(StorageLockError) -> StorageDescriptor {
        let root: OwnedDescriptor<StorageTree>
        do {
            root = OwnedDescriptor(owning: try .openRoot(path))
        } catch {
            throw .io(error)
        }
        do {
            try UnsafeStorage.check(storageRoot: root.descriptor, path: path, user: user)
        } catch {
            throw .unsafe(error)
        }
        let opened: StorageDescriptor
        do throws(Errno) {
            do {
                try makeDirectory(root.descriptor, Names.work, mode: 0o700)
            } catch .EEXIST {
            }
            opened = try openat(root.descriptor, Names.work, [.directory, .noFollow])
        } catch {
            throw .io(error)
        }
        let work = OwnedDescriptor(owning: opened)
        let stat: FileStat
        do {
            stat = try fstat(work.descriptor)
        } catch {
            throw .io(error)
        }
        // The directory opened, which need not be the one checked above.
        do {
            try UnsafeStorage.checkWorkDirectory(stat, storage: path, user: user)
        } catch {
            throw .unsafe(error)
        }
        return work.release()
    }
}

/// Why the storage lock was not taken.
public enum StorageLockError: Error, Sendable {
    /// A mount's daemon or another minifo command holds it.
    case inUse
    /// Someone other than the user and root controls the storage.
    case unsafe(UnsafeStorage)
    case io(Errno)
}
