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

    private func move(_ from: RelativePath, _ source: Entry, _ to: RelativePath, replacing target: Entry?) throws(Errno) -> RelativePath? {
        let sourceBase = source.directoryBase
        try copyUp(to.parent ?? .root)
        try copyUp(from)
        var survivor: RelativePath?
        if let target {
            survivor = try removeObject(to, target)
        }
        try MinifoSystem.rename(storage.root, from.bytes, storage.root, to.bytes)
        try meta.rename(from, to: to)
        if let sourceBase {
            try meta.setRedirect(to, to: sourceBase)
        }
        try settle(from, to, inode: source.stat.inode, ownBase: sourceBase != nil)
        try directoryChanged(from.parent ?? .root)
        if to.parent != from.parent { try directoryChanged(to.parent ?? .root) }
        return survivor
    }

    /// After an object moved in storage and its records with it: hides whatever base object
    /// is still visible at the old name, and at the new one unless it is the object's own base
    /// part, and keeps the object's inode number.
    private func settle(_ from: RelativePath, _ to: RelativePath, inode: UInt64, ownBase: Bool) throws(Errno) {
        if hasBaseObject(from) { try meta.setDeleted(from, true) }
        if !ownBase && hasBaseObject(to) { try meta.setDeleted(to, true) }
        if try lookup(to).stat.inode != inode { try meta.setInode(to, inode) }
    }

    /// RENAME_EXCHANGE: both objects are copied up and swapped in storage, with their records.
    /// A directory's base part follows it as a redirect, as in a plain rename.
    private func exchange(_ a: RelativePath, _ first: Entry, _ b: RelativePath, _ second: Entry) throws(Errno) {
        let firstBase = first.directoryBase
        let secondBase = second.directoryBase
        try copyUp(a)
        try copyUp(b)
        try MinifoSystem.rename(storage.root, a.bytes, storage.root, b.bytes, flags: .exchange)
        let swap = RelativePath(bytes: Names.work + Array("/exchange".utf8))
        try meta.rename(a, to: swap)
        try meta.rename(b, to: a)
        try meta.rename(swap, to: b)
        if first.stat.fileType == .directory { try meta.setRedirect(b, to: firstBase) }
        if second.stat.fileType == .directory { try meta.setRedirect(a, to: secondBase) }
        try settle(b, a, inode: second.stat.inode, ownBase: secondBase != nil)
        try settle(a, b, inode: first.stat.inode, ownBase: firstBase != nil)
        try directoryChanged(a.parent ?? .root)
        if b.parent != a.parent { try directoryChanged(b.parent ?? .root) }
    }
}

extension Entry {
    /// The base directory whose entries this directory shows, which follows it when it moves.
    var directoryBase: RelativePath? {
        guard stat.fileType == .directory else { return nil }
        return layer == .base ? location : basePath
    }
}
