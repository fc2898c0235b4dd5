import FUSEProtocol
import Testing

@Suite("DirentEncoder")
struct DirentEncoderTests {
    /// fuse_dirent written by hand.
    private func dirent(ino: UInt64, offset: UInt64, type: UInt32, name: String) -> [UInt8] {
        let nameLength = name.utf8.count
        let padding = (8 - (24 + nameLength) % 8) % 8
        return Wire { w in
            w.u64(ino)
            w.u64(offset)
            w.u32(UInt32(nameLength))
            w.u32(type)
            w.raw(name)
            w.zeros(padding)
        }.bytes
    }

    private typealias Record = (ino: UInt64, offset: UInt64, type: UInt32, name: String, entry: EntryOut?)

    /// Appends each record (`#expect` cannot hold a mutating call) and returns which fitted.
    private func append(_ encoder: inout DirentEncoder, _ records: [Record]) -> [Bool] {
        records.map {
            encoder.append(ino: $0.ino, offset: $0.offset, type: $0.type, name: $0.name.utf8, entry: $0.entry)
        }
    }

    private func encoded(_ encoder: DirentEncoder, unique: UInt64) -> [UInt8] {
        var buffer: [UInt8] = []
        encoder.encode(unique: unique, into: &buffer)
        return buffer
    }

    @Test func paddingToEightBytes() {
        for length in 1...17 {
            var encoder = DirentEncoder(maxSize: 4096, plus: false)
            let name = String(repeating: "n", count: length)
            #expect(append(&encoder, [(5, 1, 8, name, nil)]) == [true])
            let record = dirent(ino: 5, offset: 1, type: 8, name: name)
            #expect(record.count == (24 + length + 7) / 8 * 8)
            #expect(encoded(encoder, unique: Fixture.unique) == Fixture.outHeader(length: 16 + record.count) + record)
        }
    }

    @Test func severalRecords() {
        var encoder = DirentEncoder(maxSize: 4096, plus: false)
        #expect(encoder.isEmpty)
        // Plain READDIR ignores the entry.
        let fitted = append(&encoder, [
            (1, 1, 4, ".", nil), (1, 2, 4, "..", nil), (9, 3, 10, "a-symlink", Fixture.entry),
        ])
        #expect(fitted == [true, true, true])
        #expect(!encoder.isEmpty)
        let records = dirent(ino: 1, offset: 1, type: 4, name: ".")
            + dirent(ino: 1, offset: 2, type: 4, name: "..")
            + dirent(ino: 9, offset: 3, type: 10, name: "a-symlink")
        #expect(encoded(encoder, unique: 7) == Fixture.outHeader(length: 16 + records.count, unique: 7) + records)
    }

    @Test func overflowAppendsNothing() {
        // Two 32-byte records fit exactly in 64; the third does not, nor does any after it.
        var encoder = DirentEncoder(maxSize: 64, plus: false)
        let fitted = append(&encoder, [(1, 1, 8, "aaaaaaaa", nil), (2, 2, 8, "b", nil), (3, 3, 8, "c", nil)])
        #expect(fitted == [true, true, false])
        #expect(encoded(encoder, unique: 1) == Fixture.outHeader(length: 80, unique: 1)
            + dirent(ino: 1, offset: 1, type: 8, name: "aaaaaaaa") + dirent(ino: 2, offset: 2, type: 8, name: "b"))
    }

    @Test func paddingCountsAgainstMaxSize() {
        var encoder = DirentEncoder(maxSize: 31, plus: false)
        #expect(append(&encoder, [(1, 1, 8, "x", nil)]) == [false])
        #expect(encoder.isEmpty)
        for maxSize in [0, -1, Int.min] {
            var tiny = DirentEncoder(maxSize: maxSize, plus: true)
            #expect(append(&tiny, [(1, 1, 8, "x", nil)]) == [false])
        }
    }

    @Test func emptyReplyMeansEndOfDirectory() {
        let empty = DirentEncoder(maxSize: 4096, plus: true)
        #expect(encoded(empty, unique: 3) == Fixture.outHeader(length: 16, unique: 3))
    }

    @Test func readdirplusLayout() {
        var encoder = DirentEncoder(maxSize: 4096, plus: true)
        #expect(append(&encoder, [(1, 1, 4, ".", nil), (77, 2, 8, "file", Fixture.entry)]) == [true, true])
        // No entry is a zeroed fuse_entry_out: node ID 0, no lookup taken.
        let dot = Array(repeating: UInt8(0), count: 128) + dirent(ino: 1, offset: 1, type: 4, name: ".")
        let file = Fixture.entryBytes + dirent(ino: 77, offset: 2, type: 8, name: "file")
        #expect(dot.count == 160 && file.count == 160)
        #expect(encoded(encoder, unique: 4) == Fixture.outHeader(length: 16 + 320, unique: 4) + dot + file)
    }

    @Test func readdirplusOverflow() {
        // fuse_direntplus with a 1-byte name is 128 + 24 + 1, padded to 160.
        var encoder = DirentEncoder(maxSize: 319, plus: true)
        #expect(append(&encoder, [(1, 1, 8, "a", Fixture.entry), (2, 2, 8, "b", Fixture.entry)]) == [true, false])
        #expect(encoded(encoder, unique: 1).count == 16 + 160)
    }
}
