import Synchronization

/// Directories known to have no storage copy. An object can have a storage copy only if its
/// directory has one, so looking up an entry of such a directory skips the storage lstat: a
/// walk of base directories costs one storage check per directory, not one per entry.
struct UncopiedDirectories {
    /// Counts the directories put in storage. A directory seen without a copy under an older
    /// count may have one by now, so it is not remembered.
    var generation: UInt64 = 0
    var paths = Set<[UInt8]>()
    /// Enough for every directory a tree walk keeps busy, small enough to count for nothing.
    static let limit = 4096
}

extension Overlay {
    /// Whether the directory at `path` is known to have no storage copy, and the count to pass
    /// to `rememberUncopied` after looking for one.
    func uncopiedState(_ path: RelativePath) -> (known: Bool, generation: UInt64) {
        uncopiedDirectories.withLock { ($0.paths.contains(path.bytes), $0.generation) }
    }

    /// Remembers that the directory at `path` had no storage copy when looked for, unless a
    /// directory was put in storage since `generation` was read.
    func rememberUncopied(_ path: RelativePath, seenAt generation: UInt64) {
        uncopiedDirectories.withLock { state in
            guard state.generation == generation else { return }
            if state.paths.count >= UncopiedDirectories.limit { state.paths.removeAll(keepingCapacity: true) }
            state.paths.insert(path.bytes)
        }
    }

    /// Called once a directory has been made, copied up or moved into storage.
    func storageDirectoryPlaced() {
        uncopiedDirectories.withLock { state in
            state.generation &+= 1
            state.paths.removeAll(keepingCapacity: true)
        }
    }
}
