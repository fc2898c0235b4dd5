import CMinifo
import Glibc

/// The ioctls of /dev/fuse.
public enum FUSEDevice {
    /// Opens a new /dev/fuse descriptor attached to the session of `sessionFD`
    /// (FUSE_DEV_IOC_CLONE), so a worker thread can read requests on its own queue.
    public static func clone(_ sessionFD: Int32) throws(Errno) -> Int32 {
        let fd = try open("/dev/fuse", .readWrite)
        if cminifo_fuse_clone(fd, sessionFD) < 0 {
            let error = Errno.current
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// Registers `file` as a passthrough backing file (FUSE_DEV_IOC_BACKING_OPEN).
    public static func openBacking(_ deviceFD: Int32, file: Descriptor<some FileTree>) throws(Errno) -> Int32 {
        try retrying { cminifo_fuse_backing_open(deviceFD, file.rawValue) }
    }

    /// Drops a backing id (FUSE_DEV_IOC_BACKING_CLOSE).
    public static func closeBacking(_ deviceFD: Int32, id: Int32) {
        _ = cminifo_fuse_backing_close(deviceFD, id)
    }
}
