import MinifoSystem

/// The META file's bytes, as docs/meta-format.md describes them: a header naming the base,
/// then records framed as `[u32 length][u8 kind][payload][u32 CRC32C of kind and payload]`.
/// Every integer is little-endian. Nothing here does I/O.
enum MetaFormat {
    /// "\x89MFMETA\n": not text, and line-ending conversions damage it visibly.
    static let magic: [UInt8] = [0x89, 0x4D, 0x46, 0x4D, 0x45, 0x54, 0x41, 0x0A]
    static let version: UInt32 = 1
    static let maxBaseLength = 4095
    /// The longest kind and payload: an xattr record with the longest path, name and value.
    static let maxRecordLength = 1 + 2 + MetaPath.maxLength + 1 + MetaRecord.maxXattrNameLength + 1 + 4
        + MetaRecord.maxXattrValueLength

    /// Record kinds. Numbers are never reused.
    enum Kind: UInt8 {
        case whiteout = 1, opaque, redirect, attributes, xattr, clearXattrs, inode, rename, removeTree, baseLinks
        case prepare, commit
    }

    /// Why bytes do not decode.
    struct Invalid: Error {
        var offset: Int
        var reason: String
    }

    // MARK: Header

    /// Whether `base` can be recorded: an absolute path without NUL, at most PATH_MAX - 1 bytes.
    static func isValidBase(_ base: [UInt8]) -> Bool {
        base.first == 0x2F && base.count <= maxBaseLength && !base.contains(0)
    }

    static func header(base: [UInt8]) -> [UInt8] {
        var out = magic
        out.appendLittleEndian(version)
        out.appendLittleEndian(UInt32(base.count))
        out.append(contentsOf: base)
        out.appendLittleEndian(CRC32C.checksum(out, 0..<out.count))
        return out
    }

    /// The recorded base path and the header's length.
    static func decodeHeader(_ bytes: [UInt8]) throws(Invalid) -> (base: [UInt8], length: Int) {
        guard bytes.count >= 16 else { throw Invalid(offset: 0, reason: "the header is cut short") }
        guard bytes[0..<8].elementsEqual(magic) else { throw Invalid(offset: 0, reason: "it does not start like a minifo META file") }
        let baseLength = Int(bytes.littleEndianUInt32(at: 12))
        guard (1...maxBaseLength).contains(baseLength) else {
            throw Invalid(offset: 12, reason: "the header gives a base path length of \(baseLength) bytes")
        }
        let length = 16 + baseLength + 4
        guard bytes.count >= length else { throw Invalid(offset: 0, reason: "the header is cut short") }
        guard bytes.littleEndianUInt32(at: length - 4) == CRC32C.checksum(bytes, 0..<length - 4) else {
            throw Invalid(offset: 0, reason: "the header's checksum does not match")
        }
        let version = bytes.littleEndianUInt32(at: 8)
        guard version == Self.version else {
            throw Invalid(offset: 8, reason: "it has format version \(version), and this minifo reads version \(Self.version) only")
        }
        let base = Array(bytes[16..<16 + baseLength])
        guard isValidBase(base) else { throw Invalid(offset: 16, reason: "the recorded base is not an absolute path") }
        return (base, length)
    }

    // MARK: Records

    /// Appends `record`, framed, to `out`.
    static func encode(_ record: MetaRecord, into out: inout [UInt8]) {
        let start = out.count
        out.appendLittleEndian(UInt32(0))
        switch record {
        case .whiteout(let path, let on):
            out.append(Kind.whiteout.rawValue)
            out.appendPath(path)
            out.append(on ? 1 : 0)
        case .opaque(let path, let on):
            out.append(Kind.opaque.rawValue)
            out.appendPath(path)
            out.append(on ? 1 : 0)
        case .redirect(let path, let target):
            out.append(Kind.redirect.rawValue)
            out.appendPath(path)
            out.append(target == nil ? 0 : 1)
            if let target { out.appendPath(target) }
        case .attributes(let path, let attributes):
            out.append(Kind.attributes.rawValue)
            out.appendPath(path)
            out.appendAttributes(attributes ?? MetaAttributes())
        case .xattr(let path, let name, let value):
            out.append(Kind.xattr.rawValue)
            out.appendPath(path)
            out.append(UInt8(truncatingIfNeeded: name.count))
            out.append(contentsOf: name)
            out.append(value == nil ? 0 : 1)
            if let value {
                out.appendLittleEndian(UInt32(truncatingIfNeeded: value.count))
                out.append(contentsOf: value)
            }
        case .clearXattrs(let path):
            out.append(Kind.clearXattrs.rawValue)
            out.appendPath(path)
        case .inode(let path, let inode):
            out.append(Kind.inode.rawValue)
            out.appendPath(path)
            out.append(inode == nil ? 0 : 1)
            if let inode { out.appendLittleEndian(inode) }
        case .baseLinks(let path, let count):
            out.append(Kind.baseLinks.rawValue)
            out.appendPath(path)
            out.append(count == nil ? 0 : 1)
            if let count { out.appendLittleEndian(count) }
        case .rename(let from, let to):
            out.append(Kind.rename.rawValue)
            out.appendPath(from)
            out.appendPath(to)
        case .removeTree(let path):
            out.append(Kind.removeTree.rawValue)
            out.appendPath(path)
        case .prepare(let id, let condition, let records):
            out.append(Kind.prepare.rawValue)
            out.appendLittleEndian(id)
            out.append(condition.kind.rawValue)
            out.appendPath(condition.path)
            out.appendLittleEndian(condition.inode)
            out.appendLittleEndian(UInt16(truncatingIfNeeded: records.count))
            for record in records {
                // Without a checksum of its own: a nested record must never look like a record of
                // the file, or a damaged or torn one would seem to be followed by valid records.
                encode(record, into: &out)
                out.removeLast(4)
            }
        case .commit(let id, let applied):
            out.append(Kind.commit.rawValue)
            out.appendLittleEndian(id)
            out.append(applied ? 1 : 0)
        }
        let length = out.count - start - 4
        out.setLittleEndian(UInt32(length), at: start)
        out.appendLittleEndian(CRC32C.checksum(out, start + 4..<out.count))
    }

