import MinifoSystem

extension MetaStore {
    /// Rewrites the file with the live records only.
    public func compact() throws(Errno) {
        try state.withLock { (state) throws(Errno) in try state.compact(storageRoot: storageRoot) }
    }

    /// Writes a file holding `index` for `base` and renames it over the current one: built as
    /// the temporary file, fsynced, then renamed. The caller fsyncs the root afterwards.
    static func rewrite(_ index: MetaIndex, base: [UInt8], storageRoot: StorageDescriptor) throws(Errno) -> MetaFile {
        do {
            try removeName(storageRoot, temporaryFileName, directory: false)
        } catch .ENOENT {}
        let fd = try openat(storageRoot, temporaryFileName, [.readWrite, .append, .create, .exclusive, .noFollow], mode: 0o600)
        var file = MetaFile(fd: fd, size: 0, records: 0)
        do {
            var buffer = MetaFormat.header(base: base)
            try index.forEachRecord { (record) throws(Errno) in
                MetaFormat.encode(record, into: &buffer)
                file.records += 1
                if buffer.count >= 64 * 1024 { try file.flush(&buffer) }
            }
            try file.flush(&buffer)
            try synchronize(fd)
            try MinifoSystem.rename(storageRoot, temporaryFileName, storageRoot, fileName)
        } catch {
            close(fd)
            try? removeName(storageRoot, temporaryFileName, directory: false)
            throw error
        }
        return file
    }

    /// fsync(2) of the storage root, so that a rename in it is durable.
    static func syncDirectory(_ storageRoot: StorageDescriptor) throws(Errno) {
        let fd = OwnedDescriptor(owning: try openat(storageRoot, [0x2E], [.directory]))
        try synchronize(fd.descriptor)
    }
}

extension MetaStore.State {
    /// Dead records may reach twice the live ones (and at least 1024) before a rewrite.
    var needsCompaction: Bool {
        file.records - index.liveRecords > max(1024, 2 * index.liveRecords)
    }

    mutating func compact(storageRoot: StorageDescriptor) throws(Errno) {
        let compacted = try MetaStore.rewrite(index, base: base, storageRoot: storageRoot)
        close(file.fd)
        file = compacted
        try MetaStore.syncDirectory(storageRoot)
    }

    /// Compacts when dead records have piled up. A failure leaves the file as it was: the
    /// change that triggered it is recorded already, so it is logged and retried later.
    mutating func compactIfNeeded(storageRoot: StorageDescriptor) {
        guard needsCompaction, file.records >= compactionRetry else { return }
        do {
            try compact(storageRoot: storageRoot)
        } catch {
            compactionRetry = file.records + 1024
            Log.warning("compacting \(MetaStore.displayName) failed (\(error)); retrying after 1024 more changes")
        }
    }
}

extension MetaFile {
    /// Writes `buffer` at the end of a file being built, and empties it.
    fileprivate mutating func flush(_ buffer: inout [UInt8]) throws(Errno) {
        try writeAll(fd, buffer, offset: size)
        size += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }
}
