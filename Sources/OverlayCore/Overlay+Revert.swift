import MinifoSystem

/// The steps `minifo revert` takes, each of which drops part of what storage and META hold so
/// that the mount shows the base again there. Which steps a change needs is decided by the
/// caller (StorageChanges); each step leaves a state the overlay can serve.
extension Overlay {
    /// Drops everything storage and META hold at and below `path` (not the root): the mount
    /// shows there the base object its parents lead to, if there is one.
    public func discard(_ path: RelativePath) throws(Errno) {
        if path.isRoot { throw .EINVAL }
        try copyUpLock.withLock { (_) throws(Errno) in
            do throws(Errno) {
                try removeTree(storage.root, path.bytes)
            } catch .ENOENT, .ENOTDIR {}
            try meta.removeTree(path)
        }
    }

    /// Drops the whiteout at `path`: the base object there shows again, and as a name of a
    /// hard-linked base file it counts towards that file's link count again.
    public func restoreDeleted(_ path: RelativePath) throws(Errno) {
        guard meta.isDeleted(path) else { return }
        try meta.setDeleted(path, false)
        if let shared = baseLinkGroup(path), let remaining = meta.baseLinks(shared.group) {
            try meta.setBaseLinks(shared.group, UInt32(clamping: min(UInt64(remaining) + 1, shared.baseLinks)))
        }
    }

    /// Drops the mode, owner, times and xattrs META records for the base object at `path`.
    public func dropRecordedMetadata(_ path: RelativePath) throws(Errno) {
        try meta.setAttributes(path, nil)
        try meta.clearXattrs(path)
    }

    /// Puts the storage root's extended attribute `name` back to `value` (the base root's),
    /// or removes it when the base root has none.
    public func restoreRootExtendedAttribute(name: [UInt8], value: [UInt8]?) throws(Errno) {
        do {
            if let value {
                try ExtendedAttributes.set(storage.root, [0x2E], name: name, value: value)
            } else {
                try ExtendedAttributes.remove(storage.root, [0x2E], name: name)
            }
        } catch .ENODATA {}
    }

    /// Drops the shared copy of the hard-linked base file numbered `inode` in the mount: its
    /// names that have no storage object of their own show the base file again.
    public func dropLinkGroup(inode: UInt64) throws(Errno) {
        let group = linkGroup(inode: inode)
        do {
            try removeName(storage.root, group.bytes, directory: false)
        } catch .ENOENT {}
        try meta.removeTree(group)
    }

    /// Drops the shared copies no name shows any more, as UNLINK of a file's last name does.
    public func dropUnusedLinkGroups() throws(Errno) {
        let reader: DirectoryReader
        do {
            reader = DirectoryReader(owning: try openat(storage.root, Names.links, [.directory, .noFollow]))
        } catch .ENOENT {
            return
        }
        while let entry = try reader.next() {
            guard !entry.isDotOrDotDot, let inode = UInt64(String(decoding: entry.name, as: UTF8.self)) else { continue }
            let group = linkGroup(inode: inode)
            guard let stat = try? lstatat(storage.root, group.bytes), stat.fileType == .regular, stat.linkCount == 1,
                  meta.baseLinks(group) == 0 else { continue }
            try dropLinkGroup(inode: inode)
        }
    }
}
