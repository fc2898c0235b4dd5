import MinifoSystem
import OverlayCore

extension StorageDirectory {
    /// Every change relative to the base, sorted by path. minifo's own names in storage (the
    /// META file, the work and links directories) are never changes; a hard-linked base file
    /// copied to the links directory shows under each of its visible names.
    public func changes() throws(Errno) -> [StorageChange] {
        try overlay.changes()
    }

    /// Where the base object that the mount path `path` showed before anything at `path`
    /// itself was changed: its parent's base path and its name, if the parent has one.
    public func originalBasePath(of path: RelativePath) -> RelativePath? {
        overlay.originalBasePath(of: path)
    }
}

extension Overlay {
    /// `StorageDirectory.changes()` of this overlay, which may be a mount's own.
    func changes() throws(Errno) -> [StorageChange] {
        var scan = ChangeScan(self)
        try scan.run()
        return scan.changes.sorted { $0.path.bytes.lexicographicallyPrecedes($1.path.bytes) }
    }

    /// The mount paths that could show the base object at `basePath`: the same path, and the
    /// same path below each renamed directory that came from an ancestor of it.
    func mountPaths(of basePath: RelativePath, states: some Sequence<MetaState>) -> [RelativePath] {
        var candidates = [basePath]
        for state in states {
            if let redirect = state.redirect, basePath.isWithin(redirect) {
                candidates.append(basePath.moved(from: redirect, to: state.path))
            }
        }
        return candidates.filter { self.basePath(of: $0) == basePath }
    }

    func originalBasePath(of path: RelativePath) -> RelativePath? {
        guard let parent = path.parent, !meta.isOpaque(parent), let parentBase = basePath(of: parent) else { return nil }
        return parentBase.appending(path.name)
    }
}

/// One pass over storage and META that classifies what differs from the base.
struct ChangeScan {
    let overlay: Overlay
    let states: [RelativePath: MetaState]
    var changes: [StorageChange] = []
    /// Whiteouts that hide a base object and have nothing in storage in its place, by base path.
    private var deletions: [RelativePath: StorageChange] = [:]

    init(_ overlay: Overlay) {
        self.overlay = overlay
        var states: [RelativePath: MetaState] = [:]
        for state in overlay.meta.states() { states[state.path] = state }
        self.states = states
    }

    private var base: BaseDescriptor { overlay.base.root }
    private var storage: StorageDescriptor { overlay.storage.root }

    mutating func run() throws(Errno) {
        try root()
        try walk(.root)
        try recorded()
        try linkGroups()
        try matchRenames()
        changes += deletions.values
    }

    /// The root is the base root with META's changes.
    private mutating func root() throws(Errno) {
        let before = LayerObject(root: base.readOnly, path: .root, stat: try lstatat(base, []))
        var found = Differences()
        if let state = states[.root] { found = try differences(from: before, recorded: state) }
        found.modificationTime = false
        found.accessTime = false
        guard !found.isEmpty else { return }
        changes.append(StorageChange(kind: .metadata, path: .root, storagePath: nil, basePath: .root, oldPath: nil,
                                     before: before.stat, after: try overlay.lookup(.root).stat, differences: found,
                                     recorded: states[.root]))
    }

    /// Every object in storage, depth first.
    private mutating func walk(_ directory: RelativePath) throws(Errno) {
        let reader = DirectoryReader(owning: try openat(storage, directory.bytes, [.directory, .noFollow]))
        while let entry = try reader.next() {
            if entry.isDotOrDotDot || Names.isMeta(entry.name, in: directory) { continue }
            let path = directory.appending(entry.name)
            let stat = try lstatat(storage, path.bytes)
            try classify(LayerObject(root: storage.readOnly, path: path, stat: stat))
            if stat.fileType == .directory { try walk(path) }
        }
    }

