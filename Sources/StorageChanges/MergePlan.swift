import MinifoSystem
import OverlayCore

/// The steps that make the base what the mount of a storage directory shows, in an order in
/// which each one finds what it needs:
///
/// 1. The base part of every renamed directory is set aside, deepest first, so that moves and
///    removals cannot get in each other's way (`mv a b; mv b a` included).
/// 2. Deleted base objects are removed; those below a renamed directory once it is in place.
/// 3. Storage is walked parents first: a renamed directory's base part is moved to its new
///    name, a new directory made, each changed object written over the base's in one rename
///    (data with holes, owner, mode, xattrs, times; hard-linked names as links of one file),
///    and each directory's metadata set once its contents are done.
/// 4. Names that show a hard-linked base file's shared copy become links of it.
/// 5. Metadata META records for base objects without a copy is applied, and directories
///    that changed without a copy in storage get the times the mount showed back.
///
/// After steps 1 and 2 the base has the mount's layout: every base object a mount path shows
/// is at that path, so the rest works on mount paths alone.
struct MergePlan {
    private(set) var steps: [MergeStep] = []
    private let overlay: Overlay
    private let states: [RelativePath: MetaState]
    /// Renamed directories whose base part is set aside, by mount path: its number and base path.
    private var setAside: [RelativePath: (number: UInt32, source: RelativePath)] = [:]
    /// Deletions and opaque directories below each renamed directory (nil: below none).
    private var removals: [RelativePath?: [MergeStep]] = [:]
    /// Mount paths of objects in storage that differ from the base.
    private let changed: Set<RelativePath>
    /// The first base path each hard-linked storage file is written to, by storage inode.
    private var written: [UInt64: RelativePath] = [:]
    /// Directories the merge changes that have no copy in storage, whose times it puts back:
    /// the root (the staging directory comes and goes there) and parents of linked names.
    private var touchedBaseDirectories: Set<RelativePath> = [.root]

