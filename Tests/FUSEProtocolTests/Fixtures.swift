import FUSEProtocol

/// Assembles little-endian kernel structs field by field, independently of
/// the module's own encoders.
struct Wire {
    private(set) var bytes: [UInt8] = []

    init() {}

    init(_ build: (inout Wire) -> Void) {
        build(&self)
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { append(value) }
    mutating func u32(_ value: UInt32) { append(value) }
    mutating func i32(_ value: Int32) { append(value) }
    mutating func u64(_ value: UInt64) { append(value) }
    mutating func i64(_ value: Int64) { append(value) }
    mutating func zeros(_ count: Int) { bytes += Array(repeating: 0, count: count) }
    mutating func raw(_ text: String) { bytes += Array(text.utf8) }
    mutating func raw(_ data: [UInt8]) { bytes += data }
    /// A C string: the bytes and a NUL.
    mutating func cString(_ text: String) { raw(text); u8(0) }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        for offset in 0..<MemoryLayout<T>.size {
            bytes.append(UInt8(truncatingIfNeeded: value >> (8 * offset)))
        }
    }
}

enum Fixture {
    static let unique: UInt64 = 0x0102_0304_0506_0708
    static let nodeID: UInt64 = 0x1122_3344_5566_7788
    static let uid: UInt32 = 1000
    static let gid: UInt32 = 1001
    static let pid: UInt32 = 4242

    /// fuse_in_header + payload + extensions, with len and total_extlen filled in.
    static func request(_ opcode: UInt32, unique: UInt64 = unique, nodeID: UInt64 = nodeID,
                        payload: [UInt8] = [], extensions: [UInt8] = []) -> [UInt8] {
        precondition(extensions.count % 8 == 0)
        return Wire { w in
            w.u32(UInt32(40 + payload.count + extensions.count))
            w.u32(opcode)
            w.u64(unique)
            w.u64(nodeID)
            w.u32(uid)
            w.u32(gid)
            w.u32(pid)
            w.u16(UInt16(extensions.count / 8))
            w.u16(0)
            w.raw(payload)
            w.raw(extensions)
        }.bytes
    }

    static func request(_ opcode: Opcode, payload: (inout Wire) -> Void) -> [UInt8] {
        request(opcode.rawValue, payload: Wire(payload).bytes)
    }

    /// fuse_out_header.
    static func outHeader(length: Int, error: Int32 = 0, unique: UInt64 = unique) -> [UInt8] {
        Wire { w in
            w.u32(UInt32(length))
            w.i32(error)
            w.u64(unique)
        }.bytes
    }

    /// A FUSE_EXT_GROUPS extension (fuse_ext_header + fuse_supp_groups), padded to 8.
    static func groupsExtension(_ groups: [UInt32]) -> [UInt8] {
        let unpadded = 8 + 4 + 4 * groups.count
        let size = (unpadded + 7) & ~7
        return Wire { w in
            w.u32(UInt32(size))
            w.u32(32)
            w.u32(UInt32(groups.count))
            for group in groups { w.u32(group) }
            w.zeros(size - unpadded)
        }.bytes
    }

    static let attr = Attr(
        ino: 0x0A0B_0C0D_0E0F_1011, size: 123_456_789, blocks: 241_128,
        atime: 1_700_000_001, mtime: -2, ctime: 1_700_000_003,
        atimeNsec: 11, mtimeNsec: 999_999_999, ctimeNsec: 33,
        mode: 0o100644, nlink: 2, uid: 1000, gid: 1001, rdev: 0x0801, blksize: 4096, flags: 0)

    /// fuse_attr of `attr`, written by hand.
    static let attrBytes: [UInt8] = Wire { w in
        w.u64(0x0A0B_0C0D_0E0F_1011)
        w.u64(123_456_789)
        w.u64(241_128)
        w.u64(1_700_000_001)
        w.u64(0xFFFF_FFFF_FFFF_FFFE)
        w.u64(1_700_000_003)
        w.u32(11)
        w.u32(999_999_999)
        w.u32(33)
        w.u32(0o100644)
        w.u32(2)
        w.u32(1000)
        w.u32(1001)
        w.u32(0x0801)
        w.u32(4096)
        w.u32(0)
    }.bytes

    static let entry = EntryOut(nodeID: 77, generation: 3, entryValid: 1, attrValid: 2,
                                entryValidNsec: 500, attrValidNsec: 600, attr: attr)

    /// fuse_entry_out of `entry`, written by hand.
    static let entryBytes: [UInt8] = Wire { w in
        w.u64(77)
        w.u64(3)
        w.u64(1)
        w.u64(2)
        w.u32(500)
        w.u32(600)
        w.raw(attrBytes)
    }.bytes
}

/// Decodes a whole array at negotiated minor 45 unless told otherwise.
func decode(_ bytes: [UInt8], minor: UInt32 = kernelMinor,
            negotiated: InitFlags = []) throws(DecodeError) -> (RequestHeader, Request) {
    try decodeRequest(bytes[...], protocolMinor: minor, negotiated: negotiated)
}

func decodeRequestOnly(_ bytes: [UInt8], minor: UInt32 = kernelMinor,
                       negotiated: InitFlags = []) throws(DecodeError) -> Request {
    try decode(bytes, minor: minor, negotiated: negotiated).1
}

func slice(_ text: String) -> ArraySlice<UInt8> {
    ArraySlice(text.utf8)
}

