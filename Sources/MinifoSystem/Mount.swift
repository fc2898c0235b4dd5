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

public let accessExists = F_OK
public let accessReadWrite = R_OK | W_OK
public let accessExecute = X_OK