    init(_ overlay: Overlay) throws(MergeError) {
        self.overlay = overlay
        var states: [RelativePath: MetaState] = [:]
        for state in overlay.meta.states() { states[state.path] = state }
        self.states = states
        do {
            let changes = try overlay.changes()
            changed = Set(changes.filter { $0.storagePath == $0.path }.map(\.path))
            try setAsideRenamedDirectories()
            try collectRemovals()
            steps += removals[nil] ?? []
            try walk(.root)
            try linkSharedCopies()
            for change in changes where change.kind == .metadata && !change.isInStorage {
                let xattrs = change.recorded?.xattrs ?? [:]
                let attributes = change.recorded?.attributes
                if attributes == nil && xattrs.isEmpty { continue }
                steps.append(.recorded(change.path, attributes, xattrs: xattrs.sorted { $0.key.lexicographicallyPrecedes($1.key) }
                    .map { RecordedXattr(name: $0.key, value: $0.value) }))
            }
            steps.append(.remove(MergeStep.staging))
            for directory in touchedBaseDirectories.sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) }) {
                let shown = try overlay.lookup(directory).stat
                steps.append(.times(directory, access: shown.accessTime, modification: shown.modificationTime))
            }
        } catch let error as MergeError {
            throw error
        } catch {
            throw .io(error as? Errno ?? .EIO, "reading \(overlay.storage.path) and its base \(overlay.base.path)")
        }
    }

    private var base: BaseDescriptor { overlay.base.root }
    private var storage: StorageDescriptor { overlay.storage.root }

    private mutating func setAsideRenamedDirectories() throws {
        steps.append(.directory(MergeStep.staging))
        var sources: [(path: RelativePath, source: RelativePath)] = []
        for state in states.values {
            guard let source = state.redirect, try statIfPresent(storage, state.path)?.fileType == .directory,
                  let original = try statIfPresent(base, source), original.fileType == .directory else { continue }
            if original.device != overlay.base.device {
                throw MergeError.otherFileSystem(base: overlay.base.path, path: source)
            }
            sources.append((state.path, source))
        }
        // Deepest first, so that a directory set aside never holds another one still to go.
        sources.sort { depth($0.source) != depth($1.source) ? depth($0.source) > depth($1.source)
                                                            : $0.source.bytes.lexicographicallyPrecedes($1.source.bytes) }
        for (index, entry) in sources.enumerated() {
            let number = UInt32(index + 1)
            setAside[entry.path] = (number, entry.source)
            steps.append(.setAside(entry.source, number: number))
        }
    }

    /// The base objects whiteouts hide, and the contents of opaque directories, grouped by the
    /// renamed directory they are below (whose base part moves with them).
    private mutating func collectRemovals() throws {
        // A renamed directory's old name hides nothing: its base part is set aside.
        let sources = Set(setAside.values.map(\.source))
        for state in states.values.sorted(by: { $0.path.bytes.lexicographicallyPrecedes($1.path.bytes) }) where !state.path.isRoot {
            let path = state.path
            if state.deleted && setAside[path] == nil, let original = overlay.originalBasePath(of: path),
               !sources.contains(original), try statIfPresent(base, original) != nil {
                removals[nearestSetAside(above: path), default: []].append(.remove(path))
            }
            if state.opaque, let original = overlay.basePath(of: path), try statIfPresent(base, original)?.fileType == .directory {
                removals[nearestSetAside(above: path), default: []].append(.empty(path))
            }
        }
    }

    private func nearestSetAside(above path: RelativePath) -> RelativePath? {
        var current = path.parent
        while let directory = current, !directory.isRoot {
            if setAside[directory] != nil { return directory }
            current = directory.parent
        }
        return nil
    }

    private mutating func walk(_ directory: RelativePath) throws {
        let reader = DirectoryReader(owning: try openat(storage, directory.bytes, [.directory, .noFollow]))
        var names: [[UInt8]] = []
        while let entry = try reader.next() {
            if !entry.isDotOrDotDot && !Names.isMeta(entry.name, in: directory) { names.append(entry.name) }
        }
        for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let path = directory.appending(name)
            let stat = try lstatat(storage, path.bytes)
            if stat.fileType == .directory {
                if let (number, source) = setAside[path] {
                    steps.append(.place(number: number, at: path, was: source))
                    steps += removals[path] ?? []
                } else {
                    if states[path]?.redirect != nil, try statIfPresent(base, path) != nil {
                        steps.append(.remove(path))  // hidden by a rename whose base part is gone
                    }
                    if try !hasBaseDirectory(path) { steps.append(.directory(path)) }
                }
                try walk(path)
                steps.append(.directoryMetadata(path, from: path, listed: changed.contains(path)))
            } else if stat.fileType == .regular && stat.linkCount > 1 {
                write(path, from: path, object: stat.inode)
            } else if changed.contains(path) {
                steps.append(.copy(path, from: path))
            }
        }
    }

    /// Whether the base has a directory where the mount shows `path`, once deleted objects are
    /// removed and renamed directories moved.
    private func hasBaseDirectory(_ path: RelativePath) throws -> Bool {
        guard let original = overlay.basePath(of: path) else { return false }
        return try statIfPresent(base, original)?.fileType == .directory
    }

    /// The first name of a hard-linked storage file is written, the others linked to it: the
    /// base gets one file with all the names the mount shows.
    private mutating func write(_ path: RelativePath, from source: RelativePath, object: UInt64) {
        if let first = written[object] {
            steps.append(.link(path, to: first))
        } else {
            steps.append(.copy(path, from: source))
            written[object] = path
        }
    }

    /// Base names of hard-linked base files whose shared copy the mount shows there.
    private mutating func linkSharedCopies() throws {
        let groups = try LinkGroups(overlay)
        for (inode, copy) in groups.copies.sorted(by: { $0.key < $1.key }) {
            for basePath in groups.baseNames(of: inode) {
                for path in overlay.mountPaths(of: basePath, states: states.values) where try statIfPresent(storage, path) == nil {
                    guard let entry = try? overlay.lookup(path), entry.layer == .storage, entry.location == copy.path else { continue }
                    write(path, from: copy.path, object: copy.stat.inode)
                    if let parent = path.parent, try statIfPresent(storage, parent) == nil { touchedBaseDirectories.insert(parent) }
                }
            }
        }
    }

    private func depth(_ path: RelativePath) -> Int {
        path.bytes.reduce(1) { $1 == 0x2F ? $0 + 1 : $0 }
    }
}
