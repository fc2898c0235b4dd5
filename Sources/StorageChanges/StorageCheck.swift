import MinifoSystem
import OverlayCore

/// `minifo check`: the META file, the storage tree and the base checked against each other.
/// Without `repair` nothing is written. With it, the storage directory is locked against a
/// mount for the whole run, and each fixable problem is fixed: damaged records and a torn tail
/// dropped, stale records removed, the file compacted, leftover temporaries removed.
public struct StorageCheck {
    /// One line each, in plain words.
    public private(set) var problems: [String] = []
    /// What was fixed, one line each.
    public private(set) var repaired: [String] = []
    /// Problems that are left (all of them without repair).
    public private(set) var remaining: [String] = []
    private var isStorage = true

    public init(_ given: String, repair: Bool) throws(StorageError) {
        let path = try StorageDirectory.directory(given)
        let lock = repair ? try StorageDirectory.lock(path, then: "repair it") : nil
        let root: OwnedDescriptor<StorageTree>
        do {
            root = OwnedDescriptor(owning: try .openRoot(path))
        } catch {
            throw .io(error, "opening \(path)")
        }
        do {
            try check(path, root: root.descriptor, repair: repair)
        } catch {
            throw .io(error, "checking \(path)")
        }
        withExtendedLifetime(lock) {}
        if !isStorage { throw .notStorage(path) }
    }

    private mutating func found(_ problem: String, fixed: Bool) {
        problems.append(problem)
        if fixed { repaired.append(problem) } else { remaining.append(problem) }
    }

    private mutating func check(_ path: String, root: StorageDescriptor, repair: Bool) throws(Errno) {
        let inspected: MetaInspection?
        do {
            inspected = try MetaStore.inspect(storageRoot: root)
        } catch {
            found("the META file's header is damaged (\(error)); the base it named is unknown, so it cannot be repaired", fixed: false)
            return
        }
        guard let inspection = inspected else {
            isStorage = false
            return
        }
        for damage in inspection.damage {
            found(damage.isTornTail
                  ? "META: the last \(damage.length) bytes, from byte offset \(damage.offset), are a record cut short by a crash (\(damage.reason))"
                  : "META: \(damage.length) damaged bytes at byte offset \(damage.offset) (\(damage.reason))", fixed: repair)
        }
        if repair && !inspection.damage.isEmpty {
            do { _ = try MetaStore.salvage(storageRoot: root) } catch { throw .EIO }
        }
        if !repair && inspection.damage.contains(where: { !$0.isTornTail }) {
            remaining.append("the records past the damage were not checked: run `minifo check --repair \(path)` first")
            return
        }
        do {
            try StorageDirectory.checkBase(inspection.base, storage: path)
        } catch {
            found(error.description, fixed: false)
            return
        }
        try leftovers(root, repair: repair)
        let overlay: Overlay
        do {
            overlay = try Overlay(base: inspection.base, storage: path, readOnly: true)
        } catch {
            found("\(error)", fixed: false)
            return
        }
        var fixes: [RecordFix] = []
        try records(overlay, fixes: &fixes, repair: repair)
        try linkGroups(overlay, repair: repair)
        if repair {
            let store: MetaStore
            do {
                store = try MetaStore(storageRoot: root, basePath: inspection.base)
            } catch {
                throw .EIO
            }
            for fix in fixes { try fix.apply(to: store) }
            if store.fileRecordCount > store.liveRecordCount {
                repaired.append("META: compacted from \(store.fileRecordCount) records to \(store.liveRecordCount)")
                try store.compact()
            }
        } else {
            let dead = inspection.records - inspection.liveRecords
            if dead > 0 { problems.append("note: META holds \(dead) superseded record\(dead == 1 ? "" : "s"); --repair compacts them") }
        }
    }

    /// Copies a crash left half-built in the work directory, and a compaction's temporary.
    private mutating func leftovers(_ root: StorageDescriptor, repair: Bool) throws(Errno) {
        if (try? lstatat(root, Names.metaReplacement)) != nil {
            found("an interrupted META compaction left \(String(decoding: Names.metaReplacement, as: UTF8.self))", fixed: repair)
            if repair { try removeTree(root, Names.metaReplacement) }
        }
        for name in try workDirectoryLeftovers(root) {
            found("a copy-up left \(TextFormatting.escaped(name)) half-built in the work directory", fixed: repair)
            if repair { try removeTree(root, name) }
        }
    }

