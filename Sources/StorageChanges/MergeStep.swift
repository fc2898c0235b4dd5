import MinifoSystem
import OverlayCore

/// One step of `minifo merge`, on base paths as they are when it runs. Every step is
/// idempotent: run again after an interruption, it finishes the job or finds it done.
public enum MergeStep: Sendable, Equatable {
    /// Moves the base directory at the path into the staging directory under the number,
    /// out of the way of the other moves and removals (a renamed directory's base part).
    case setAside(RelativePath, number: UInt32)
    /// Moves the directory set aside under the number to the path, replacing whatever the
    /// base has there; `was` is where it came from.
    case place(number: UInt32, at: RelativePath, was: RelativePath)
    /// Removes the base object at the path and everything below it (a deletion).
    case remove(RelativePath)
    /// Removes everything inside the base directory at the path (a directory that hides its
    /// base contents).
    case empty(RelativePath)
    /// Makes the path a directory, replacing anything else there; its metadata comes later.
    case directory(RelativePath)
    /// Writes the storage object at `from` (with its owner, mode, xattrs and times) to the
    /// path, replacing whatever the base has there in one rename.
    case copy(RelativePath, from: RelativePath)
    /// Makes the path another name of the file an earlier step wrote at `to`.
    case link(RelativePath, to: RelativePath)
    /// Gives the base directory at the path the owner, mode, xattrs and times of the storage
    /// directory at `from`, once everything inside it is done; `listed` when it is a change.
    case directoryMetadata(RelativePath, from: RelativePath, listed: Bool)
    /// Applies the attributes and xattr overrides META records for the base object at the path.
    case recorded(RelativePath, MetaAttributes?, xattrs: [RecordedXattr])
    /// Puts back the times the mount showed for a base directory whose entries the merge
    /// changed without a copy of it in storage (the root, say).
    case times(RelativePath, access: Timespec, modification: Timespec)

    /// The directory at the base root where directories are set aside and files are built.
    public static let staging = RelativePath(bytes: Names.merge)

    static func staged(_ number: UInt32) -> RelativePath {
        staging.appending(Array(String(number).utf8))
    }

    /// The line that lists the step (`--dry-run`, and progress off a terminal); nil for the
    /// steps that only do minifo's own housekeeping.
    public var line: String? {
        func verb(_ word: String, _ path: RelativePath) -> String {
            word + String(repeating: " ", count: max(1, 9 - word.count)) + TextFormatting.path(path)
        }
        switch self {
        case .setAside(let path, _): return verb("set aside", path)
        case .place(_, let at, let was): return verb("move", was) + " -> " + TextFormatting.path(at)
        case .remove(let path): return path == Self.staging ? nil : verb("remove", path)
        case .empty(let path): return verb("empty", path)
        case .directory(let path): return path == Self.staging ? nil : verb("mkdir", path)
        case .copy(let path, _): return verb("write", path)
        case .link(let path, let target): return verb("link", path) + " = " + TextFormatting.path(target)
        case .directoryMetadata(let path, _, let listed): return listed ? verb("metadata", path) : nil
        case .recorded(let path, _, _): return verb("metadata", path)
        case .times: return nil
        }
    }
}

/// An xattr override META records: a value, or nil for removed.
public struct RecordedXattr: Sendable, Equatable {
    public var name: [UInt8]
    public var value: [UInt8]?
}
