import MinifoSystem
import OverlayCore

/// An object in one layer: the layer's root descriptor, its path there and its attributes.
struct LayerObject {
    var root: Descriptor<ReadOnly>
    var path: RelativePath
    var stat: FileStat
}

/// What differs between a base object and a storage object. Directory times are not compared
/// (adding or removing an entry changes them), nor access times (reading changes them).
func differences(from before: LayerObject, to after: LayerObject) throws(Errno) -> Differences {
    var result = Differences()
    let type = after.stat.fileType
    result.type = before.stat.fileType != type
    if !result.type {
        switch type {
        case .regular:
            result.data = try !sameContents(before, after)
        case .symlink:
            result.data = try readlinkat(before.root, before.path.bytes) != readlinkat(after.root, after.path.bytes)
        case .characterDevice, .blockDevice:
            result.data = before.stat.rdev != after.stat.rdev
        default:
            break
        }
    }
    result.mode = type != .symlink && before.stat.mode & 0o7777 != after.stat.mode & 0o7777
    result.owner = before.stat.uid != after.stat.uid || before.stat.gid != after.stat.gid
    result.modificationTime = type != .directory && before.stat.modificationTime != after.stat.modificationTime
    result.xattrs = try xattrChanges(from: allXattrs(before), to: allXattrs(after))
    return result
}

/// What differs between a base object and the same object with META's records applied.
func differences(from before: LayerObject, recorded state: MetaState) throws(Errno) -> Differences {
    var result = Differences()
    if let attributes = state.attributes {
        if let mode = attributes.mode { result.mode = mode & 0o7777 != before.stat.mode & 0o7777 }
        if let uid = attributes.uid, uid != before.stat.uid { result.owner = true }
        if let gid = attributes.gid, gid != before.stat.gid { result.owner = true }
        let isDirectory = before.stat.fileType == .directory
        if let mtime = attributes.mtime, !isDirectory { result.modificationTime = mtime != before.stat.modificationTime }
        if let atime = attributes.atime, !isDirectory { result.accessTime = atime != before.stat.accessTime }
    }
    if !state.xattrs.isEmpty {
        let own = try allXattrs(before)
        var after = own
        for (name, value) in state.xattrs { after[name] = value }
        result.xattrs = xattrChanges(from: own, to: after)
    }
    return result
}

func xattrChanges(from before: [[UInt8]: [UInt8]], to after: [[UInt8]: [UInt8]]) -> [XattrChange] {
    Set(before.keys).union(after.keys)
        .filter { before[$0] != after[$0] }
        .sorted { $0.lexicographicallyPrecedes($1) }
        .map { XattrChange(name: $0, before: before[$0], after: after[$0]) }
}

func allXattrs(_ object: LayerObject) throws(Errno) -> [[UInt8]: [UInt8]] {
    do {
        var result: [[UInt8]: [UInt8]] = [:]
        for (name, value) in try ExtendedAttributes.all(object.root, object.path.bytes) { result[name] = value }
        return result
    } catch .ENOTSUP {
        return [:]
    }
}

/// Opens a regular file of a layer for reading, without changing its access time where the
/// caller may do that.
func openForReading(_ object: LayerObject) throws(Errno) -> OwnedDescriptor<ReadOnly> {
    do {
        return OwnedDescriptor(owning: try openat(object.root, object.path.bytes, [.noFollow, .nonBlocking, .noAccessTime]))
    } catch .EPERM {
        return OwnedDescriptor(owning: try openat(object.root, object.path.bytes, [.noFollow, .nonBlocking]))
    }
}

private func sameContents(_ a: LayerObject, _ b: LayerObject) throws(Errno) -> Bool {
    if a.stat.size != b.stat.size { return false }
    let first = try openForReading(a)
    let second = try openForReading(b)
    var left = uninitializedBuffer(count: 256 * 1024)
    var right = uninitializedBuffer(count: 256 * 1024)
    var offset: Int64 = 0
    while true {
        let count = try readFull(first.descriptor, into: &left, offset: offset)
        guard try readFull(second.descriptor, into: &right, offset: offset) == count,
              left[0..<count].elementsEqual(right[0..<count]) else { return false }
        if count < left.count { return true }
        offset += Int64(count)
    }
}

/// pread(2) until `buffer` is full or the file ends; the byte count read.
func readFull(_ fd: Descriptor<some FileTree>, into buffer: inout [UInt8], offset: Int64) throws(Errno) -> Int {
    var done = 0
    var chunk: [UInt8] = []
    while done < buffer.count {
        if done == 0 {
            let n = try pread(fd, into: &buffer, count: buffer.count, offset: offset)
            if n == 0 { break }
            done = n
            continue
        }
        if chunk.count != buffer.count - done { chunk = uninitializedBuffer(count: buffer.count - done) }
        let n = try pread(fd, into: &chunk, count: chunk.count, offset: offset + Int64(done))
        if n == 0 { break }
        buffer.replaceSubrange(done..<done + n, with: chunk[0..<n])
        done += n
    }
    return done
}

/// lstat(2) relative to a layer root; nil when nothing is there.
func statIfPresent(_ root: Descriptor<some FileTree>, _ path: RelativePath) throws(Errno) -> FileStat? {
    do {
        return try lstatat(root, path.bytes)
    } catch .ENOENT, .ENOTDIR {
        return nil
    }
}

extension RelativePath {
    /// The last component; the root's is ".".
    public var name: [UInt8] {
        guard let slash = bytes.lastIndex(of: 0x2F) else { return bytes }
        return Array(bytes[(slash + 1)...])
    }

    /// Whether this path is `other` or lies below it.
    public func isWithin(_ other: RelativePath) -> Bool {
        if other.isRoot || self == other { return true }
        return bytes.count > other.bytes.count && bytes.starts(with: other.bytes) && bytes[other.bytes.count] == 0x2F
    }

    /// This path with the leading `prefix` (which it is within) replaced by `replacement`.
    func moved(from prefix: RelativePath, to replacement: RelativePath) -> RelativePath {
        if self == prefix { return replacement }
        let rest = prefix.isRoot ? bytes[...] : bytes[(prefix.bytes.count + 1)...]
        return replacement.appending(rest)
    }
}
