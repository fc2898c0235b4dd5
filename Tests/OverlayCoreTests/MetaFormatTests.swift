import Foundation
import MinifoSystem
import OverlayCore
import Testing

/// The file format written down independently of the store, from docs/meta-format.md.
enum MetaBytes {
    static let magic: [UInt8] = [0x89, 0x4D, 0x46, 0x4D, 0x45, 0x54, 0x41, 0x0A]

    /// Bit-at-a-time CRC-32C, the slowest and plainest form.
    static func crc32c(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    static func header(base: String) -> [UInt8] {
        let fields = magic + le(UInt32(1)) + le(UInt32(base.utf8.count)) + Array(base.utf8)
        return fields + le(crc32c(fields))
    }

    static func record(kind: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let body = [kind] + payload
        return le(UInt32(body.count)) + body + le(crc32c(body))
    }

    static func path(_ string: String) -> [UInt8] { le(UInt16(string.utf8.count)) + Array(string.utf8) }

    /// The records after the header: offset, kind and payload. Stops at the first bad frame.
    static func records(_ file: [UInt8]) -> [(offset: Int, kind: UInt8, payload: [UInt8])] {
        var offset = 20 + Int(uint32(file, at: 12))
        var result: [(Int, UInt8, [UInt8])] = []
        while offset + 9 <= file.count {
            let length = Int(uint32(file, at: offset))
            guard length >= 1, offset + 8 + length <= file.count else { break }
            let body = Array(file[offset + 4..<offset + 4 + length])
            guard uint32(file, at: offset + 4 + length) == crc32c(body) else { break }
            result.append((offset, body[0], Array(body.dropFirst())))
            offset += 8 + length
        }
        return result
    }
}

@Suite struct MetaFormatTests {
    @Test func referenceChecksumMatchesTheStandardCheckValue() {
        #expect(MetaBytes.crc32c(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func headerAndRecordsAreLaidOutAsDocumented() throws {
        let fixture = try MetaFixture()
        let store = try fixture.open(base: "/b")
        try store.setDeleted(metaPath("a"), true)
        try store.setOpaque(metaPath("a/b"), true)
        try store.setRedirect(metaPath("n"), to: metaPath("o"))
        try store.setAttributes(metaPath("a"), MetaAttributes(mode: 0o644, mtime: Timespec(seconds: -1, nanoseconds: 5)))
        try store.setXattr(metaPath("a"), name: [0x78], value: [1, 2])
        try store.setXattr(metaPath("a"), name: [0x79], value: nil)
        try store.clearXattrs(metaPath("a"))
        try store.setInode(metaPath("a"), 0x0102_0304_0506_0708)
        try store.setInode(metaPath("a"), nil)
        try store.rename(metaPath("a"), to: metaPath("c"))
        try store.removeTree(metaPath("c"))

        let expected = MetaBytes.header(base: "/b")
            + MetaBytes.record(kind: 1, MetaBytes.path("a") + [1])
            + MetaBytes.record(kind: 2, MetaBytes.path("a/b") + [1])
            + MetaBytes.record(kind: 3, MetaBytes.path("n") + [1] + MetaBytes.path("o"))
            + MetaBytes.record(kind: 4, MetaBytes.path("a") + [0x11] + MetaBytes.le(UInt32(0o644))
                + MetaBytes.le(Int64(-1)) + MetaBytes.le(UInt32(5)))
            + MetaBytes.record(kind: 5, MetaBytes.path("a") + [1, 0x78, 1] + MetaBytes.le(UInt32(2)) + [1, 2])
            + MetaBytes.record(kind: 5, MetaBytes.path("a") + [1, 0x79, 0])
            + MetaBytes.record(kind: 6, MetaBytes.path("a"))
            + MetaBytes.record(kind: 7, MetaBytes.path("a") + [1] + MetaBytes.le(UInt64(0x0102_0304_0506_0708)))
            + MetaBytes.record(kind: 7, MetaBytes.path("a") + [0])
            + MetaBytes.record(kind: 8, MetaBytes.path("a") + MetaBytes.path("c"))
            + MetaBytes.record(kind: 9, MetaBytes.path("c"))
        #expect(try fixture.metaBytes() == expected)
    }

    @Test func theDocumentedExampleIsExact() throws {
        let fixture = try MetaFixture()
        try fixture.open(base: "/b").setDeleted(metaPath("a/b c"), true)
        let example = """
            89 4d 46 4d 45 54 41 0a 01 00 00 00 02 00 00 00 2f 62 0d 13 1d 03
            09 00 00 00 01 05 00 61 2f 62 20 63 01 39 4a 33 51
            """
        #expect(try fixture.metaBytes() == example.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16)! })
    }

