import MinifoSystem

extension Overlay {
    /// Finds `path`: its storage version if there is one, else its base version at the place
    /// META's renames lead to, unless META records it deleted. An object keeps the inode number
    /// it was first seen with: a recorded one, else the base's, else storage's own. The root
    /// always shows the base root's attributes, since the storage root is only a container.
    ///
    /// A directory that merges both layers counts its links as a native one does: two, plus
    /// one for each subdirectory the mount lists in it.
    public func lookup(_ path: RelativePath) throws(Errno) -> Entry {
        try lookup(path, from: nil)
    }

    /// `lookup(_:)`, statting the entries of `directory` from its open descriptors.
    func lookup(_ path: RelativePath, from directory: OpenedDirectory?) throws(Errno) -> Entry {
        var entry = try resolve(path, from: directory)
        if entry.merged {
            entry.stat.linkCount = 2 + (try cachedSubdirectoryCount(path, entry))
        }
        return entry
    }

    private func cachedSubdirectoryCount(_ path: RelativePath, _ entry: Entry) throws(Errno) -> UInt64 {
        if let count = subdirectoryCounts.withLock({ $0[entry.stat.inode] }) { return count }
        let count = try subdirectoryCount(path, entry)
        subdirectoryCounts.withLock { counts in
            if counts.count >= Self.subdirectoryCountLimit { counts.removeAll(keepingCapacity: true) }
            counts[entry.stat.inode] = count
        }
        return count
    }

    /// Forgets the subdirectory counts of the directories at these paths, whose entries gained,
    /// lost or moved a directory.
    func subdirectoriesChanged(_ directories: RelativePath...) {
        let inodes = directories.compactMap { try? resolve($0).stat.inode }
        subdirectoryCounts.withLock { counts in
            for inode in inodes { counts[inode] = nil }
        }
    }

    /// Forgets every subdirectory count, after changes made outside the overlay's own calls.
    public func forgetSubdirectoryCounts() {
        subdirectoryCounts.withLock { $0.removeAll() }
    }

    /// `lookup` without counting a merged directory's links.
    func resolve(_ path: RelativePath, from directory: OpenedDirectory? = nil) throws(Errno) -> Entry {
        let basePath = self.basePath(of: path)
        // Read before looking in storage, so that a directory put there meanwhile is not
        // remembered as missing.
        let parent = path.parent.map { uncopiedState($0) }
        let storageDirectory = directory.flatMap { $0.storage.map { ($0, directory!.path) } }
        let inStorage = parent?.known == true ? nil : try statIfPresent(storage.root, path, from: storageDirectory)
        let inBase = try basePath.flatMap { (p) throws(Errno) -> FileStat? in try statIfPresent(base.root, p, from: directory?.base) }
        if let parent, inStorage == nil, inBase?.fileType == .directory {
            rememberUncopied(path, seenAt: parent.generation)
        }
        var entry: Entry
        switch (inStorage, inBase) {
        case (var stat?, let baseStat?):
            let layerObject = path.isRoot ? inodes.number(device: baseStat.device, inode: baseStat.inode, in: .base)
                                       : inodes.number(device: stat.device, inode: stat.inode, in: .storage)
            if path.isRoot {
                stat = baseStat
                if let recorded = meta.attributes(path) { stat.apply(recorded) }
            }
            let baseNumber = inodes.number(device: baseStat.device, inode: baseStat.inode, in: .base)
            if stat.fileType != .directory && stat.linkCount > 1 {
                stat.linkCount = try sharedLinkCount(stat, inode: baseNumber, baseLinks: baseStat.linkCount)
            }
            stat.inode = baseNumber
            let bothDirectories = stat.fileType == .directory && baseStat.fileType == .directory
            entry = Entry(layer: path.isRoot ? .base : .storage, stat: stat, layerObject: layerObject,
                          location: path.isRoot ? basePath! : path,
                          basePath: bothDirectories ? basePath : nil, merged: bothDirectories && !meta.isOpaque(path))
        case (var stat?, nil):
            stat.inode = inodes.number(device: stat.device, inode: stat.inode, in: .storage)
            if stat.fileType != .directory && stat.linkCount > 1 {
                // A name made by LINK, or by RENAME of another name of a hard-linked file.
                stat.linkCount = try sharedLinkCount(stat, inode: meta.inode(path) ?? stat.inode, baseLinks: 0)
            }
            entry = Entry(layer: .storage, stat: stat, layerObject: stat.inode, location: path, basePath: nil, merged: false)
        case (nil, var stat?):
            stat.inode = inodes.number(device: stat.device, inode: stat.inode, in: .base)
            if stat.fileType != .directory && stat.linkCount > 1,
               case let group = linkGroup(inode: stat.inode), var shared = try statIfPresent(storage.root, group) {
                // A hard-linked base file another name of which was copied up: this name shows that copy.
                let layerObject = inodes.number(device: shared.device, inode: shared.inode, in: .storage)
                shared.inode = stat.inode
                shared.linkCount = linkCount(group: group, baseLinks: stat.linkCount, sharedLinks: shared.linkCount)
                entry = Entry(layer: .storage, stat: shared, layerObject: layerObject, location: group, basePath: basePath, merged: false)
                break
            }
            if stat.fileType != .directory && stat.linkCount > 1 {
                stat.linkCount = linkCount(group: linkGroup(inode: stat.inode), baseLinks: stat.linkCount, sharedLinks: nil)
            }
            if let recorded = meta.attributes(path) { stat.apply(recorded) }
            entry = Entry(layer: .base, stat: stat, layerObject: stat.inode, location: basePath!, basePath: basePath, merged: false)
        case (nil, nil):
            throw .ENOENT
        }
        if let recorded = meta.inode(path) { entry.stat.inode = recorded }
        return entry
    }

