import MinifoSystem

/// One change as the META file records it. Replaying a file's records in order rebuilds the
/// index; the byte layout of each kind is in docs/meta-format.md.
enum MetaRecord: Equatable, Sendable {
    /// A whiteout: the base object at the path is deleted (true) or no longer (false).
    case whiteout(MetaPath, Bool)
    /// The directory at the path hides the base contents below it.
    case opaque(MetaPath, Bool)
    /// The directory's base contents come from another base path (a renamed base directory).
    case redirect(MetaPath, to: MetaPath?)
    /// Attributes changed without a copy-up; nil drops the record.
    case attributes(MetaPath, MetaAttributes?)
    /// An extended attribute set to a value, or removed (nil), without a copy-up.
    case xattr(MetaPath, name: [UInt8], value: [UInt8]?)
    /// Drops every extended attribute override of the path.
    case clearXattrs(MetaPath)
    /// The mount inode number the object keeps; nil drops it.
    case inode(MetaPath, UInt64?)
    /// How many names of a hard-linked base file still show the base object; nil drops it.
    /// Kept on the path of the file's shared copy in the links directory.
    case baseLinks(MetaPath, UInt32?)
    /// Moves all state at and below the first path to the second, replacing what was there.
    case rename(MetaPath, to: MetaPath)
    /// Drops all state at and below the path.
    case removeTree(MetaPath)
    /// Changes held back until the storage operation they go with has happened: the matching
    /// `commit` applies or drops them, and after a crash the storage tree decides (`condition`).
    case prepare(id: UInt64, condition: StorageCondition, [MetaRecord])
    /// Applies (true) or drops (false) the changes prepared under `id`.
    case commit(id: UInt64, applied: Bool)

    /// XATTR_NAME_MAX.
    static let maxXattrNameLength = 255
    /// XATTR_SIZE_MAX.
    static let maxXattrValueLength = 65536

    /// Why this record can be neither written nor replayed, or nil when it is well-formed.
    /// Path components are checked already when a `MetaPath` is made.
    var problem: String? {
        switch self {
        case .whiteout(let path, _), .opaque(let path, _):
            return path.isRoot ? "the root cannot be deleted or opaque" : nil
        case .redirect(let path, let target):
            return path.isRoot || target?.isRoot == true ? "the root cannot be redirected or a redirect target" : nil
        case .attributes(_, let attributes):
            guard let attributes else { return nil }
            if attributes.isEmpty { return "attributes without any field" }
            let nanoseconds = 0..<Int64(1_000_000_000)
            if let atime = attributes.atime, !nanoseconds.contains(atime.nanoseconds) { return "nanoseconds out of range" }
            if let mtime = attributes.mtime, !nanoseconds.contains(mtime.nanoseconds) { return "nanoseconds out of range" }
            return nil
        case .xattr(_, let name, let value):
            if name.isEmpty || name.count > Self.maxXattrNameLength || name.contains(0) { return "bad extended attribute name" }
            return (value?.count ?? 0) > Self.maxXattrValueLength ? "extended attribute value over 64 KiB" : nil
        case .clearXattrs, .inode, .baseLinks, .removeTree:
            return nil
        case .rename(let from, let to):
            if from.isRoot || to.isRoot { return "the root cannot be renamed" }
            return to.isWithin(from) && to != from ? "a directory cannot move below itself" : nil
        case .prepare(_, let condition, let records):
            if records.isEmpty { return "prepared changes without any record" }
            if (condition.kind == .always) != condition.path.isRoot { return "a storage condition on the root, or none on a path" }
            for record in records {
                switch record {
                case .prepare, .commit: return "prepared changes that prepare or commit"
                default: if let problem = record.problem { return problem }
                }
            }
            return nil
        case .commit:
            return nil
        }
    }
}

/// What the storage tree shows once the operation that prepared changes go with has happened.
struct StorageCondition: Equatable, Sendable {
    enum Kind: UInt8 {
        /// No storage operation: the changes always apply.
        case always = 0
        /// The storage object at `path` has the inode number `inode` (a new name made).
        case holds = 1
        /// The storage object at `path` no longer has the inode number `inode` (a name renamed
        /// away, removed, or exchanged).
        case lost = 2
    }

    var kind: Kind
    var path: MetaPath
    /// The storage filesystem's own inode number (st_ino), not the mount's.
    var inode: UInt64

    static let always = StorageCondition(kind: .always, path: .root, inode: 0)

    /// Whether the storage tree below `storageRoot` shows that the operation happened.
    func isMet(storageRoot: StorageDescriptor) -> Bool {
        let current = (try? lstatat(storageRoot, path.relativePath.bytes))?.inode
        switch kind {
        case .always: return true
        case .holds: return current == inode
        case .lost: return current != inode
        }
    }
}
