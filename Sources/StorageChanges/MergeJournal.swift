import MinifoSystem
import OverlayCore

/// The journal of a merge, `META_dAfFgHE39ktF3HD2sr.merge` at the storage root: the base and
/// every planned step, written whole (built in the work directory, fsynced, renamed into place)
/// before the base is touched, then a progress record appended after each batch of steps, once
/// syncfs(2) has made the base's side of them durable. While it exists no mount, status or
/// revert opens the storage directory; the next `minifo merge` resumes from it.
///
/// ```
/// magic "\x89MFMERGE\n" | u32 version 1 | u32 n | n bytes base path | u32 step count | steps
///   | u32 CRC-32C of everything before it
/// then any number of: u32 steps done | u32 CRC-32C of those 4 bytes
/// ```
///
/// A step is a u8 kind and its fields; a path is a u32 length and its bytes (integers
/// little-endian). The last progress record with a good checksum counts.
enum MergeJournal {
    static let magic: [UInt8] = [0x89, 0x4D, 0x46, 0x4D, 0x45, 0x52, 0x47, 0x45]
    static let version: UInt32 = 1

    /// Writes the journal for `steps` and returns it opened for appending progress records.
    static func create(_ steps: [MergeStep], base: String, storageRoot: StorageDescriptor) throws(Errno) -> StorageDescriptor {
        var out = JournalWriter()
        out.bytes = magic
        out.u32(version)
        out.blob(Array(base.utf8))
        out.u32(UInt32(steps.count))
        for step in steps { out.step(step) }
        out.u32(CRC32C.checksum(out.bytes, 0..<out.bytes.count))
        do {
            try makeDirectory(storageRoot, Names.work, mode: 0o700)
        } catch .EEXIST {}
        let temporary = Names.work + Array("/merge-journal".utf8)
        do {
            try removeName(storageRoot, temporary, directory: false)
        } catch .ENOENT {}
        let fd = OwnedDescriptor(owning: try openat(storageRoot, temporary, [.writeOnly, .create, .exclusive, .noFollow], mode: 0o600))
        try writeAll(fd.descriptor, out.bytes, offset: 0)
        try synchronize(fd.descriptor)
        try rename(storageRoot, temporary, storageRoot, Names.merge, flags: .noReplace)
        try synchronizeDirectory(storageRoot)
        return try openat(storageRoot, Names.merge, [.writeOnly, .append, .noFollow])
    }

    /// Appends a progress record: the first `done` steps are done.
    static func record(done: Int, to fd: StorageDescriptor) throws(Errno) {
        var out = JournalWriter()
        out.u32(UInt32(done))
        out.u32(CRC32C.checksum(out.bytes, 0..<4))
        _ = try write(fd, out.bytes)
    }

    /// The journal of an interrupted merge, if there is one.
    static func read(storageRoot: StorageDescriptor) throws(MergeError) -> (base: String, steps: [MergeStep], done: Int)? {
        let bytes: [UInt8]
        do throws(Errno) {
            let fd = OwnedDescriptor(owning: try openat(storageRoot, Names.merge, [.noFollow]))
            let size = Int(try fstat(fd.descriptor).size)
            var buffer = uninitializedBuffer(count: size)
            guard try readFull(fd.descriptor, into: &buffer, offset: 0) == size else { throw .EIO }
            bytes = buffer
        } catch .ENOENT {
            return nil
        } catch {
            throw .io(error, "reading the merge journal")
        }
        var input = JournalReader(bytes: bytes)
        guard let parsed = input.journal() else { throw .damagedJournal }
        var done = 0
        while let count = input.progress() { done = min(Int(count), parsed.steps.count) }
        return (parsed.base, parsed.steps, done)
    }

    /// fsync(2) of a directory, reached through an O_PATH descriptor of it.
    static func synchronizeDirectory(_ root: StorageDescriptor) throws(Errno) {
        let fd = OwnedDescriptor(owning: try openat(root, [0x2E], [.directory]))
        try synchronize(fd.descriptor)
    }
}