    /// Finds the entry `name` of the directory `parent`; minifo's own names are never found.
    public func lookup(_ name: some Collection<UInt8>, in parent: RelativePath) throws(Errno) -> (RelativePath, Entry) {
        if name.count > 255 { throw .ENAMETOOLONG }
        guard Names.isValid(name), !Names.isMeta(name, in: parent) else { throw .ENOENT }
        let path = parent.appending(name)
        return (path, try lookup(path))
    }

    /// Where the base object for the mount path `path` is, or nil if it has none: a component
    /// deleted, or below an opaque directory. A renamed directory's base part is wherever its
    /// redirect points, and so is everything below it, even in an opaque directory.
    public func basePath(of path: RelativePath) -> RelativePath? {
        if path.isRoot { return .root }
        var mountPath = RelativePath.root
        var basePath: RelativePath? = .root
        for component in path.bytes.split(separator: 0x2F) {
            let inOpaque = meta.isOpaque(mountPath)
            mountPath = mountPath.appending(component)
            if let redirect = meta.redirect(mountPath) {
                basePath = redirect
            } else if inOpaque || meta.isDeleted(mountPath) {
                basePath = nil
            } else {
                basePath = basePath?.appending(component)
            }
        }
        return basePath
    }

    /// The link count of a storage file that may be the shared copy of the hard-linked file
    /// numbered `inode` in the mount: unchanged unless it is that copy. `stat` is the storage
    /// file's own.
    private func sharedLinkCount(_ stat: FileStat, inode: UInt64, baseLinks: UInt64) throws(Errno) -> UInt64 {
        let group = linkGroup(inode: inode)
        guard let shared = try statIfPresent(storage.root, group),
              inodes.number(device: shared.device, inode: shared.inode, in: .storage)
                == inodes.number(device: stat.device, inode: stat.inode, in: .storage) else { return stat.linkCount }
        return linkCount(group: group, baseLinks: baseLinks, sharedLinks: stat.linkCount)
    }

    /// The object at `path` in the layer `root`, statted by name from `directory` (a descriptor
    /// of the layer's directory at that path) when it holds it.
    private func statIfPresent<Tree>(_ root: Descriptor<Tree>, _ path: RelativePath,
                                     from directory: (fd: Descriptor<Tree>, path: RelativePath)? = nil) throws(Errno) -> FileStat? {
        do {
            if let directory, let name = path.entryName(in: directory.path) {
                return try lstatat(directory.fd, name)
            }
            return try lstatat(root, path.bytes)
        } catch .ENOENT, .ENOTDIR {
            return nil
        }
    }
}

extension FileStat {
    /// The attributes a base object shows once META's metadata-only changes are applied.
    mutating func apply(_ recorded: MetaAttributes) {
        if let mode = recorded.mode { self.mode = (self.mode & 0o170000) | (mode & 0o7777) }
        if let uid = recorded.uid { self.uid = uid }
        if let gid = recorded.gid { self.gid = gid }
        if let atime = recorded.atime { accessTime = atime }
        if let mtime = recorded.mtime { modificationTime = mtime }
    }
}
