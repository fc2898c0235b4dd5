import MinifoSystem

/// Why a storage directory is refused: someone other than the user and root controls a part of
/// it that decides what a mount shows or who may lock it. As ssh's StrictModes asks of ~/.ssh,
/// the storage root and its META file must belong to the user or root and be writable by no
/// one else; the work directory, where the storage lock and the control socket live, must in
/// addition be closed to everyone else. Each description is one line that says what to run.
public struct UnsafeStorage: Error, Sendable, CustomStringConvertible {
    public let description: String

    /// Checks the storage root `root` (at `path`), its META file and its work directory, those
    /// that exist, for the user `user`.
    public static func check(storageRoot root: Descriptor<some FileTree>, path: String, user: UInt32) throws(UnsafeStorage) {
        if let stat = try? fstat(root) { try check(stat, "the storage directory", path, user: user) }
        if let stat = try? lstatat(root, Names.meta) {
            try check(stat, "the META file", path + "/" + String(decoding: Names.meta, as: UTF8.self), user: user)
        }
        if let stat = try? lstatat(root, Names.work) { try checkWorkDirectory(stat, storage: path, user: user) }
    }

    /// Checks the work directory of the storage directory at `storage`, as `lstat` found it.
    static func checkWorkDirectory(_ stat: FileStat, storage: String, user: UInt32) throws(UnsafeStorage) {
        let path = storage + "/" + String(decoding: Names.work, as: UTF8.self)
        guard stat.fileType == .directory else {
            throw UnsafeStorage(description: "\(path) is not a directory, as minifo's work directory is; remove it (`rm \(path)`)")
        }
        try check(stat, "the work directory", path, user: user, closed: true)
    }

    /// `closed`: no permission at all for others, not only no write permission.
    private static func check(_ stat: FileStat, _ what: String, _ path: String, user: UInt32, closed: Bool = false) throws(UnsafeStorage) {
        if stat.uid != user && stat.uid != 0 {
            let owner = user == 0 ? "root" : "\(user)"
            throw UnsafeStorage(description: "\(what) \(path) belongs to uid \(stat.uid), not to you (uid \(user)) or root: "
                + "that user could change what minifo shows; run `chown \(owner) \(path)` as root, or use storage of your own")
        }
        if closed && stat.mode & 0o077 != 0 {
            throw UnsafeStorage(description: "\(what) \(path) is open to other users (mode \(String(stat.mode & 0o7777, radix: 8))): "
                + "they could take the storage lock; run `chmod 700 \(path)`")
        }
        if stat.mode & 0o022 != 0 {
            throw UnsafeStorage(description: "\(what) \(path) is writable by its group or others (mode \(String(stat.mode & 0o7777, radix: 8))): "
                + "they could change what minifo shows; run `chmod go-w \(path)`")
        }
    }
}