private struct JournalWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func i64(_ value: Int64) {
        let bits = UInt64(bitPattern: value)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }

    mutating func blob(_ value: [UInt8]) {
        u32(UInt32(value.count))
        bytes += value
    }

    mutating func put(_ value: RelativePath) { blob(value.bytes) }

    mutating func time(_ value: Timespec?) {
        guard let value else { return }
        i64(value.seconds)
        i64(value.nanoseconds)
    }

    mutating func step(_ step: MergeStep) {
        switch step {
        case .setAside(let path, let number):
            u8(1); put(path); u32(number)
        case .place(let number, let at, let was):
            u8(2); u32(number); put(at); put(was)
        case .remove(let target):
            u8(3); put(target)
        case .empty(let target):
            u8(4); put(target)
        case .directory(let target):
            u8(5); put(target)
        case .copy(let target, let source):
            u8(6); put(target); put(source)
        case .link(let target, let existing):
            u8(7); put(target); put(existing)
        case .directoryMetadata(let target, let source, let listed):
            u8(8); put(target); put(source); u8(listed ? 1 : 0)
        case .recorded(let target, let attributes, let xattrs):
            u8(9); put(target)
            let a = attributes ?? MetaAttributes()
            u8((a.mode != nil ? 1 : 0) | (a.uid != nil ? 2 : 0) | (a.gid != nil ? 4 : 0) | (a.atime != nil ? 8 : 0) | (a.mtime != nil ? 16 : 0))
            if let mode = a.mode { u32(mode) }
            if let uid = a.uid { u32(uid) }
            if let gid = a.gid { u32(gid) }
            time(a.atime)
            time(a.mtime)
            u32(UInt32(xattrs.count))
            for xattr in xattrs {
                blob(xattr.name)
                if let value = xattr.value { u8(1); blob(value) } else { u8(0) }
            }
        case .times(let target, let access, let modification):
            u8(10); put(target); time(access); time(modification)
        }
    }
}

private struct JournalReader {
    let bytes: [UInt8]
    var offset = 0

    /// The header and steps, checksum checked; nil for anything malformed.
    mutating func journal() -> (base: String, steps: [MergeStep])? {
        guard bytes.count >= MergeJournal.magic.count, Array(bytes[0..<8]) == MergeJournal.magic else { return nil }
        offset = 8
        guard u32() == MergeJournal.version, let base = blob(), let count = u32() else { return nil }
        var steps: [MergeStep] = []
        for _ in 0..<count {
            guard let step = step() else { return nil }
            steps.append(step)
        }
        let end = offset
        guard let checksum = u32(), checksum == CRC32C.checksum(bytes, 0..<end) else { return nil }
        return (String(decoding: base, as: UTF8.self), steps)
    }

    /// The next progress record; nil at the end or at a torn one.
    mutating func progress() -> UInt32? {
        let start = offset
        guard let count = u32(), let checksum = u32(), checksum == CRC32C.checksum(bytes, start..<start + 4) else { return nil }
        return count
    }

    mutating func u8() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u32() -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        defer { offset += 4 }
        return (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << UInt32(8 * $1) }
    }

    mutating func i64() -> Int64? {
        guard offset + 8 <= bytes.count else { return nil }
        defer { offset += 8 }
        return Int64(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << UInt64(8 * $1) })
    }

    mutating func blob() -> [UInt8]? {
        guard let count = u32(), offset + Int(count) <= bytes.count else { return nil }
        defer { offset += Int(count) }
        return Array(bytes[offset..<offset + Int(count)])
    }

    mutating func path() -> RelativePath? { blob().map { RelativePath(bytes: $0) } }

    mutating func time(_ present: Bool) -> Timespec?? {
        guard present else { return .some(nil) }
        guard let seconds = i64(), let nanoseconds = i64() else { return nil }
        return Timespec(seconds: seconds, nanoseconds: nanoseconds)
    }

    mutating func step() -> MergeStep? {
        switch u8() {
        case 1:
            guard let path = path(), let number = u32() else { return nil }
            return .setAside(path, number: number)
        case 2:
            guard let number = u32(), let at = path(), let was = path() else { return nil }
            return .place(number: number, at: at, was: was)
        case 3: return path().map { .remove($0) }
        case 4: return path().map { .empty($0) }
        case 5: return path().map { .directory($0) }
        case 6:
            guard let target = path(), let source = path() else { return nil }
            return .copy(target, from: source)
        case 7:
            guard let target = path(), let existing = path() else { return nil }
            return .link(target, to: existing)
        case 8:
            guard let target = path(), let source = path(), let listed = u8() else { return nil }
            return .directoryMetadata(target, from: source, listed: listed == 1)
        case 9:
            guard let target = path(), let mask = u8() else { return nil }
            var a = MetaAttributes()
            if mask & 1 != 0 { guard let v = u32() else { return nil }; a.mode = v }
            if mask & 2 != 0 { guard let v = u32() else { return nil }; a.uid = v }
            if mask & 4 != 0 { guard let v = u32() else { return nil }; a.gid = v }
            guard let atime = time(mask & 8 != 0), let mtime = time(mask & 16 != 0), let count = u32() else { return nil }
            a.atime = atime
            a.mtime = mtime
            var xattrs: [RecordedXattr] = []
            for _ in 0..<count {
                guard let name = blob(), let present = u8() else { return nil }
                if present == 1 {
                    guard let value = blob() else { return nil }
                    xattrs.append(RecordedXattr(name: name, value: value))
                } else {
                    xattrs.append(RecordedXattr(name: name, value: nil))
                }
            }
            return .recorded(target, mask == 0 ? nil : a, xattrs: xattrs)
        case 10:
            guard let target = path(), let access = time(true) ?? nil, let modification = time(true) ?? nil else { return nil }
            return .times(target, access: access, modification: modification)
        default:
            return nil
        }
    }
}
