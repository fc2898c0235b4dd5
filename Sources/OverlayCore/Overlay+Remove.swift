import MinifoSystem

extension Overlay {
    /// UNLINK and RMDIR: removes the storage object, and records the base object deleted.
    /// A directory must be empty in the merged view. Returns where the removed file is still
    /// found when other names show it (a hard-linked base file's shared copy), so that nodes
    /// known by the removed name can follow it.
    @discardableResult
    public func remove(_ name: some Collection<UInt8>, in parent: RelativePath, directory: Bool) throws(Errno) -> RelativePath? {
        let (path, entry) = try lookup(name, in: parent)
        let isDirectory = entry.stat.fileType == .directory
        if directory && !isDirectory { throw .ENOTDIR }
        if !directory && isDirectory { throw .EISDIR }
        if isDirectory, try !isEmptyDirectory(path) { throw .ENOTEMPTY }
        let survivor = try removeObject(path, entry)
        directoryChanged(parent)
        if isDirectory { subdirectoriesChanged(parent) }
        return survivor
    }

    /// Removes the name `path` of `entry`: its storage object, and the base object it shows.
    /// Returns the shared copy of a hard-linked file that other names still show. The META
    /// changes are prepared before the storage object goes and committed after, so a crash
    /// leaves the name whole or gone (`MetaStore.prepare`).
    func removeObject(_ path: RelativePath, _ entry: Entry) throws(Errno) -> RelativePath? {
        let entry = try sharedFileCopiedUp(path, entry)
        var batch = MetaBatch()
        if let shared = baseLinkGroup(path) { try batch.setBaseLinks(shared.group, baseLinksLeft(shared.group, baseLinks: shared.baseLinks)) }
        try batch.removeTree(path)
        if hasBaseObject(named: path) { try batch.setDeleted(path, true) }
        let ownsStorageObject = entry.layer == .storage && entry.location == path || entry.merged
        if ownsStorageObject { try batch.expect(path, holds: false, inode: try lstatat(storage.root, path.bytes).inode) }
        let id = try meta.prepare(batch)
        if ownsStorageObject {
            do {
                try removeName(storage.root, path.bytes, directory: entry.stat.fileType == .directory)
            } catch {
                meta.commit(id, applied: false)
                throw error
            }
        }
        meta.commit(id, applied: true)
        return try sharedCopy(of: entry)
    }

    /// `entry` itself, or, for a name of a hard-linked base file that other names may show,
    /// the entry once the name has joined the file's shared copy: it stays where they, and
    /// nodes known by this name, find it.
    func sharedFileCopiedUp(_ path: RelativePath, _ entry: Entry) throws(Errno) -> Entry {
        guard isSharedFile(entry) && baseLinkGroup(path) != nil else { return entry }
        try copyUp(path)
        return try lookup(path)
    }

    /// Whether the merged directory at `path` lists nothing but "." and "..".
    func isEmptyDirectory(_ path: RelativePath) throws(Errno) -> Bool {
        let stream = try openDirectory(path)
        var offset: Int64 = 0
        while let item = try stream.next(from: offset) {
            if !(item.name == [0x2E] || item.name == [0x2E, 0x2E]) { return false }
            offset = item.nextOffset
        }
        return true
    }

    /// Whether the base shows an object at the mount path `path`.
    func hasBaseObject(_ path: RelativePath) -> Bool {
        guard let basePath = basePath(of: path) else { return false }
        return (try? lstatat(base.root, basePath.bytes)) != nil
    }

    /// Whether the base has an object under the name `path`, whether or not a whiteout hides
    /// it: what a whiteout there must hide. A redirect at `path` itself does not count, since
    /// it belongs to the object that lives there, not to the name.
    func hasBaseObject(named path: RelativePath) -> Bool {
        guard let parent = path.parent, let parentBase = basePath(of: parent) else { return false }
        let name = path.bytes[(path.bytes.lastIndex(of: 0x2F).map { $0 + 1 } ?? 0)...]
        return (try? lstatat(base.root, parentBase.appending(name).bytes)) != nil
    }
}
