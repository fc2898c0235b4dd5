import MinifoSystem

/// Everything META records for one path, as `MetaStore.states()` lists it.
public struct MetaState: Sendable, Equatable {
    public var path: RelativePath
    /// A whiteout: the base object at this path is deleted.
    public var deleted = false
    /// The directory hides every base entry below it.
    public var opaque = false
    /// The base directory a renamed directory's base contents come from.
    public var redirect: RelativePath?
    /// Mode, owner or times of a base object changed without a copy-up.
    public var attributes: MetaAttributes?
    /// Extended attribute overrides of a base object: a value, or nil for removed.
    public var xattrs: [[UInt8]: [UInt8]?] = [:]
    /// The mount inode number the object keeps.
    public var inode: UInt64?
    /// For the shared copy of a hard-linked base file (in the links directory): how many of
    /// the base file's names still show the base object.
    public var baseLinks: UInt32?

    public init(path: RelativePath) { self.path = path }
}

extension MetaStore {
    /// Every path with recorded state, parents before children.
    public func states() -> [MetaState] {
        state.withLock { state in
            var states: [MetaState] = []
            // Only ENAMETOOLONG can stop the walk: a path too long for a record, which could not
            // have been replayed from the file either.
            try? state.index.forEachRecord { (record) throws(Errno) in
                let path = record.path.relativePath
                if states.last?.path != path { states.append(MetaState(path: path)) }
                states[states.count - 1].apply(record)
            }
            return states
        }
    }
}

extension MetaState {
    fileprivate mutating func apply(_ record: MetaRecord) {
        switch record {
        case .whiteout(_, let on): deleted = on
        case .opaque(_, let on): opaque = on
        case .redirect(_, let target): redirect = target?.relativePath
        case .attributes(_, let recorded): attributes = recorded
        case .xattr(_, let name, let value): xattrs[name] = .some(value)
        case .inode(_, let number): inode = number
        case .baseLinks(_, let count): baseLinks = count
        case .clearXattrs, .rename, .removeTree, .commit: break  // a compacted index holds none of these
        case .prepare: break  // not applied yet
        }
    }
}

extension MetaRecord {
    /// The path the record is about (for a rename, the path it moves from).
    var path: MetaPath {
        switch self {
        case .whiteout(let path, _), .opaque(let path, _), .redirect(let path, _), .attributes(let path, _),
             .xattr(let path, _, _), .clearXattrs(let path), .inode(let path, _), .baseLinks(let path, _), .rename(let path, _),
             .removeTree(let path):
            path
        case .prepare(_, let condition, _): condition.path
        case .commit: .root
        }
    }
}
