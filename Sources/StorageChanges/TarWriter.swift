import MinifoSystem

/// One member of a tar archive.
public struct TarEntry {
    public enum Kind: UInt8 {
        case regular = 0x30, hardLink = 0x31, symlink = 0x32, characterDevice = 0x33, blockDevice = 0x34
        case directory = 0x35, fifo = 0x36
    }

    /// Relative, without a leading "./" or a trailing "/" (added for directories).
    public var path: [UInt8]
    public var kind: Kind
    /// Permission bits (07777).
    public var mode: UInt32
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    /// For a regular file: how many bytes of data follow.
    public var size: Int64 = 0
    public var modificationTime = Timespec(seconds: 0, nanoseconds: 0)
    /// A symlink's target, or the earlier member a hard link names.
    public var link: [UInt8] = []
    public var deviceMajor: UInt64 = 0
    public var deviceMinor: UInt64 = 0
    /// Written as `SCHILY.xattr.NAME` pax records, as GNU tar and bsdtar read them.
    public var xattrs: [([UInt8], [UInt8])] = []

    public init(path: [UInt8], kind: Kind, mode: UInt32) {
        self.path = path
        self.kind = kind
        self.mode = mode
    }
}

/// Writes a POSIX.1-2001 (pax) tar archive: a ustar header per member, preceded by a pax
/// extended header (`x`) holding whatever ustar cannot: a long or non-UTF-8 name or link
/// target, large ids or sizes, nanosecond times, xattrs.
public struct TarWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// Bytes written so far.
    public private(set) var size: Int64 = 0

    public init(fd: Int32) { self.fd = fd }

    /// Adds a member; a regular file's `size` bytes of data come from `data` (read from its
    /// start; a file that has shrunk since is padded with zeros).
    public mutating func append(_ entry: TarEntry, data: Descriptor<ReadOnly>? = nil) throws(Errno) {
        var path = entry.path
        if entry.kind == .directory { path.append(0x2F) }
        var records: [(String, [UInt8])] = []
        let split = Self.split(path)
        if split == nil { records.append(("path", path)) }
        if entry.link.count > 100 { records.append(("linkpath", entry.link)) }
        if !UTF8Validation.isValid(path) || !UTF8Validation.isValid(entry.link) { records.insert(("hdrcharset", Array("BINARY".utf8)), at: 0) }
        if entry.uid > 0o7777777 { records.append(("uid", Array(String(entry.uid).utf8))) }
        if entry.gid > 0o7777777 { records.append(("gid", Array(String(entry.gid).utf8))) }
        if entry.size > 0o77777777777 { records.append(("size", Array(String(entry.size).utf8))) }
        let time = entry.modificationTime
        if time.nanoseconds != 0 || time.seconds < 0 || time.seconds > 0o77777777777 {
            records.append(("mtime", Array(Self.paxTime(time).utf8)))
        }
        for (name, value) in entry.xattrs { records.append(("SCHILY.xattr." + String(decoding: name, as: UTF8.self), value)) }
        if !records.isEmpty {
            var body: [UInt8] = []
            for (key, value) in records { body += Self.paxRecord(key, value) }
            var header = TarEntry(path: Array("PaxHeaders/".utf8) + Self.lastName(path).suffix(80), kind: .regular, mode: 0o644)
            header.size = Int64(body.count)
            header.modificationTime = Timespec(seconds: max(0, min(time.seconds, 0o77777777777)), nanoseconds: 0)
            try emit(Self.header(header, name: header.path, prefix: [], type: 0x78))
            try emit(body)
            try pad()
        }
        let (prefix, name) = split ?? ([], Array(path.suffix(100)))
        try emit(Self.header(entry, name: name, prefix: prefix, type: entry.kind.rawValue))
        if entry.kind == .regular && entry.size > 0 {
            try copy(from: data, count: entry.size)
            try pad()
        }
    }

    /// Two zero blocks end the archive; then everything is written out.
    public mutating func finish() throws(Errno) {
        try emit([UInt8](repeating: 0, count: 1024))
        try flush()
    }

    private mutating func copy(from fd: Descriptor<ReadOnly>?, count: Int64) throws(Errno) {
        var offset: Int64 = 0
        var chunk = uninitializedBuffer(count: 256 * 1024)
        while offset < count {
            let wanted = Int(min(Int64(chunk.count), count - offset))
            var got = 0
            if let fd { got = try pread(fd, into: &chunk, count: wanted, offset: offset) }
            if got == 0 {
                try emit([UInt8](repeating: 0, count: wanted))
                offset += Int64(wanted)
            } else {
                try emit(chunk[0..<got])
                offset += Int64(got)
            }
        }
    }

    private mutating func pad() throws(Errno) {
        let remainder = Int(size + Int64(buffer.count)) % 512
        if remainder != 0 { try emit([UInt8](repeating: 0, count: 512 - remainder)) }
    }

    private mutating func emit(_ bytes: some Collection<UInt8>) throws(Errno) {
        buffer += bytes
        if buffer.count >= 1 << 20 { try flush() }
    }

    private mutating func flush() throws(Errno) {
        var done = 0
        while done < buffer.count {
            let written = try write(fd, Array(buffer[done...]))
            done += written
        }
        size += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    // MARK: Headers

    /// The ustar prefix and name for a path: the name alone if it fits in 100 bytes, else cut
    /// at a "/" into a prefix of up to 155 bytes and a name of up to 100; nil when neither fits.
    static func split(_ path: [UInt8]) -> (prefix: [UInt8], name: [UInt8])? {
        if path.count <= 100 { return ([], path) }
        let limit = min(path.count - 1, 155)
        for cut in stride(from: limit, through: 1, by: -1) where path[cut] == 0x2F {
            let name = Array(path[(cut + 1)...])
            if name.count <= 100 && !name.isEmpty { return (Array(path[..<cut]), name) }
            break
        }
        return nil
    }

    private static func lastName(_ path: [UInt8]) -> [UInt8] {
        let trimmed = path.last == 0x2F ? Array(path.dropLast()) : path
        return trimmed.split(separator: 0x2F).last.map(Array.init) ?? trimmed
    }

    static func header(_ entry: TarEntry, name: [UInt8], prefix: [UInt8], type: UInt8) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: some Collection<UInt8>, at offset: Int, width: Int) {
            for (i, byte) in bytes.prefix(width).enumerated() { block[offset + i] = byte }
        }
        func octal(_ value: UInt64, at offset: Int, width: Int) {
            var digits = Array(String(value, radix: 8).utf8)
            if digits.count > width - 1 { digits = [0x30] }  // a pax record carries the real value
            put(Array(repeating: 0x30, count: width - 1 - digits.count) + digits, at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(UInt64(entry.mode & 0o7777), at: 100, width: 8)
        octal(UInt64(entry.uid), at: 108, width: 8)
        octal(UInt64(entry.gid), at: 116, width: 8)
        octal(UInt64(type == TarEntry.Kind.regular.rawValue || type == 0x78 ? entry.size : 0), at: 124, width: 12)
        octal(UInt64(max(0, entry.modificationTime.seconds)), at: 136, width: 12)
        block[156] = type
        put(entry.link, at: 157, width: 100)
        put(Array("ustar\u{0}00".utf8), at: 257, width: 8)
        octal(entry.deviceMajor, at: 329, width: 8)
        octal(entry.deviceMinor, at: 337, width: 8)
        put(prefix, at: 345, width: 155)
        put(Array(repeating: 0x20, count: 8), at: 148, width: 8)
        let sum = block.reduce(0) { $0 + Int($1) }
        let digits = Array(String(sum, radix: 8).utf8)
        put(Array(repeating: 0x30, count: 6 - digits.count) + digits + [0, 0x20], at: 148, width: 8)
        return block
    }

    /// `LENGTH KEY=VALUE\n`, where LENGTH counts the whole record, its own digits included.
    static func paxRecord(_ key: String, _ value: [UInt8]) -> [UInt8] {
        let rest = 1 + key.utf8.count + 1 + value.count + 1
        var length = rest + 1
        while String(length).utf8.count + rest != length { length = String(length).utf8.count + rest }
        return Array("\(length) \(key)=".utf8) + value + [0x0A]
    }

    static func paxTime(_ time: Timespec) -> String {
        if time.seconds < 0 && time.nanoseconds > 0 {
            // -1.5 s is seconds -2 and 500,000,000 ns.
            let nanoseconds = 1_000_000_000 - time.nanoseconds
            return "-\(-(time.seconds + 1)).\(TextFormatting.padded(nanoseconds, 9))"
        }
        return "\(time.seconds).\(TextFormatting.padded(time.nanoseconds, 9))"
    }
}