    private mutating func classify(_ object: LayerObject) throws(Errno) {
        let path = object.path
        let state = states[path]
        var change = StorageChange(kind: .created, path: path, storagePath: path, basePath: nil, oldPath: nil,
                                   before: nil, after: object.stat, differences: Differences(), recorded: state)
        let isDirectory = object.stat.fileType == .directory
        if let redirect = state?.redirect {
            change.kind = .renamed
            change.basePath = redirect
            if let original = try statIfPresent(base, redirect) {
                change.before = original
                change.differences = try differences(from: LayerObject(root: base.readOnly, path: redirect, stat: original), to: object)
            }
            if let replaced = overlay.originalBasePath(of: path), replaced != redirect, try statIfPresent(base, replaced) != nil {
                change.differences.replaced = true
            }
        } else if let basePath = overlay.basePath(of: path), let original = try statIfPresent(base, basePath) {
            change.basePath = basePath
            change.before = original
            change.differences = try differences(from: LayerObject(root: base.readOnly, path: basePath, stat: original), to: object)
            if state?.opaque == true && isDirectory && original.fileType == .directory {
                change.kind = .opaque
            } else if change.differences.isEmpty {
                return  // copied up, but the same as the base (say, a parent of a changed file)
            } else {
                change.kind = change.differences.type || change.differences.data ? .modified : .metadata
            }
        } else if state?.deleted == true, let basePath = overlay.originalBasePath(of: path),
                  let original = try statIfPresent(base, basePath) {
            change.basePath = basePath
            change.before = original
            change.differences = try differences(from: LayerObject(root: base.readOnly, path: basePath, stat: original), to: object)
            if isDirectory && original.fileType == .directory {
                change.kind = .opaque
            } else {
                change.kind = .modified
                change.differences.replaced = true
            }
        } else if state?.opaque == true && isDirectory {
            change.kind = .opaque
        }
        changes.append(change)
    }

    /// Whiteouts, and metadata changes META records for objects still in the base.
    private mutating func recorded() throws(Errno) {
        for state in states.values where !state.path.isRoot {
            let path = state.path
            if try statIfPresent(storage, path) != nil { continue }  // the storage walk saw it
            if state.deleted {
                guard let basePath = overlay.originalBasePath(of: path), let original = try statIfPresent(base, basePath) else { continue }
                deletions[basePath] = StorageChange(kind: .deleted, path: path, storagePath: nil, basePath: basePath, oldPath: nil,
                                                    before: original, after: nil, differences: Differences(), recorded: state)
            } else if state.attributes != nil || !state.xattrs.isEmpty {
                guard let entry = try? overlay.lookup(path), entry.layer == .base else { continue }
                let original = try lstatat(base, entry.location.bytes)
                let found = try differences(from: LayerObject(root: base.readOnly, path: entry.location, stat: original), recorded: state)
                guard !found.isEmpty else { continue }
                changes.append(StorageChange(kind: .metadata, path: path, storagePath: nil, basePath: entry.location, oldPath: nil,
                                             before: original, after: entry.stat, differences: found, recorded: state))
            }
        }
    }

    /// The names of hard-linked base files whose shared copy is in the links directory and that
    /// storage holds no name of its own for: they show the copy, so they change with it.
    private mutating func linkGroups() throws(Errno) {
        let groups = try LinkGroups(overlay)
        for (inode, group) in groups.copies {
            for basePath in groups.baseNames(of: inode) {
                for path in overlay.mountPaths(of: basePath, states: states.values) where try statIfPresent(storage, path) == nil {
                    guard let entry = try? overlay.lookup(path), entry.layer == .storage, entry.location == group.path else { continue }
                    let original = try lstatat(base, basePath.bytes)
                    let found = try differences(from: LayerObject(root: base.readOnly, path: basePath, stat: original), to: group)
                    guard !found.isEmpty else { continue }
                    changes.append(StorageChange(kind: found.data ? .modified : .metadata, path: path, storagePath: group.path,
                                                 basePath: basePath, oldPath: nil, before: original, after: group.stat,
                                                 differences: found, recorded: states[path]))
                }
            }
        }
    }


    /// A whiteout that hides a renamed object's old name is part of the rename, not a deletion.
    /// Directories name their old base path in a redirect; a file is matched by the inode number
    /// it keeps, recorded at its new name, with the base object a whiteout hides.
    private mutating func matchRenames() throws(Errno) {
        var byInode: [UInt64: RelativePath] = [:]
        for (basePath, deletion) in deletions.sorted(by: { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) }) {
            if let stat = deletion.before, stat.fileType != .directory, stat.device == overlay.base.device,
               byInode[stat.inode] == nil {
                byInode[stat.inode] = basePath
            }
        }
        for index in changes.indices {
            switch changes[index].kind {
            case .renamed:
                if let basePath = changes[index].basePath, let deletion = deletions.removeValue(forKey: basePath) {
                    changes[index].oldPath = deletion.path
                }
            case .created:
                guard let inode = changes[index].recorded?.inode, let after = changes[index].after, after.fileType != .directory,
                      let basePath = byInode.removeValue(forKey: inode), let deletion = deletions.removeValue(forKey: basePath),
                      let before = deletion.before else { continue }
                changes[index].kind = .renamed
                changes[index].basePath = basePath
                changes[index].oldPath = deletion.path
                changes[index].before = before
                changes[index].differences = try differences(from: LayerObject(root: base.readOnly, path: basePath, stat: before),
                                                             to: LayerObject(root: storage.readOnly, path: changes[index].path, stat: after))
            default:
                break
            }
        }
    }
}
