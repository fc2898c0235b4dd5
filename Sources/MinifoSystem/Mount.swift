import CMinifo
import Glibc

/// mount(2) of a filesystem with no block device.
public func mount(source: String, target: String, type: String, flags: UInt, options: String) throws(Errno) {
    _ = try retrying { Glibc.mount(source, target, type, flags, options) }
}

/// umount2(2). `lazy` detaches now and finishes when the mount is no longer busy (MNT_DETACH).
public func unmount(_ target: String, lazy: Bool = false) throws(Errno) {
    _ = try retrying { umount2(target, lazy ? Int32(MNT_DETACH) : 0) }
}

public let mountReadOnly = UInt(MS_RDONLY)
public let mountNoSetUID = UInt(MS_NOSUID)
public let mountNoDevices = UInt(MS_NODEV)

/// The filesystem-independent options mount(8) passes to every filesystem, by name (as
/// fusermount3 takes them too): the mount(2) flag each one sets or clears.
public let genericMountOptions: [String: (flag: UInt, set: Bool)] = [
    "exec": (UInt(MS_NOEXEC), false), "noexec": (UInt(MS_NOEXEC), true),
    "atime": (UInt(MS_NOATIME), false), "noatime": (UInt(MS_NOATIME), true),
    "diratime": (UInt(MS_NODIRATIME), false), "nodiratime": (UInt(MS_NODIRATIME), true),
    "relatime": (UInt(MS_RELATIME), true), "norelatime": (UInt(MS_RELATIME), false),
    "strictatime": (UInt(MS_STRICTATIME), true), "nostrictatime": (UInt(MS_STRICTATIME), false),
    "sync": (UInt(MS_SYNCHRONOUS), true), "async": (UInt(MS_SYNCHRONOUS), false),
    "dirsync": (UInt(MS_DIRSYNC), true),
]

/// Whether `path` is the root of a mount (statx STATX_ATTR_MOUNT_ROOT).
public func isMountRoot(_ path: String) throws(Errno) -> Bool {
    try retrying { cminifo_is_mount_root(path) } == 1
}

/// realpath(3): the canonical absolute form of `path`.
public func canonicalPath(_ path: String) throws(Errno) -> String {
    guard let resolved = realpath(path, nil) else { throw Errno.current }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// access(2) with the real user's rights.
public func accessible(_ path: String, mode: Int32) -> Bool {
    access(path, mode) == 0
}

/// access(2) with the real user's rights, throwing why not (EROFS: a read-only filesystem).
public func checkAccess(_ path: String, mode: Int32) throws(Errno) {
    _ = try retrying { access(path, mode) }
}

public let accessExists = F_OK
public let accessReadWrite = R_OK | W_OK
public let accessExecute = X_OK
