import MinifoSystem

extension Overlay {
    /// UNLINK and RMDIR: removes the storage object, and records the base object deleted.
    /// A directory must be empty in the merged view.
    public func remove(_ name: some Collection<UInt8>, in parent: RelativePath, directory: Bool) throws(Errno) {
        let (path, entry) = try lookup(name, in: parent)
        let isDirectory = entry.stat.fileType == .directory
        if directory && !isDirectory { throw .ENOTDIR }
        if !directory && isDirectory { throw .EISDIR }
        if isDirectory, try !isEmptyDirectory(path) { throw .ENOTEMPTY }
        let hasBase = hasBaseObject(path)
        if entry.layer == .storage && entry.location == path || entry.merged {
            try removeName(storage.root, path.bytes, directory: isDirectory)
        }
        try meta.removeTree(path)
        if hasBase { try meta.setDeleted(path, true) }
        try directoryChanged(parent)
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
