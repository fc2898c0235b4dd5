import CMinifo
import Glibc

/// One entry of a directory as getdents64(2) returns it (`struct linux_dirent64`).
public struct DirectoryEntry: Sendable {
    public var inode: UInt64
    /// The position just after this entry, to resume from with `DirectoryReader.seek(to:)`.
    public var nextOffset: Int64
    /// A `DT_*` value.
    public var type: UInt8
    public var name: [UInt8]

    public var isDotOrDotDot: Bool {
        name == [0x2E] || name == [0x2E, 0x2E]
    }
}

/// Streams the entries of an open directory through a small buffer.
public final class DirectoryReader {
    let fd: Int32
    private var buffer: [UInt8]
    private var filled = 0
    private var position = 0

    /// Takes ownership of `fd`, a directory opened for reading.
    public convenience init(owning fd: Descriptor<some FileTree>, bufferSize: Int = 16 * 1024) {
        self.init(owning: fd.rawValue, bufferSize: bufferSize)
    }

    init(owning fd: Int32, bufferSize: Int = 16 * 1024) {
        self.fd = fd
        self.buffer = uninitializedBuffer(count: bufferSize)
    }

    /// The directory's descriptor, for reading only (an fsync).
    public var descriptor: Descriptor<ReadOnly> { Descriptor(fd) }

    deinit { Glibc.close(fd) }

    /// Continues from an offset a previous entry's `nextOffset` gave (0 is the start).
    public func seek(to offset: Int64) throws(Errno) {
        _ = try MinifoSystem.seek(descriptor, offset: offset, whence: SEEK_SET)
        filled = 0
        position = 0
    }

    /// The next entry, or nil at the end of the directory.
    public func next() throws(Errno) -> DirectoryEntry? {
        if position >= filled {
            let capacity = buffer.count
            let fd = self.fd
            filled = try buffer.withUnsafeMutableBytes { raw in
                attempt { cminifo_getdents64(fd, raw.baseAddress, capacity) }
            }.get()
            position = 0
            if filled == 0 { return nil }
        }
        return buffer.withUnsafeBytes { raw in
            let base = raw.baseAddress! + position
            let inode = base.loadUnaligned(as: UInt64.self)
            let offset = base.loadUnaligned(fromByteOffset: 8, as: Int64.self)
            let recordLength = Int(base.loadUnaligned(fromByteOffset: 16, as: UInt16.self))
            let type = base.load(fromByteOffset: 18, as: UInt8.self)
            let nameStart = UnsafeRawBufferPointer(start: base + 19, count: recordLength - 19)
            let nameLength = nameStart.firstIndex(of: 0) ?? nameStart.count
            position += recordLength
            return DirectoryEntry(inode: inode, nextOffset: offset, type: type, name: Array(nameStart[..<nameLength]))
        }
    }
}
