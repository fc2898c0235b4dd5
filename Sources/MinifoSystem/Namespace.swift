import CMinifo
import Glibc

/// Calls that add, remove and rename names in a directory, of a writable tree only. Paths are
/// relative to `dir` and stay below it (`beneath`); a final symlink is never followed.

/// mkdirat(2).
public func makeDirectory(_ dir: Descriptor<some WritableTree>, _ path: some Collection<UInt8>, mode: UInt32) throws(Errno) {
    _ = try beneath(dir.rawValue, path) { (d, p) throws(Errno) in try retrying { mkdirat(d, p, mode_t(mode)) } }
}

/// symlinkat(2).
public func makeSymlink(_ dir: Descriptor<some WritableTree>, _ path: some Collection<UInt8>, target: some Collection<UInt8>) throws(Errno) {
    _ = try withCString(target) { (t) throws(Errno) in
        try beneath(dir.rawValue, path) { (d, p) throws(Errno) in try retrying { symlinkat(t, d, p) } }
    }
}

/// mknodat(2), for FIFOs, sockets, devices and empty regular files.
public func makeNode(_ dir: Descriptor<some WritableTree>, _ path: some Collection<UInt8>, mode: UInt32, device: UInt64) throws(Errno) {
    _ = try beneath(dir.rawValue, path) { (d, p) throws(Errno) in try retrying { mknodat(d, p, mode_t(mode), dev_t(device)) } }
}

/// linkat(2): a new name `newPath` for the object at `oldPath`, in the same tree (the object's
/// link count changes too).
public func makeLink<Tree: WritableTree>(_ oldDir: Descriptor<Tree>, _ oldPath: some Collection<UInt8>, _ newDir: Descriptor<Tree>,
                                         _ newPath: some Collection<UInt8>) throws(Errno) {
    _ = try beneath(oldDir.rawValue, oldPath) { (od, o) throws(Errno) in
        try beneath(newDir.rawValue, newPath) { (nd, n) throws(Errno) in try retrying { linkat(od, o, nd, n, 0) } }
    }
}

/// linkat(2) with AT_EMPTY_PATH: a name for the open file `fd`, such as an O_TMPFILE file.
public func makeLink<Tree: WritableTree>(_ fd: Descriptor<Tree>, _ newDir: Descriptor<Tree>, _ newPath: some Collection<UInt8>) throws(Errno) {
    _ = try beneath(newDir.rawValue, newPath) { (nd, n) throws(Errno) in try retrying { linkat(fd.rawValue, "", nd, n, cminifo_AT_EMPTY_PATH) } }
}

/// Flags of renameat2(2).
public struct RenameFlags: OptionSet, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// RENAME_NOREPLACE
    public static let noReplace = RenameFlags(rawValue: 1 << 0)
    /// RENAME_EXCHANGE
    public static let exchange = RenameFlags(rawValue: 1 << 1)
}

/// renameat2(2), within one tree.
public func rename<Tree: WritableTree>(_ oldDir: Descriptor<Tree>, _ oldPath: some Collection<UInt8>, _ newDir: Descriptor<Tree>,
                                       _ newPath: some Collection<UInt8>, flags: RenameFlags = []) throws(Errno) {
    _ = try beneath(oldDir.rawValue, oldPath) { (od, o) throws(Errno) in
        try beneath(newDir.rawValue, newPath) { (nd, n) throws(Errno) in
            try retrying { cminifo_renameat2(od, o, nd, n, flags.rawValue) }
        }
    }
}

/// unlinkat(2); `directory` removes an empty directory (AT_REMOVEDIR).
public func removeName(_ dir: Descriptor<some WritableTree>, _ path: some Collection<UInt8>, directory: Bool) throws(Errno) {
    _ = try beneath(dir.rawValue, path) { (d, p) throws(Errno) in try retrying { unlinkat(d, p, directory ? AT_REMOVEDIR : 0) } }
}