    @Test func aHandWrittenFileIsReadBack() throws {
        let fixture = try MetaFixture()
        try fixture.writeMeta(MetaBytes.header(base: MetaFixture.base)
            + MetaBytes.record(kind: 4, MetaBytes.path("") + [0x06] + MetaBytes.le(UInt32(1)) + MetaBytes.le(UInt32(2)))
            + MetaBytes.record(kind: 1, MetaBytes.path("x/y") + [1])
            + MetaBytes.record(kind: 7, MetaBytes.path("x/y") + [1] + MetaBytes.le(UInt64(77)))
            + MetaBytes.record(kind: 8, MetaBytes.path("x") + MetaBytes.path("z"))
            + MetaBytes.record(kind: 1, MetaBytes.path("x/y") + [0]))
        let store = try fixture.open()
        #expect(store.warnings.isEmpty)
        #expect(store.attributes(.root) == MetaAttributes(uid: 1, gid: 2))
        #expect(store.isDeleted(metaPath("z/y")))
        #expect(store.inode(metaPath("z/y")) == 77)
        #expect(!store.hasRecords(below: metaPath("x")))
        #expect(store.fileRecordCount == 5)
        #expect(store.liveRecordCount == 3)
    }

    @Test func recordsThatBreakTheRulesAreCorruptEvenWithAGoodChecksum() throws {
        let bad: [[UInt8]] = [
            MetaBytes.record(kind: 0, MetaBytes.path("a") + [1]),
            MetaBytes.record(kind: 10, MetaBytes.path("a") + [1]),
            MetaBytes.record(kind: 0xFF, []),
            MetaBytes.record(kind: 1, MetaBytes.path("a") + [2]),
            MetaBytes.record(kind: 1, MetaBytes.path("a") + [1, 0]),
            MetaBytes.record(kind: 1, MetaBytes.path("a")),
            MetaBytes.record(kind: 1, MetaBytes.path("/a") + [1]),
            MetaBytes.record(kind: 1, MetaBytes.path("a//b") + [1]),
            MetaBytes.record(kind: 1, MetaBytes.path("a/../b") + [1]),
            MetaBytes.record(kind: 1, MetaBytes.path("a/.") + [1]),
            MetaBytes.record(kind: 1, MetaBytes.path("a/") + [1]),
            MetaBytes.record(kind: 1, MetaBytes.le(UInt16(3)) + [0x61, 0, 0x62] + [1]),
            MetaBytes.record(kind: 1, MetaBytes.le(UInt16(256)) + [UInt8](repeating: 0x61, count: 256) + [1]),
            MetaBytes.record(kind: 1, MetaBytes.path("") + [1]),
            MetaBytes.record(kind: 1, MetaBytes.le(UInt16(9)) + [0x61]),
            MetaBytes.record(kind: 3, MetaBytes.path("a") + [1] + MetaBytes.path("")),
            MetaBytes.record(kind: 4, MetaBytes.path("a") + [0x20]),
            MetaBytes.record(kind: 4, MetaBytes.path("a") + [0x08] + MetaBytes.le(Int64(0)) + MetaBytes.le(UInt32(1_000_000_000))),
            MetaBytes.record(kind: 5, MetaBytes.path("a") + [0, 0]),
            MetaBytes.record(kind: 5, MetaBytes.path("a") + [1, 0x78, 1] + MetaBytes.le(UInt32(65537)) + [UInt8](repeating: 0, count: 65537)),
            MetaBytes.record(kind: 5, MetaBytes.path("a") + [1, 0x78, 1] + MetaBytes.le(UInt32(3)) + [1]),
            MetaBytes.record(kind: 7, MetaBytes.path("a") + [1, 1, 2]),
            MetaBytes.record(kind: 8, MetaBytes.path("a") + MetaBytes.path("a/b")),
            MetaBytes.record(kind: 8, MetaBytes.path("") + MetaBytes.path("a")),
        ]
        for record in bad {
            let fixture = try MetaFixture()
            let good = MetaBytes.record(kind: 1, MetaBytes.path("ok") + [1])
            let header = MetaBytes.header(base: MetaFixture.base)
            // Last in the file as well as in the middle: a whole record with a good checksum
            // was written completely, so it is never taken for a torn append.
            for file in [header + good + record, header + good + record + good] {
                try fixture.writeMeta(file)
                #expect {
                    _ = try fixture.open()
                } throws: { error in
                    guard case MetaError.corrupt(let offset, _) = error else { return false }
                    return offset == header.count + good.count
                }
                #expect(try fixture.metaBytes() == file)
            }
        }
    }

    @Test func theErrorNamesTheFileTheOffsetAndTheWayOut() {
        let text = "\(MetaError.corrupt(offset: 1234, reason: "a record's checksum does not match"))"
        #expect(text.contains("META_dAfFgHE39ktF3HD2sr"))
        #expect(text.contains("1234"))
        #expect(text.contains("checksum"))
        #expect(text.contains("minifo check --repair"))
    }
}
