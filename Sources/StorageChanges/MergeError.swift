import MinifoSystem
import OverlayCore

/// Why `minifo merge` refused or stopped; each description is one line that says what to do.
public enum MergeError: Error, CustomStringConvertible {
    case storage(StorageError)
    /// A renamed directory's base part is on another filesystem than the base root, where the
    /// staging directory is: it cannot be moved by rename(2).
    case otherFileSystem(base: String, path: RelativePath)
    case baseNotWritable(String, Errno)
    /// The journal's base is not the one the META file names.
    case baseMismatch(storage: String, journal: String, meta: String)
    case damagedJournal
    /// A step failed after the base was first written: it is partly merged.
    case interrupted(step: String, Errno, done: Int, of: Int, storage: String)
    case io(Errno, String)

    public var description: String {
        switch self {
        case .storage(let error):
            return error.description
        case .otherFileSystem(let base, let path):
            return "\(base)/\(TextFormatting.path(path)) is a renamed directory on another filesystem than \(base); "
                + "merge cannot move it there, nothing was changed: revert that rename first"
        case .baseNotWritable(let base, let errno):
            return "the base \(base) cannot be written (\(errno)); remount it read-write, then merge"
        case .baseMismatch(let storage, let journal, let meta):
            return "the interrupted merge in \(storage) was merging into \(journal), but its META file names \(meta); "
                + "put the base back at \(journal) to finish the merge"
        case .damagedJournal:
            return "the journal of an interrupted merge (\(String(decoding: Names.merge, as: UTF8.self))) is damaged; "
                + "its base is partly merged and minifo cannot tell how far: restore the base and storage from a backup"
        case .interrupted(let step, let errno, let done, let total, let storage):
            return "\(step): \(errno); the base is partly merged (\(done) of \(total) steps done) and \(storage) is kept: "
                + "fix the problem and run `minifo merge \(storage)` again to finish"
        case .io(let errno, let context):
            return "\(context): \(errno)"
        }
    }
}