    /// What framing finds at an offset: the kind-and-payload range of a record whose length and
    /// checksum are right, or why there is none.
    enum Frame {
        case record(Range<Int>)
        case damaged(String)
    }

    static func frame(in bytes: [UInt8], at offset: Int) -> Frame {
        let remaining = bytes.count - offset
        guard remaining >= 4 else { return .damaged("a record is cut short") }
        let length = Int(bytes.littleEndianUInt32(at: offset))
        guard (1...maxRecordLength).contains(length) else { return .damaged("a record claims a length of \(length) bytes") }
        guard remaining >= 4 + length + 4 else { return .damaged("a record is cut short") }
        let body = offset + 4..<offset + 4 + length
        guard bytes.littleEndianUInt32(at: body.upperBound) == CRC32C.checksum(bytes, body) else {
            return .damaged("a record's checksum does not match")
        }
        return .record(body)
    }

    /// Whether a well-framed record starts anywhere after `offset`: the test that tells damage
    /// in the middle of the file from an append torn by a crash. Bytes crafted to look like
    /// long records at every offset could make the search quadratic, so after checksumming
    /// 8 MiB it gives up and answers yes: refusing the file is the safe side.
    static func hasRecord(in bytes: [UInt8], after offset: Int) -> Bool {
        var budget = 8 << 20
        var candidate = offset + 1
        while candidate + 9 <= bytes.count {
            let length = Int(bytes.littleEndianUInt32(at: candidate))
            if (1...maxRecordLength).contains(length) && candidate + 8 + length <= bytes.count {
                budget -= length
                if budget < 0 { return true }
                if case .record = frame(in: bytes, at: candidate) { return true }
            }
            candidate += 1
        }
        return false
    }

    /// The record whose kind and payload are `bytes[body]`. Errors give the record's offset.
    static func decode(_ bytes: [UInt8], _ body: Range<Int>) throws(Invalid) -> MetaRecord {
        var reader = Reader(bytes: bytes, start: body.lowerBound - 4, position: body.lowerBound, end: body.upperBound)
        let code = try reader.byte()
        guard let kind = Kind(rawValue: code) else { throw reader.invalid("a record has the unknown kind \(code)") }
        let record: MetaRecord
        switch kind {
        case .whiteout: record = .whiteout(try reader.path(), try reader.flag())
        case .opaque: record = .opaque(try reader.path(), try reader.flag())
        case .redirect:
            let path = try reader.path()
            record = .redirect(path, to: try reader.flag() ? try reader.path() : nil)
        case .attributes: record = .attributes(try reader.path(), try reader.attributes())
        case .xattr:
            let path = try reader.path()
            let name = try reader.array(Int(try reader.byte()))
            let value = try reader.flag() ? try reader.array(Int(try reader.uint32())) : nil
            record = .xattr(path, name: name, value: value)
        case .clearXattrs: record = .clearXattrs(try reader.path())
        case .inode:
            let path = try reader.path()
            record = .inode(path, try reader.flag() ? try reader.uint64() : nil)
        case .rename: record = .rename(try reader.path(), to: try reader.path())
        case .removeTree: record = .removeTree(try reader.path())
        case .baseLinks:
            let path = try reader.path()
            record = .baseLinks(path, try reader.flag() ? try reader.uint32() : nil)
        case .prepare:
            let id = try reader.uint64()
            let code = try reader.byte()
            guard let kind = StorageCondition.Kind(rawValue: code) else { throw reader.invalid("a record has the unknown storage condition \(code)") }
            let condition = StorageCondition(kind: kind, path: try reader.path(), inode: try reader.uint64())
            var records: [MetaRecord] = []
            for _ in 0..<(try reader.uint16()) { records.append(try reader.record()) }
            record = .prepare(id: id, condition: condition, records)
        case .commit: record = .commit(id: try reader.uint64(), applied: try reader.flag())
        }
        guard reader.position == reader.end else { throw reader.invalid("a record has bytes after its payload") }
        if let problem = record.problem { throw reader.invalid("a record is invalid: \(problem)") }
        return record
    }

