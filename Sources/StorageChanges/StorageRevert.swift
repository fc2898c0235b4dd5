import MinifoSystem
import OverlayCore

/// `minifo revert`: drops changes so that the mount shows the base again. A PATH reverts
/// exactly what `minifo status STORAGE PATH` lists: every change at or below it, and a renamed
/// object whose old name is at or below it. Three rules follow from what the changes are:
///
/// - Reverting a rename drops the new name, with whatever was changed below it, and brings the
///   old name back.
/// - Below a renamed directory a change is measured against the directory's old base path, so
///   reverting `new/f` shows the base's `old/f` there again; the rename itself stays.
/// - A hard-linked base file is one file: reverting any of its names reverts the file, so every
///   name shows the base file again, and names given to it with ln(1) go with it.
public struct StorageRevert: Sendable {
    /// The changes reverted, sorted by path.
    public let changes: [StorageChange]
    /// Objects dropped with everything below them, outermost only.
    private var discarded: [RelativePath] = []
    /// Whiteouts dropped.
    private var restored: [RelativePath] = []
    /// Base objects whose META metadata is dropped.
    private var recorded: [RelativePath] = []
    private var rootXattrs: [XattrChange] = []
    /// Shared copies of hard-linked base files dropped, by inode number.
    private var groups: [UInt64] = []

    /// Plans the revert of `paths` (as the mount shows them) on `overlay`, changing nothing.
    /// Every path must select a change, or nothing is planned.
    public init(_ overlay: Overlay, paths: [String]) throws(RevertError) {
        let all: [StorageChange]
        let copies: [UInt64: LayerObject]
        do {
            all = try overlay.changes()
            copies = try LinkGroups.list(overlay).copies
        } catch {
            throw .io(error, "reading \(overlay.storage.path) and its base \(overlay.base.path)")
        }
        var selected: [RelativePath: StorageChange] = [:]
        for argument in paths {
            guard let filter = ChangeFilter([argument]) else { throw .outsideMount(argument) }
            let kept = all.filter(filter.keeps)
            if kept.isEmpty { throw .noChange(argument, partOf: Self.enclosing(filter.prefixes[0], in: all)) }
            for change in kept { selected[change.path] = change }
        }
        var groupByStorageInode: [UInt64: UInt64] = [:]
        for (inode, copy) in copies { groupByStorageInode[copy.stat.inode] = inode }
        for change in Array(selected.values) {
            guard let object = Self.sharedBaseFile(change), let inode = groupByStorageInode[object] else { continue }
            groups.append(inode)
            for name in all where name.isInStorage && name.after?.fileType == .regular && name.after?.inode == object {
                selected[name.path] = name
            }
        }
        changes = selected.values.sorted { $0.path.bytes.lexicographicallyPrecedes($1.path.bytes) }
        var dropped = Set<RelativePath>()
        for change in changes {
            if change.storagePath == change.path {
                if !Self.hasAncestor(change.path, in: dropped) {
                    discarded.append(change.path)
                    dropped.insert(change.path)
                }
            } else if change.kind == .deleted {
                restored.append(change.path)
            } else if !change.isInStorage {
                recorded.append(change.path)
                if change.path.isRoot { rootXattrs = change.differences.xattrs }
            }
            if let oldPath = change.oldPath { restored.append(oldPath) }
        }
    }

    /// Applies the plan through `overlay`, which must be writable and the one it was planned on.
    public func apply(to overlay: Overlay) throws(Errno) {
        for path in discarded { try overlay.discard(path) }
        for path in restored { try overlay.restoreDeleted(path) }
        for path in recorded { try overlay.dropRecordedMetadata(path) }
        for xattr in rootXattrs { try overlay.restoreRootExtendedAttribute(name: xattr.name, value: xattr.before) }
        for inode in groups { try overlay.dropLinkGroup(inode: inode) }
        try overlay.dropUnusedLinkGroups()
        overlay.forgetSubdirectoryCounts()  // directories came and went
    }

    /// The mount paths whose entries or objects the revert changes: a mount must make the
    /// kernel forget what it cached for them.
    public var touchedPaths: [RelativePath] {
        var paths = Set(changes.map(\.path))
        for change in changes { if let oldPath = change.oldPath { paths.insert(oldPath) } }
        return paths.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
    }

    /// The storage inode of the shared copy `change` shows, when it is a name of a hard-linked
    /// base file.
    private static func sharedBaseFile(_ change: StorageChange) -> UInt64? {
        guard change.isInStorage, change.basePath != nil, let before = change.before, let after = change.after,
              before.fileType == .regular, before.linkCount > 1, after.fileType == .regular else { return nil }
        return after.inode
    }

    private static func hasAncestor(_ path: RelativePath, in set: Set<RelativePath>) -> Bool {
        var current = path.parent
        while let directory = current, !directory.isRoot {
            if set.contains(directory) { return true }
            current = directory.parent
        }
        return false
    }

    /// The change at the nearest ancestor of `path`, which a path without changes of its own
    /// may be part of (a file in a deleted directory).
    private static func enclosing(_ path: RelativePath, in changes: [StorageChange]) -> StorageChange? {
        var current = path.parent
        while let directory = current, !directory.isRoot {
            if let change = changes.first(where: { $0.path == directory }) { return change }
            current = directory.parent
        }
        return nil
    }
}

/// Why a revert was refused; nothing was changed.
public enum RevertError: Error, Sendable, CustomStringConvertible {
    case outsideMount(String)
    case noChange(String, partOf: StorageChange?)
    case io(Errno, String)

    public var description: String {
        switch self {
        case .outsideMount(let path):
            return "\(path) contains '..'; give paths inside the mount"
        case .noChange(let path, let enclosing?):
            return "\(path) has no change of its own to revert; it is part of `\(StatusFormat.line(enclosing))`: "
                + "revert \(TextFormatting.path(enclosing.path)) to bring it back"
        case .noChange(let path, nil):
            return "\(path) has no change to revert; `minifo status STORAGE` lists the changes"
        case .io(let errno, let context):
            return "\(context): \(errno)"
        }
    }
}
