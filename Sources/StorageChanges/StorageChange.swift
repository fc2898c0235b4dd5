import MinifoSystem
import OverlayCore

/// One difference between what a mount of a storage directory shows and its base, at one path.
/// Enough to undo it (revert) or to apply it to the base (merge): where the object is now,
/// what it is measured against, what differs, and what META records for the path.
public struct StorageChange: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// No base object is shown at this path, only a new one from storage.
        case created
        /// The data (contents, symlink target, device number) or the file type differs.
        case modified
        /// Only mode, owner, times or xattrs differ.
        case metadata
        /// The base object at this path is hidden by a whiteout and nothing replaces it.
        case deleted
        /// The base object at `basePath` shows at `path` now (a directory redirect, or a file
        /// whose recorded inode number is the old one's).
        case renamed
        /// A directory that hides every base entry below it (removed and made again).
        case opaque
    }

    public var kind: Kind
    /// The mount path where the change shows; for `deleted`, the path that no longer shows.
    public var path: RelativePath
    /// Where the object is in storage: `path` itself, or for a name of a hard-linked base file
    /// that was never written through, the shared copy under the hidden links directory. Nil
    /// when storage holds nothing for it (deleted, or a change META records for a base object).
    public var storagePath: RelativePath?
    /// The base object the change is measured against; nil for `created`.
    public var basePath: RelativePath?
    /// For `renamed`: the mount path whose whiteout hides the old name, when there is one.
    public var oldPath: RelativePath?
    /// The base object's own attributes (nothing from META applied).
    public var before: FileStat?
    /// The attributes the mount shows (the storage object's, or the base object's with META
    /// applied); nil for `deleted`.
    public var after: FileStat?
    public var differences: Differences
    /// What META records at `path`, if anything.
    public var recorded: MetaState?

    /// The file type the mount shows, or for `deleted` the one the base object had.
    public var fileType: FileType { (after ?? before)?.fileType ?? .unknown }

    /// Whether the object is in storage, rather than a base object that META changes.
    public var isInStorage: Bool { storagePath != nil }
}

/// What differs between a base object and what the mount shows in its place.
public struct Differences: Sendable, Equatable {
    /// Another file type.
    public var type = false
    /// Other contents, symlink target or device number.
    public var data = false
    /// The base object was deleted and another one made at its name.
    public var replaced = false
    public var mode = false
    public var owner = false
    public var modificationTime = false
    /// Only compared where META records an access time: reading changes it everywhere else.
    public var accessTime = false
    public var xattrs: [XattrChange] = []

    public init() {}

    /// Any difference in mode, owner, times or xattrs.
    public var metadata: Bool { mode || owner || modificationTime || accessTime || !xattrs.isEmpty }
    public var isEmpty: Bool { !type && !data && !replaced && !metadata }
}

/// One extended attribute that differs: set (no `before`), removed (no `after`) or changed.
public struct XattrChange: Sendable, Equatable {
    public var name: [UInt8]
    public var before: [UInt8]?
    public var after: [UInt8]?
}
