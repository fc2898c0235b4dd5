import MinifoSystem

extension Overlay {
    /// Finds `path`: its storage version if there is one, else its base version. An object in
    /// both layers keeps the base's inode number, so copying it up does not change it; the root
    /// always shows the base root's attributes, since the storage root is only a container.
    public func lookup(_ path: RelativePath) throws(Errno) -> Entry {
        let inStorage = try statIfPresent(.storage, path)
        let inBase = try statIfPresent(.base, path)
        switch (inStorage, inBase) {
        case (var stat?, let baseStat?):
            if path.isRoot { stat = baseStat }
            stat.inode = inodes.number(device: baseStat.device, inode: baseStat.inode, in: .base)
            let bothDirectories = stat.fileType == .directory && baseStat.fileType == .directory
            return Entry(layer: path.isRoot ? .base : .storage, stat: stat, merged: bothDirectories)
        case (var stat?, nil):
            stat.inode = inodes.number(device: stat.device, inode: stat.inode, in: .storage)
            return Entry(layer: .storage, stat: stat, merged: false)
        case (nil, var stat?):
            stat.inode = inodes.number(device: stat.device, inode: stat.inode, in: .base)
            return Entry(layer: .base, stat: stat, merged: false)
        case (nil, nil):
            throw .ENOENT
        }
    }

    /// Finds the entry `name` of the directory `parent`; the META file is never found.
    public func lookup(_ name: some Collection<UInt8>, in parent: RelativePath) throws(Errno) -> (RelativePath, Entry) {
        if name.count > 255 { throw .ENAMETOOLONG }
        guard Names.isValid(name), !Names.isMeta(name, in: parent) else { throw .ENOENT }
        let path = parent.appending(name)
        return (path, try lookup(path))
    }

    private func statIfPresent(_ kind: LayerKind, _ path: RelativePath) throws(Errno) -> FileStat? {
        do {
            return try lstatat(layer(kind).root, path.bytes)
        } catch .ENOENT, .ENOTDIR {
            return nil
        }
    }
}
