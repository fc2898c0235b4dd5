import MinifoSystem
import OverlayCore

/// Why a storage directory cannot be read; each description is one line that says what to do.
public enum StorageError: Error, Sendable, CustomStringConvertible {
    case missing(String)
    case notADirectory(String)
    /// No META file: never mounted, or not a storage directory at all.
    case notStorage(String)
    case baseMissing(storage: String, base: String)
    case baseNotADirectory(storage: String, base: String)
    case baseNested(storage: String, base: String)
    /// The META file cannot be read: a damaged header or record.
    case damaged(String, MetaError)
    /// A mount's daemon holds the storage directory; the string says what to do once unmounted.
    case mounted(String, then: String)
    /// `minifo merge` was interrupted: the base is partly merged.
    case interruptedMerge(String)
    /// Someone other than the user and root controls the storage directory.
    case unsafe(UnsafeStorage)
    case io(Errno, String)

    public var description: String {
        switch self {
        case .missing(let path):
            return "\(path) does not exist; give the storage directory of a minifo mount"
        case .notADirectory(let path):
            return "\(path) is not a directory; give the storage directory of a minifo mount"
        case .notStorage(let path):
            return "\(path) is not a minifo storage directory (it has no \(String(decoding: Names.meta, as: UTF8.self)) file); "
                + "give the STORAGE directory that `minifo mount BASE STORAGE MOUNTPOINT` was given"
        case .baseMissing(let storage, let base):
            return "the base \(base) that \(storage) records no longer exists; restore it at that path"
        case .baseNotADirectory(let storage, let base):
            return "the base \(base) that \(storage) records is no longer a directory; restore it at that path"
        case .baseNested(let storage, let base):
            return "the base \(base) that \(storage) records and the storage directory lie inside each other; "
                + "this is not a storage directory minifo made"
        case .damaged(let storage, let error):
            if case .corrupt(let offset, let reason) = error {
                return "the \(String(decoding: Names.meta, as: UTF8.self)) file in \(storage) is damaged at byte offset \(offset): "
                    + "\(reason); keep a copy of it, then run `minifo check --repair \(storage)`"
            }
            return "\(storage): \(error)"
        case .mounted(let storage, let action):
            return "\(storage) is mounted (its daemon holds it); unmount it with `minifo umount MOUNTPOINT`, then \(action)"
        case .interruptedMerge(let storage):
            return OverlayError.interruptedMerge(storage).description
        case .unsafe(let problem):
            return problem.description
        case .io(let errno, let context):
            return "\(context): \(errno)"
        }
    }
}