    /// Records for objects that are gone, or that the storage tree contradicts.
    private mutating func records(_ overlay: Overlay, fixes: inout [RecordFix], repair: Bool) throws(Errno) {
        let storage = overlay.storage.root, base = overlay.base.root
        for state in overlay.meta.states() where !state.path.isRoot {
            let path = state.path
            let name = TextFormatting.path(path)
            let inStorage = try statIfPresent(storage, path)
            let original = try overlay.originalBasePath(of: path).flatMap { (p) throws(Errno) in try statIfPresent(base, p) }
            if state.deleted && original == nil {
                found("META records \(name) deleted, but the base has no \(name)", fixed: repair)
                fixes.append(.whiteout(path))
            }
            if let redirect = state.redirect {
                if inStorage?.fileType != .directory {
                    found("META records \(name) as a renamed directory, but storage holds no directory \(name)", fixed: repair)
                    fixes.append(.redirect(path))
                } else if try statIfPresent(base, redirect)?.fileType != .directory {
                    found("the renamed directory \(name) shows the base directory \(TextFormatting.path(redirect)), which is gone; "
                          + "its base contents are lost", fixed: false)
                }
            }
            if state.opaque && inStorage?.fileType != .directory {
                found("META records \(name) as an opaque directory, but storage holds no directory \(name)", fixed: repair)
                fixes.append(.opaque(path))
            }
            if state.attributes != nil || !state.xattrs.isEmpty {
                let visible = (try? overlay.lookup(path)) != nil
                if inStorage != nil || !visible {
                    found(inStorage != nil ? "META records metadata of \(name) that its copy in storage hides"
                                           : "META records metadata of \(name), which no longer exists", fixed: repair)
                    fixes.append(.metadata(path))
                }
            }
            if state.inode != nil && (try? overlay.lookup(path)) == nil {
                found("META records an inode number for \(name), which no longer exists", fixed: repair)
                fixes.append(.inode(path))
            }
        }
    }

    /// The links directory: only numbered non-directories, each the copy every storage name of
    /// that base file links to.
    private mutating func linkGroups(_ overlay: Overlay, repair: Bool) throws(Errno) {
        let groups = try LinkGroups(overlay)
        for stray in groups.strays {
            found("\(TextFormatting.escaped(stray.bytes)) is not a copy of a hard-linked base file; move it out of storage", fixed: false)
        }
        for (inode, copy) in groups.copies.sorted(by: { $0.key < $1.key }) {
            let names = groups.baseNames(of: inode)
            if names.isEmpty && copy.stat.linkCount == 1 {
                found("\(TextFormatting.escaped(copy.path.bytes)) is the copy of a hard-linked base file that no longer exists",
                      fixed: repair)
                if repair { try removeName(overlay.storage.root, copy.path.bytes, directory: false) }
                continue
            }
            for name in names {
                guard let inStorage = try statIfPresent(overlay.storage.root, name), inStorage.fileType != .directory,
                      overlay.basePath(of: name) == name, inStorage.inode != copy.stat.inode else { continue }
                found("\(TextFormatting.path(name)) is a hard link of a base file in storage, but not to its shared copy "
                      + "\(TextFormatting.escaped(copy.path.bytes)): its names show different files", fixed: false)
            }
        }
    }
}

/// A stale record `minifo check --repair` drops.
private enum RecordFix {
    case whiteout(RelativePath), redirect(RelativePath), opaque(RelativePath), metadata(RelativePath), inode(RelativePath)

    func apply(to store: MetaStore) throws(Errno) {
        switch self {
        case .whiteout(let path): try store.setDeleted(path, false)
        case .redirect(let path): try store.setRedirect(path, to: nil)
        case .opaque(let path): try store.setOpaque(path, false)
        case .metadata(let path):
            try store.setAttributes(path, nil)
            try store.clearXattrs(path)
        case .inode(let path): try store.setInode(path, nil)
        }
    }
}

/// What a crash left in the work directory of the storage root `root`, as paths from the root;
/// nothing when there is no work directory. The control socket counts only `withSocket`: a
/// daemon may be listening on it unless the caller holds the storage lock exclusive.
func workDirectoryLeftovers(_ root: StorageDescriptor, withSocket: Bool = false) throws(Errno) -> [[UInt8]] {
    guard let reader = try? DirectoryReader(owning: openat(root, Names.work, [.directory, .noFollow])) else { return [] }
    var names: [[UInt8]] = []
    while let entry = try reader.next() {
        if entry.isDotOrDotDot || (entry.name == Names.controlSocket && !withSocket) { continue }
        names.append(Names.work + [0x2F] + entry.name)
    }
    return names
}

/// Removes a storage object and everything below it.
func removeTree(_ root: Descriptor<some WritableTree>, _ path: [UInt8]) throws(Errno) {
    do {
        try removeName(root, path, directory: false)
    } catch .EISDIR, .EPERM {
        let reader = DirectoryReader(owning: try openat(root, path, [.directory, .noFollow]))
        while let entry = try reader.next() {
            if entry.isDotOrDotDot { continue }
            try removeTree(root, path + [0x2F] + entry.name)
        }
        try removeName(root, path, directory: true)
    }
}
