import CMinifo
import Glibc

/// read(2) into `buffer`, returning the byte count. The array's storage is written in place.
public func read(_ fd: Int32, into buffer: inout [UInt8]) throws(Errno) -> Int {
    let capacity = buffer.count
    return try buffer.withUnsafeMutableBytes { raw in
        attempt { Glibc.read(fd, raw.baseAddress, capacity) }
    }.get()
}

/// pread(2) into the start of `buffer`, at most `count` bytes.
public func pread(_ fd: Descriptor<some FileTree>, into buffer: inout [UInt8], count: Int, offset: Int64) throws(Errno) -> Int {
    let count = min(count, buffer.count)
    return try buffer.withUnsafeMutableBytes { raw in
        attempt { Glibc.pread(fd.rawValue, raw.baseAddress, count, off_t(offset)) }
    }.get()
}

/// write(2) of a whole buffer in one call, as /dev/fuse requires, to a descriptor of no tree
/// (a device, a socket, a pipe). Returns the bytes written.
@discardableResult
public func write(_ fd: Int32, _ bytes: [UInt8]) throws(Errno) -> Int {
    try bytes.withUnsafeBytes { raw in
        attempt { Glibc.write(fd, raw.baseAddress, raw.count) }
    }.get()
}

/// write(2) of a whole buffer in one call to a file of a writable tree (one opened O_APPEND).
@discardableResult
public func write(_ fd: Descriptor<some WritableTree>, _ bytes: [UInt8]) throws(Errno) -> Int {
    try write(fd.rawValue, bytes)
}

/// writev(2) of `head` followed by the first `tailCount` bytes of `tail`, in one call.
@discardableResult
public func write(_ fd: Int32, _ head: [UInt8], _ tail: [UInt8], tailCount: Int) throws(Errno) -> Int {
    try head.withUnsafeBytes { h in
        tail.withUnsafeBytes { t in
            var iov = (
                iovec(iov_base: UnsafeMutableRawPointer(mutating: h.baseAddress), iov_len: h.count),
                iovec(iov_base: UnsafeMutableRawPointer(mutating: t.baseAddress), iov_len: min(tailCount, t.count)))
            return withUnsafeMutableBytes(of: &iov) { v in
                let vec = v.baseAddress!.assumingMemoryBound(to: iovec.self)
                return attempt { Glibc.writev(fd, vec, 2) }
            }
        }
    }.get()
}

/// pwrite(2) of a slice, returning the bytes written.
public func pwrite(_ fd: Descriptor<some WritableTree>, _ bytes: ArraySlice<UInt8>, offset: Int64) throws(Errno) -> Int {
    try bytes.withUnsafeBytes { raw in
        attempt { Glibc.pwrite(fd.rawValue, raw.baseAddress, raw.count, off_t(offset)) }
    }.get()
}

/// An uninitialised byte array of `count` bytes. Large ones are mmap'd by malloc and cost
/// resident memory only for the pages that get written.
public func uninitializedBuffer(count: Int) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}

/// lseek(2).
public func seek(_ fd: Descriptor<some FileTree>, offset: Int64, whence: Int32) throws(Errno) -> Int64 {
    Int64(try retrying { Glibc.lseek(fd.rawValue, off_t(offset), whence) })
}

public let seekData = cminifo_SEEK_DATA
public let seekHole = cminifo_SEEK_HOLE

/// isatty(3): whether `fd` is a terminal.
public func isTerminal(_ fd: Int32) -> Bool {
    isatty(fd) == 1
}

/// The whole contents of the file at `path`, read until end of file (for /proc files, whose
/// size stat(2) does not know).
func readWholeFile(_ path: String) throws(Errno) -> [UInt8] {
    let fd = try open(path, .readOnly)
    defer { Glibc.close(fd) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
        let count = try read(fd, into: &chunk)
        if count == 0 { return result }
        result += chunk[..<count]
    }
}
