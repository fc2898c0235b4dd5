import MinifoSystem

/// The access check a native filesystem makes (generic_permission without ACLs), for callers
/// that ask with ACCESS when the kernel does not check permissions itself.
public enum Permissions {
    public static let read: UInt32 = 4
    public static let write: UInt32 = 2
    public static let execute: UInt32 = 1

    /// `mode` after a write, truncation or change of owner by a caller without CAP_FSETID, as
    /// setattr_should_drop_suidgid() leaves it: without S_ISUID, and without S_ISGID where the
    /// group may execute. (The kernel also drops a lone S_ISGID when the caller is outside the
    /// file's group; its supplementary groups are not known here.)
    public static func droppingSetID(_ mode: UInt32) -> UInt32 {
        mode & 0o2010 == 0o2010 ? mode & ~0o6000 : mode & ~0o4000
    }

    /// Whether `uid`/`gid` may access an object with `stat` in every way `mask` asks.
    public static func allows(_ stat: FileStat, uid: UInt32, gid: UInt32, mask: UInt32) -> Bool {
        let mask = mask & 7
        if uid == 0 {
            // Root may read and write anything, and execute whatever has an execute bit or is a directory.
            if mask & execute == 0 { return true }
            return stat.fileType == .directory || stat.mode & 0o111 != 0
        }
        let bits: UInt32
        if stat.uid == uid {
            bits = (stat.mode >> 6) & 7
        } else if stat.gid == gid {
            bits = (stat.mode >> 3) & 7
        } else {
            bits = stat.mode & 7
        }
        return bits & mask == mask
    }
}
