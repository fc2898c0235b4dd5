import MinifoSystem

/// Changes that go with one storage operation (a rename, removal, exchange or new link of
/// storage names), so that a crash shows all of them or none: they are prepared (one record),
/// the storage operation runs, and the commit (one more record) applies them. A crash between
/// the two leaves them prepared, and the next read-write open settles them from the storage
/// tree (`StorageCondition`): applied if the operation happened, dropped if not.
extension MetaStore {
    /// Appends `batch` as prepared changes and returns the id to commit them with. They show in
    /// no query until committed. ENAMETOOLONG when they exceed the longest record.
    func prepare(_ batch: MetaBatch) throws(Errno) -> UInt64 {
        try state.withLock { (state) throws(Errno) -> UInt64 in
            let id = state.nextPrepareID
            let record = MetaRecord.prepare(id: id, condition: batch.condition, batch.records)
            guard record.problem == nil else { throw .EINVAL }
            var bytes: [UInt8] = []
            MetaFormat.encode(record, into: &bytes)
            guard bytes.count - 8 <= MetaFormat.maxRecordLength else { throw .ENAMETOOLONG }
            try state.file.append(bytes)
            state.nextPrepareID += 1
            state.index.apply(record)
            return id
        }
    }

    /// Applies (once the storage operation happened) or drops (when it failed) the changes
    /// prepared under `id`. If the commit cannot be written (a full disk), the index changes
    /// all the same: the next open settles the prepared changes from the storage tree, which
    /// agrees. A read-only store changes its index only.
    func commit(_ id: UInt64, applied: Bool) {
        state.withLock { state in
            let record = MetaRecord.commit(id: id, applied: applied)
            if state.index.isNoOp(record) { return }
            var bytes: [UInt8] = []
            MetaFormat.encode(record, into: &bytes)
            guard !readOnly else {
                state.index.apply(record)
                return
            }
            do {
                try state.file.append(bytes)
            } catch {
                Log.warning("recording a commit in \(MetaStore.displayName) failed (\(error)); the next mount settles it")
            }
            state.index.apply(record)
            state.compactIfNeeded(storageRoot: storageRoot)
        }
    }

    /// Prepared changes a crash left without a commit, oldest first, with what storage shows
    /// once their operation has happened.
    var uncommitted: [(id: UInt64, condition: StorageCondition)] {
        state.withLock { state in
            state.index.prepared.map { ($0.key, $0.value.condition) }.sorted { $0.id < $1.id }
        }
    }
}

/// Changes built for `MetaStore.prepare`, with the checks the store's own setters make.
struct MetaBatch {
    private(set) var records: [MetaRecord] = []
    /// What storage shows once the operation they go with has happened.
    private(set) var condition = StorageCondition.always

    var isEmpty: Bool { records.isEmpty }

    mutating func rename(_ from: RelativePath, to: RelativePath) throws(Errno) {
        records.append(.rename(try Self.checked(from), to: try Self.checked(to)))
    }

    mutating func setDeleted(_ path: RelativePath, _ deleted: Bool) throws(Errno) {
        records.append(.whiteout(try Self.checked(path), deleted))
    }

    /// Where a directory's base contents come from; nil drops the redirect.
    mutating func setRedirect(_ path: RelativePath, to base: RelativePath?) throws(Errno) {
        let target: MetaPath? = if let base { try Self.checked(base) } else { nil }
        records.append(.redirect(try Self.checked(path), to: target))
    }

    mutating func setInode(_ path: RelativePath, _ inode: UInt64) throws(Errno) {
        records.append(.inode(try Self.checked(path), inode))
    }

    mutating func setBaseLinks(_ path: RelativePath, _ count: UInt32) throws(Errno) {
        records.append(.baseLinks(try Self.checked(path), count))
    }

    mutating func removeTree(_ path: RelativePath) throws(Errno) {
        records.append(.removeTree(try Self.checked(path)))
    }

    /// The operation has happened once the storage object at `path` has (`holds`) or no
    /// longer has the storage inode number `inode`.
    mutating func expect(_ path: RelativePath, holds: Bool, inode: UInt64) throws(Errno) {
        condition = StorageCondition(kind: holds ? .holds : .lost, path: try Self.checked(path), inode: inode)
    }

    private static func checked(_ path: RelativePath) throws(Errno) -> MetaPath {
        guard let path = MetaPath(path) else { throw .EINVAL }
        return path
    }
}
