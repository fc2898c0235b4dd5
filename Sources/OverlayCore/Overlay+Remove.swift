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
        try directoryChanged(parent)
        if isDirectory { subdirectoriesChanged(parent) }
        return survivor
    }

    /// Removes the name `path` of `entry`: its storage object, and the base object it shows.
    /// Returns the shared copy of a hard-linked file that other names still show.
    func removeObject(_ path: RelativePath, _ entry: Entry) throws(Errno) -> RelativePath? {
        var entry = entry
        if isSharedFile(entry) && baseLinkGroup(path) != nil {
            // Other names may show this base file: it goes to its shared copy first, which
            // stays where they, and nodes known by this name, find it.
            try copyUp(path)
            entry = try lookup(path)
        }
        let isDirectory = entry.stat.fileType == .directory
        if let shared = baseLinkGroup(path) { try leaveBaseLinks(shared.group, baseLinks: shared.baseLinks) }
        // A whiteout already here (an object renamed over a base one) stays: the base object is still hidden.
        let hasBase = meta.isDeleted(path) || hasBaseObject(path)
        if entry.layer == .storage && entry.location == path || entry.merged {
            try removeName(storage.root, path.bytes, directory: isDirectory)
        }
        try meta.removeTree(path)
        if hasBase { try meta.setDeleted(path, true) }
        return try sharedCopy(of: entry)
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
}