    /// Reads a payload, never past its end.
    private struct Reader {
        let bytes: [UInt8]
        let start: Int
        var position: Int
        let end: Int

        /// An error at the record's start, where its length field is.
        func invalid(_ reason: String) -> Invalid { Invalid(offset: start, reason: reason) }

        /// The range of the next `count` bytes, which are then behind.
        mutating func take(_ count: Int) throws(Invalid) -> Range<Int> {
            guard end - position >= count else { throw invalid("a record's payload is cut short") }
            defer { position += count }
            return position..<position + count
        }

        mutating func byte() throws(Invalid) -> UInt8 { bytes[try take(1).lowerBound] }

        mutating func uint16() throws(Invalid) -> UInt16 {
            let at = try take(2).lowerBound
            return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
        }

        mutating func uint32() throws(Invalid) -> UInt32 { bytes.littleEndianUInt32(at: try take(4).lowerBound) }

        mutating func uint64() throws(Invalid) -> UInt64 {
            let low = UInt64(try uint32())
            return low | UInt64(try uint32()) << 32
        }

        mutating func array(_ count: Int) throws(Invalid) -> [UInt8] { Array(bytes[try take(count)]) }

        mutating func flag() throws(Invalid) -> Bool {
            switch try byte() {
            case 0: return false
            case 1: return true
            case let other: throw invalid("a record has the flag value \(other)")
            }
        }

        /// A record nested in this one's payload: its length, kind and payload, and no checksum.
        mutating func record() throws(Invalid) -> MetaRecord {
            let length = Int(try uint32())
            guard (1...maxRecordLength).contains(length) else { throw invalid("a nested record claims a length of \(length) bytes") }
            let body = try take(length)
            // Checked before decoding, so that nesting cannot make decoding recurse.
            if bytes[body.lowerBound] == Kind.prepare.rawValue || bytes[body.lowerBound] == Kind.commit.rawValue {
                throw invalid("prepared changes that prepare or commit")
            }
            do {
                return try MetaFormat.decode(bytes, body)
            } catch {
                throw invalid(error.reason)
            }
        }

        mutating func path() throws(Invalid) -> MetaPath {
            guard let path = MetaPath(bytes, try take(Int(try uint16()))) else { throw invalid("a record holds an invalid path") }
            return path
        }

        mutating func timespec() throws(Invalid) -> Timespec {
            let seconds = Int64(bitPattern: try uint64())
            return Timespec(seconds: seconds, nanoseconds: Int64(try uint32()))
        }

        mutating func attributes() throws(Invalid) -> MetaAttributes? {
            let mask = try byte()
            guard mask & ~0x1F == 0 else { throw invalid("a record has the unknown attribute mask \(mask)") }
            if mask == 0 { return nil }
            var a = MetaAttributes()
            if mask & 0x01 != 0 { a.mode = try uint32() }
            if mask & 0x02 != 0 { a.uid = try uint32() }
            if mask & 0x04 != 0 { a.gid = try uint32() }
            if mask & 0x08 != 0 { a.atime = try timespec() }
            if mask & 0x10 != 0 { a.mtime = try timespec() }
            return a
        }
    }
}

extension [UInt8] {
    fileprivate mutating func appendLittleEndian(_ value: some FixedWidthInteger) {
        var v = value
        for _ in 0..<MemoryLayout.size(ofValue: value) {
            append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    fileprivate mutating func setLittleEndian(_ value: UInt32, at offset: Int) {
        for i in 0..<4 { self[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    fileprivate func littleEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16 | UInt32(self[offset + 3]) << 24
    }

    fileprivate mutating func appendPath(_ path: MetaPath) {
        let bytes = path.bytes
        appendLittleEndian(UInt16(truncatingIfNeeded: bytes.count))
        append(contentsOf: bytes)
    }

    fileprivate mutating func appendAttributes(_ a: MetaAttributes) {
        var mask: UInt8 = 0
        if a.mode != nil { mask |= 0x01 }
        if a.uid != nil { mask |= 0x02 }
        if a.gid != nil { mask |= 0x04 }
        if a.atime != nil { mask |= 0x08 }
        if a.mtime != nil { mask |= 0x10 }
        append(mask)
        if let mode = a.mode { appendLittleEndian(mode) }
        if let uid = a.uid { appendLittleEndian(uid) }
        if let gid = a.gid { appendLittleEndian(gid) }
        if let atime = a.atime { appendTimespec(atime) }
        if let mtime = a.mtime { appendTimespec(mtime) }
    }

    fileprivate mutating func appendTimespec(_ time: Timespec) {
        appendLittleEndian(UInt64(bitPattern: time.seconds))
        appendLittleEndian(UInt32(truncatingIfNeeded: time.nanoseconds))
    }
}
