import MinifoSystem

extension Overlay {
    /// Makes sure `path` has its own copy in storage, copying it and then its missing parents
    /// from the base: data (holes kept), mode, owner, times and xattrs. Each copy is built in
    /// the work directory and renamed into place, so a crash never leaves half a copy visible,
    /// and it is created private (0600/0700) until its owner and mode are set.
    public func copyUp(_ path: RelativePath) throws(Errno) {
        if path.isRoot { return }
        try copyUpLock.withLock { (_) throws(Errno) in
            try copyUpLocked(path)
        }
    }

    private func copyUpLocked(_ path: RelativePath) throws(Errno) {
        if (try? lstatat(storage.root, path.bytes)) != nil { return }
        if let parent = path.parent { try copyUpLocked(parent) }
        let entry = try lookup(path)
        let shared = baseLinkGroup(path)
        if entry.layer == .storage, entry.location != path {
            // Another name of this base file was copied up already: this one joins it.
            try keepingParentTimes(of: path) { () throws(Errno) in
                try makeLink(storage.root, entry.location.bytes, storage.root, path.bytes)
            }
            if let shared { try leaveBaseLinks(shared.group, baseLinks: shared.baseLinks) }
            return
        }
        guard entry.layer == .base else { return }
        var source = try lstatat(base.root, entry.location.bytes)
        let group = shared?.group
        let recorded = meta.attributes(path)
        if let recorded { source.apply(recorded) }
        let overrides = meta.xattrOverrides(path)
        let temporary = try workName()
        do {
            try buildCopy(of: entry.location, source, at: temporary)
            try copyMetadata(from: entry.location, source, to: temporary, overrides: overrides)
            if let group {
                // The first name of a hard-linked base file: the copy is kept under its inode
                // number, where the other names find it, and this name links to it.
                try? makeDirectory(storage.root, Names.links, mode: 0o700)
                try MinifoSystem.rename(work, temporary.bytes, storage.root, group.bytes, flags: .noReplace)
                try keepingParentTimes(of: path) { () throws(Errno) in
                    try makeLink(storage.root, group.bytes, storage.root, path.bytes)
                }
                try meta.setInode(group, entry.stat.inode)
                try leaveBaseLinks(group, baseLinks: source.linkCount)
            } else {
                try keepingParentTimes(of: path) { () throws(Errno) in
                    try MinifoSystem.rename(work, temporary.bytes, storage.root, path.bytes, flags: .noReplace)
                }
                if source.fileType == .directory { storageDirectoryPlaced() }
            }
            // The copy carries the recorded attributes now.
            if recorded != nil { try meta.setAttributes(path, nil) }
            if !overrides.isEmpty { try meta.clearXattrs(path) }
        } catch {
            try? removeName(work, temporary.bytes, directory: source.fileType == .directory)
            throw error
        }
    }

    /// Runs `body`, which puts `path` in its storage parent, then puts back the parent's times:
    /// the mount must not see a copy-up as a change of that directory.
    private func keepingParentTimes(of path: RelativePath, _ body: () throws(Errno) -> Void) throws(Errno) {
        let parentTimes = path.parent.flatMap { $0.isRoot ? nil : try? lstatat(storage.root, $0.bytes) }
        try body()
        if let parent = path.parent, let parentTimes {
            try changeTimes(storage.root, parent.bytes, access: .set(parentTimes.accessTime),
                            modification: .set(parentTimes.modificationTime))
        }
    }

    private func buildCopy(of path: RelativePath, _ source: FileStat, at temporary: RelativePath) throws(Errno) {
        switch source.fileType {
        case .directory:
            try makeDirectory(work, temporary.bytes, mode: 0o700)
        case .symlink:
            try makeSymlink(work, temporary.bytes, target: try readlinkat(base.root, path.bytes))
        case .regular:
            let input = try openat(base.root, path.bytes, [.noFollow])
            defer { close(input) }
            let output = try openat(work, temporary.bytes, [.writeOnly, .create, .exclusive, .noFollow], mode: 0o600)
            defer { close(output) }
            try copyFileData(from: input, to: output, size: source.size)
        default:
            try makeNode(work, temporary.bytes, mode: (source.mode & 0o170000) | 0o600, device: source.rdev)
        }
    }

    /// Owner first, since chown clears set-ID bits, then xattrs, mode and times last.
    /// META's xattr overrides replace or remove the base's values.
    private func copyMetadata(from path: RelativePath, _ source: FileStat, to temporary: RelativePath,
                              overrides: [[UInt8]: [UInt8]?]) throws(Errno) {
        try changeOwner(work, temporary.bytes, uid: source.uid, gid: source.gid)
        for (name, value) in try ExtendedAttributes.all(base.root, path.bytes) where overrides[name] == nil {
            do {
                try ExtendedAttributes.set(work, temporary.bytes, name: name, value: value)
            } catch .ENOTSUP, .EPERM {
                continue  // storage cannot hold this namespace (e.g. trusted.* without privilege)
            }
        }
        for (name, value) in overrides {
            if let value { try ExtendedAttributes.set(work, temporary.bytes, name: name, value: value) }
        }
        if source.fileType != .symlink {
            try changeMode(work, temporary.bytes, mode: source.mode & 0o7777)
        }
        try changeTimes(work, temporary.bytes, access: .set(source.accessTime), modification: .set(source.modificationTime))
    }

    /// A fresh name in the work directory (`work`), where objects are built before they are put
    /// in place.
    func workName() throws(Errno) -> RelativePath {
        let number = workCounter.add(1, ordering: .relaxed).newValue
        return RelativePath(bytes: Array("copy-\(number)".utf8))
    }
}

extension RelativePath {
    /// The directory that holds this path, or nil for the root.
    public var parent: RelativePath? {
        if isRoot { return nil }
        guard let slash = bytes.lastIndex(of: 0x2F) else { return .root }
        return RelativePath(bytes: Array(bytes[..<slash]))
    }
}
