import CMinifo
import Glibc

/// Calls that change an object's metadata or data, in a writable tree only. Paths are
/// relative to `dir` and stay below it (`beneath`); a final symlink is never followed.

/// fchmodat(2) with AT_SYMLINK_NOFOLLOW: EOPNOTSUPP for a symlink, which has no mode of its
/// own on Linux, rather than a change to whatever it points at.
public func changeMode(_ dir: Descriptor<some WritableTree>, _ path: some Collection<UInt8>, mode: UInt32) throws(Errno) {
    _ = try beneath(dir.rawValue, path) { (d, p) throws(Errno) in try retrying { fchmodat(d, p, mode_t(mode), AT_SYMLINK_NOFOLLOW) } }
}

/// fchmod(2).
public func changeMode(_ fd: Descriptor<some WritableTree>, mode: UInt32) throws(Errno) {
    _ = try retrying { fchmod(fd.rawValue, mode_t(mode)) }
}

/// fchownat(2) with AT_SYMLINK_NOFOLLOW. `UInt32.max` leaves an id unchanged.
public func changeOwner(_ dir: Descriptor<some WritableTree>, _ path: some Collection<UInt8>, uid: UInt32, gid: UInt32) throws(Errno) {
    _ = try beneath(dir.rawValue, path) { (d, p) throws(Errno) in
        try retrying { fchownat(d, p, uid, gid, AT_SYMLINK_NOFOLLOW | cminifo_AT_EMPTY_PATH) }
    }
}

/// A time for `changeTimes`: a value, the current time, or unchanged.
public enum TimeChange: Sendable, Equatable {
    case set(Timespec)
    case now
    case omit

    /// The time this change sets, with `.now` read from the clock; nil for `.omit`.
    public var resolved: Timespec? {
        switch self {
        case .set(let time): return time
        case .now: return Timespec.now
        case .omit: return nil
        }
    }

    var value: timespec {
        switch self {
        case .set(let t): return timespec(tv_sec: Int(t.seconds), tv_nsec: Int(t.nanoseconds))
        case .now: return timespec(tv_sec: 0, tv_nsec: cminifo_UTIME_NOW)
        case .omit: return timespec(tv_sec: 0, tv_nsec: cminifo_UTIME_OMIT)
        }
    }
}

/// utimensat(2) with AT_SYMLINK_NOFOLLOW.
public func changeTimes(_ dir: Descriptor<some WritableTree>, _ path: some Collection<UInt8>, access: TimeChange, modification: TimeChange) throws(Errno) {
    var times = [access.value, modification.value]
    _ = try beneath(dir.rawValue, path) { (d, p) throws(Errno) in
        try retrying { utimensat(d, p, &times, AT_SYMLINK_NOFOLLOW) }
    }
}

/// futimens(2).
public func changeTimes(_ fd: Descriptor<some WritableTree>, access: TimeChange, modification: TimeChange) throws(Errno) {
    var times = [access.value, modification.value]
    _ = try retrying { futimens(fd.rawValue, &times) }
}

/// ftruncate(2).
public func truncate(_ fd: Descriptor<some WritableTree>, size: Int64) throws(Errno) {
    _ = try retrying { ftruncate(fd.rawValue, off_t(size)) }
}

/// fsync(2), or fdatasync(2) when only the data must be durable: of any tree, since it
/// changes nothing.
public func synchronize(_ fd: Descriptor<some FileTree>, dataOnly: Bool = false) throws(Errno) {
    _ = try retrying { dataOnly ? fdatasync(fd.rawValue) : fsync(fd.rawValue) }
}

/// fallocate(2).
public func allocate(_ fd: Descriptor<some WritableTree>, mode: Int32, offset: Int64, length: Int64) throws(Errno) {
    _ = try retrying { cminifo_fallocate(fd.rawValue, mode, offset, length) }
}

/// copy_file_range(2) from `source` at `sourceOffset` to `destination` at `destinationOffset`.
public func copyRange(from source: Descriptor<some FileTree>, at sourceOffset: Int64, to destination: Descriptor<some WritableTree>,
                      at destinationOffset: Int64, count: Int) throws(Errno) -> Int {
    var input = sourceOffset
    var output = destinationOffset
    return try retrying { cminifo_copy_file_range(source.rawValue, &input, destination.rawValue, &output, count) }
}

/// FICLONE: makes `destination` share all of `source`'s extents, where the filesystem can.
public func cloneFile(from source: Descriptor<some FileTree>, to destination: Descriptor<some WritableTree>) throws(Errno) {
    _ = try retrying { cminifo_ficlone(destination.rawValue, source.rawValue) }
}

/// pwrite(2) of the whole buffer, looping over short writes.
public func writeAll(_ fd: Descriptor<some WritableTree>, _ bytes: some Collection<UInt8>, offset: Int64) throws(Errno) {
    let array = Array(bytes)
    var done = 0
    while done < array.count {
        let written = try array.withUnsafeBytes { raw in
            attempt { Glibc.pwrite(fd.rawValue, raw.baseAddress! + done, raw.count - done, off_t(offset + Int64(done))) }
        }.get()
        done += written
    }
}

/// syncfs(2): commits every change made to the filesystem that holds `fd`.
public func synchronizeFileSystem(_ fd: Descriptor<some FileTree>) throws(Errno) {
    _ = try retrying { cminifo_syncfs(fd.rawValue) }
}
