import FUSEProtocol
import OverlayCore
import StorageChanges

extension OverlayFileSystem {
    /// `minifo revert` of a mounted storage directory, through the overlay this mount serves,
    /// so that its META index stays right. Returns the lines to print, and the notifications
    /// that make the kernel forget the entries and attributes it cached for every path the
    /// revert changed (FUSE_NOTIFY_INVAL_ENTRY for each name in its parent as it was and as
    /// it is now, FUSE_NOTIFY_INVAL_INODE for the objects and their parents), for the caller
    /// to send holding no lock.
    func revert(_ paths: [String]) throws(RevertError) -> (lines: [String], notifications: [[UInt8]]) {
        try namespace.withWriteLock { () throws(RevertError) in try revertLocked(paths) }
    }

    private func revertLocked(_ paths: [String]) throws(RevertError) -> (lines: [String], notifications: [[UInt8]]) {
        let revert = try StorageRevert(overlay, paths: paths)
        let touched = revert.touchedPaths
        var targets = Invalidations()
        for path in touched { targets.add(path, self) }
        do {
            try revert.apply(to: overlay)
        } catch {
            throw .io(error, "reverting in \(overlay.storage.path)")
        }
        for path in touched { targets.add(path, self) }
        return (revert.changes.map { "reverted " + StatusFormat.line($0) + "\n" }, targets.messages)
    }

    /// The node IDs the kernel may know the object at `path` by; none if nothing is there.
    fileprivate func nodeIDs(_ path: RelativePath) -> [UInt64] {
        guard let entry = try? overlay.lookup(path) else { return [] }
        return nodes.nodeIDs(for: entry.identity)
    }
}

/// What the kernel must forget after a revert: names in directories, and whole nodes.
private struct Invalidations {
    private var entries = Set<Entry>()
    private var inodes = Set<UInt64>()

    private struct Entry: Hashable {
        var parent: UInt64
        var name: [UInt8]
    }

    mutating func add(_ path: RelativePath, _ fileSystem: OverlayFileSystem) {
        inodes.formUnion(fileSystem.nodeIDs(path))
        guard let parent = path.parent else { return }
        for id in fileSystem.nodeIDs(parent) {
            entries.insert(Entry(parent: id, name: path.name))
            inodes.insert(id)
        }
    }

    var messages: [[UInt8]] {
        var result: [[UInt8]] = []
        for entry in entries {
            var message: [UInt8] = []
            Notify.invalEntry(parent: entry.parent, name: entry.name, into: &message)
            result.append(message)
        }
        for node in inodes {
            var message: [UInt8] = []
            Notify.invalInode(nodeID: node, offset: 0, length: 0, into: &message)
            result.append(message)
        }
        return result
    }
}
