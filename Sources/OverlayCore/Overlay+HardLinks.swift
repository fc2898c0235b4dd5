import MinifoSystem

/// A base file with several names stays one file (any object but a directory: symlinks,
/// FIFOs and devices can have hard links too). The first name written through is copied to
/// a shared copy in the links directory, named by the file's inode number in the mount; every
/// other name shows that copy, and joins it (a hard link in storage) when it is itself copied
/// up. META counts the names that still show the base object, so the link count the mount
/// shows is always the number of names it lists: those base names plus the shared copy's
/// storage names. A file given a second name by LINK gets a shared copy too: whichever of its
/// names goes, the file stays reachable there for the kernel's nodes.
extension Overlay {
    /// Where the shared copy of the hard-linked base file with this inode number is kept.
    func linkGroup(inode: UInt64) -> RelativePath {
        RelativePath(bytes: Names.links + Array("/\(inode)".utf8))
    }

    /// The link count of a hard-linked base file: its names still showing the base object,
    /// plus the names its shared copy has in storage (`sharedLinks`, counting the copy's own).
    func linkCount(group: RelativePath, baseLinks: UInt64, sharedLinks: UInt64?) -> UInt64 {
        let remaining = meta.baseLinks(group).map(UInt64.init) ?? baseLinks
        return remaining + (sharedLinks.map { $0 - 1 } ?? 0)
    }

    /// The group of a name that shows a hard-linked base file while having no storage object
    /// of its own, with the base file's link count; nil for any other name.
    func baseLinkGroup(_ path: RelativePath) -> (group: RelativePath, baseLinks: UInt64)? {
        guard (try? lstatat(storage.root, path.bytes)) == nil,
              let basePath = basePath(of: path), let stat = try? lstatat(base.root, basePath.bytes),
              stat.fileType != .directory, stat.linkCount > 1 else { return nil }
        return (linkGroup(inode: inodes.number(device: stat.device, inode: stat.inode, in: .base)), stat.linkCount)
    }

    /// Counts one name of a hard-linked base file as no longer showing the base object: it
    /// was removed, replaced, or joined the shared copy.
    func leaveBaseLinks(_ group: RelativePath, baseLinks: UInt64) throws(Errno) {
        try meta.setBaseLinks(group, baseLinksLeft(group, baseLinks: baseLinks))
    }

    /// The count of names still showing the base object once one more stops doing so.
    func baseLinksLeft(_ group: RelativePath, baseLinks: UInt64) -> UInt32 {
        let remaining = meta.baseLinks(group).map(UInt64.init) ?? baseLinks
        return UInt32(clamping: remaining > 0 ? remaining - 1 : 0)
    }

    /// Gives the storage file at `path`, numbered `inode` in the mount, a shared copy unless it
    /// has one: it is about to get another name.
    func makeLinkGroup(_ path: RelativePath, inode: UInt64) throws(Errno) {
        let group = linkGroup(inode: inode)
        if (try? lstatat(storage.root, group.bytes)) != nil { return }
        try? makeDirectory(storage.root, Names.links, mode: 0o700)
        try makeLink(storage.root, path.bytes, storage.root, group.bytes)
        try meta.setInode(group, inode)
        try meta.setBaseLinks(group, 0)
    }

    /// The shared copy `entry` is a name of, once one of its names is gone: nil if it has
    /// none, or if no name shows it any more, in which case it is dropped.
    func sharedCopy(of entry: Entry) throws(Errno) -> RelativePath? {
        guard entry.stat.fileType != .directory else { return nil }
        let group = linkGroup(inode: entry.stat.inode)
        guard let shared = try? lstatat(storage.root, group.bytes),
              inodes.number(device: shared.device, inode: shared.inode, in: .storage) == entry.layerObject else { return nil }
        if meta.baseLinks(group) == 0 && shared.linkCount == 1 {
            try removeName(storage.root, group.bytes, directory: false)
            try meta.removeTree(group)
            return nil
        }
        return group
    }

    /// Whether changing `entry`'s metadata must go to a storage copy every name shares, rather
    /// than to a META record that only its own path would show.
    func isSharedFile(_ entry: Entry) -> Bool {
        entry.stat.fileType != .directory && entry.stat.linkCount > 1
    }
}
