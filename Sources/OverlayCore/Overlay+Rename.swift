import MinifoSystem

extension Overlay {
    /// RENAME and RENAME2. Files are copied up and renamed in storage. A directory is renamed
    /// without copying its subtree: its own storage directory moves, and when it has a base part
    /// a redirect records where that part stays. The old name's base object is recorded deleted;
    /// the object keeps its inode number. Returns where a replaced file is still found when
    /// other names show it (a hard-linked base file's shared copy).
    @discardableResult
    public func rename(_ name: some Collection<UInt8>, in parent: RelativePath, to newName: some Collection<UInt8>,
                       in newParent: RelativePath, flags: RenameFlags) throws(Errno) -> RelativePath? {
        if newName.count > 255 { throw .ENAMETOOLONG }
        guard Names.isValid(newName) else { throw .EINVAL }
        if Names.isMeta(newName, in: newParent) { throw .EPERM }
        let (from, source) = try lookup(name, in: parent)
        let to = newParent.appending(newName)
        let target = try? lookup(to)
        defer {
            if source.stat.fileType == .directory || target?.stat.fileType == .directory {
                subdirectoriesChanged(parent, newParent)
            }
        }
        if flags.contains(.exchange) {
            guard let target else { throw .ENOENT }
            try exchange(from, source, to, target)
            return nil
        }
        if let target {
            if flags.contains(.noReplace) { throw .EEXIST }
            if from == to || target.stat.inode == source.stat.inode && source.stat.fileType != .directory { return nil }
            let sourceIsDirectory = source.stat.fileType == .directory
            let targetIsDirectory = target.stat.fileType == .directory
            if sourceIsDirectory && !targetIsDirectory { throw .ENOTDIR }
            if !sourceIsDirectory && targetIsDirectory { throw .EISDIR }
            if targetIsDirectory, try !isEmptyDirectory(to) { throw .ENOTEMPTY }
        }
        return try move(from, source, to, replacing: target)
    }

    /// Moves the object in storage (replacing the target's storage object, if any, in the same
    /// rename(2)) with its META changes prepared before and committed after, so that a crash
    /// leaves the rename whole or undone (`MetaStore.prepare`).
    private func move(_ from: RelativePath, _ source: Entry, _ to: RelativePath, replacing target: Entry?) throws(Errno) -> RelativePath? {
        let sourceBase = source.directoryBase
        try copyUp(to.parent ?? .root)
        try copyUp(from)
        var batch = MetaBatch()
        let replaced = try target.map { (target) throws(Errno) in try sharedFileCopiedUp(to, target) }
        if replaced != nil, let shared = baseLinkGroup(to) {
            try batch.setBaseLinks(shared.group, baseLinksLeft(shared.group, baseLinks: shared.baseLinks))
        }
        let object = try lstatat(storage.root, from.bytes)
        try batch.rename(from, to: to)
        if let sourceBase { try batch.setRedirect(to, to: sourceBase) }
        try settle(from, to, &batch, inode: source.stat.inode, object: object, ownBase: sourceBase != nil)
        try batch.expect(from, holds: false, inode: object.inode)
        let id = try meta.prepare(batch)
        do {
            try MinifoSystem.rename(storage.root, from.bytes, storage.root, to.bytes)
        } catch {
            meta.commit(id, applied: false)
            throw error
        }
        meta.commit(id, applied: true)
        if object.fileType == .directory { storageDirectoryPlaced() }
        let survivor = try replaced.flatMap { (target) throws(Errno) in try sharedCopy(of: target) }
        directoryChanged(from.parent ?? .root)
        if to.parent != from.parent { directoryChanged(to.parent ?? .root) }
        return survivor
    }

    /// The records that go with moving the object at `from` (storage object `object`, shown
    /// as `inode`) to `to`, after the records at `from` have moved to `to`: a whiteout on each
    /// name exactly where a base object under that name must stay hidden (not at `to` when
    /// the object brings its own base part there), and the object's inode number kept.
    private func settle(_ from: RelativePath, _ to: RelativePath, _ batch: inout MetaBatch, inode: UInt64, object: FileStat,
                        ownBase: Bool) throws(Errno) {
        if hasBaseObject(named: from) { try batch.setDeleted(from, true) }
        let hideAtTo = !ownBase && hasBaseObject(named: to)
        if meta.isDeleted(from) != hideAtTo { try batch.setDeleted(to, hideAtTo) }
        let shown = meta.inode(from) ?? (ownBase ? inode : inodes.number(device: object.device, inode: object.inode, in: .storage))
        if shown != inode { try batch.setInode(to, inode) }
    }

    /// RENAME_EXCHANGE: both objects are copied up and swapped in storage, with their records,
    /// prepared and committed around the renameat2(2) as `move` does. A directory's base part
    /// follows it as a redirect, as in a plain rename.
    private func exchange(_ a: RelativePath, _ first: Entry, _ b: RelativePath, _ second: Entry) throws(Errno) {
        let firstBase = first.directoryBase
        let secondBase = second.directoryBase
        try copyUp(a)
        try copyUp(b)
        let objectA = try lstatat(storage.root, a.bytes)
        let objectB = try lstatat(storage.root, b.bytes)
        var batch = MetaBatch()
        let swap = RelativePath(bytes: Names.work + Array("/exchange".utf8))
        try batch.rename(a, to: swap)
        try batch.rename(b, to: a)
        try batch.rename(swap, to: b)
        if first.stat.fileType == .directory { try batch.setRedirect(b, to: firstBase) }
        if second.stat.fileType == .directory { try batch.setRedirect(a, to: secondBase) }
        try settleExchanged(b, a, &batch, inode: second.stat.inode, object: objectB, ownBase: secondBase != nil)
        try settleExchanged(a, b, &batch, inode: first.stat.inode, object: objectA, ownBase: firstBase != nil)
        try batch.expect(a, holds: false, inode: objectA.inode)
        let id = try meta.prepare(batch)
        do {
            try MinifoSystem.rename(storage.root, a.bytes, storage.root, b.bytes, flags: .exchange)
        } catch {
            meta.commit(id, applied: false)
            throw error
        }
        meta.commit(id, applied: true)
        if objectA.fileType == .directory || objectB.fileType == .directory { storageDirectoryPlaced() }
        directoryChanged(a.parent ?? .root)
        if b.parent != a.parent { directoryChanged(b.parent ?? .root) }
    }

    /// `settle` for one side of an exchange: the object from `from` now at `to`, whose old
    /// name keeps an object of its own.
    private func settleExchanged(_ from: RelativePath, _ to: RelativePath, _ batch: inout MetaBatch, inode: UInt64,
                                 object: FileStat, ownBase: Bool) throws(Errno) {
        let hideAtTo = !ownBase && hasBaseObject(named: to)
        if meta.isDeleted(from) != hideAtTo { try batch.setDeleted(to, hideAtTo) }
        let shown = meta.inode(from) ?? (ownBase ? inode : inodes.number(device: object.device, inode: object.inode, in: .storage))
        if shown != inode { try batch.setInode(to, inode) }
    }
}

extension Entry {
    /// The base directory whose entries this directory shows, which follows it when it moves.
    var directoryBase: RelativePath? {
        guard stat.fileType == .directory else { return nil }
        return layer == .base ? location : basePath
    }
}
