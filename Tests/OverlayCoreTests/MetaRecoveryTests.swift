import TestSupport
import Foundation
import MinifoSystem
import OverlayCore
import Testing

@Suite struct MetaRecoveryTests {
    /// Paths the sample file touches, for comparing whole states.
    static let paths = ["", "a", "a/b", "a/b/c", "d", "e", "f", "g", "last"].map(metaPath)

    /// Writes a few records of every kind, then one more (`last`), and returns the file
    /// before and after that last append.
    static func sampleFile(_ fixture: MetaFixture) throws -> (before: [UInt8], after: [UInt8]) {
        let store = try fixture.open()
        try store.setDeleted(metaPath("a/b/c"), true)
        try store.setOpaque(metaPath("a"), true)
        try store.setRedirect(metaPath("d"), to: metaPath("old/d"))
        try store.setAttributes(metaPath("e"), MetaAttributes(mode: 0o600, atime: Timespec(seconds: 1, nanoseconds: 2)))
        try store.setXattr(metaPath("f"), name: Array("user.k".utf8), value: Array("v".utf8))
        try store.setInode(metaPath("g"), 99)
        try store.rename(metaPath("g"), to: metaPath("a/b"))
        let before = try fixture.metaBytes()
        try store.setXattr(metaPath("last"), name: Array("user.long".utf8), value: [UInt8](repeating: 0xAB, count: 40))
        return (before, try fixture.metaBytes())
    }

    @Test func anAppendTornAtAnyByteIsDroppedWithAWarning() throws {
        let fixture = try MetaFixture()
        let (before, after) = try Self.sampleFile(fixture)
        try fixture.writeMeta(before)
        let expected = metaSnapshot(try fixture.open(), Self.paths)
        for cut in before.count + 1..<after.count {
            try fixture.writeMeta(Array(after[..<cut]))
            let store = try fixture.open()
            #expect(store.warnings.count == 1)
            #expect(store.warnings.first?.contains("\(before.count)") == true)
            #expect(metaSnapshot(store, Self.paths) == expected)
            #expect(try fixture.metaBytes() == before)
            try store.setInode(metaPath("after"), UInt64(cut))
            let reopened = try fixture.open()
            #expect(reopened.warnings.isEmpty)
            #expect(reopened.inode(metaPath("after")) == UInt64(cut))
            #expect(reopened.fileRecordCount == store.fileRecordCount)
        }
    }

    @Test func aTailOfZerosOrGarbageIsATornAppend() throws {
        let fixture = try MetaFixture()
        let (_, after) = try Self.sampleFile(fixture)
        var random = SeededRandom(seed: 7)
        let tails: [[UInt8]] = [
            [0], [UInt8](repeating: 0, count: 4096),
            [0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3],
            (0..<300).map { _ in UInt8.random(in: 0...255, using: &random) },
        ]
        for tail in tails {
            try fixture.writeMeta(after + tail)
            let store = try fixture.open()
            #expect(store.warnings.count == 1)
            #expect(store.xattrOverrides(metaPath("last")).count == 1)
            #expect(try fixture.metaBytes() == after)
        }
    }

    @Test func damageBeforeAValidRecordIsCorruptAtThatRecord() throws {
        let fixture = try MetaFixture()
        let (_, after) = try Self.sampleFile(fixture)
        let records = MetaBytes.records(after)
        #expect(records.count == 8)
        for index in [0, 3, 6] {
            let start = records[index].offset
            let end = records[index + 1].offset
            for position in start..<end {
                var damaged = after
                damaged[position] ^= 0x20
                try fixture.writeMeta(damaged)
                #expect {
                    _ = try fixture.open()
                } throws: { error in
                    guard case MetaError.corrupt(let offset, let reason) = error else { return false }
                    return offset == start && "\(error)".contains("\(start)") && !reason.isEmpty
                }
                #expect(try fixture.metaBytes() == damaged)
            }
        }
    }

    @Test func aTailCraftedToLookLikeLongRecordsIsRefusedQuickly() throws {
        let fixture = try MetaFixture()
        let (_, after) = try Self.sampleFile(fixture)
        // A plausible 131,072-byte length at every fourth byte, none with a good checksum.
        let tail = [UInt8](repeating: 0x01, count: 3) + (0..<300_000).flatMap { _ in [0x00, 0x00, 0x02, 0x00] as [UInt8] }
        try fixture.writeMeta(after + tail)
        let start = ContinuousClock.now
        #expect {
            _ = try fixture.open()
        } throws: { error in
            guard case MetaError.corrupt(let offset, _) = error else { return false }
            return offset == after.count
        }
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test func aDamagedHeaderIsCorrupt() throws {
        let fixture = try MetaFixture()
        let (_, after) = try Self.sampleFile(fixture)
        let headerLength = 20 + MetaFixture.base.utf8.count
        for position in 0..<headerLength {
            var damaged = after
            damaged[position] ^= 0x01
            try fixture.writeMeta(damaged)
            #expect(throws: MetaError.self) { _ = try fixture.open() }
        }
        for cut in 1..<headerLength {
            try fixture.writeMeta(Array(after[..<cut]))
            #expect(throws: MetaError.self) { _ = try fixture.open() }
        }
    }

    @Test func aNewerFormatVersionIsRefused() throws {
        let fixture = try MetaFixture()
        var header = MetaBytes.magic + MetaBytes.le(UInt32(2)) + MetaBytes.le(UInt32(2)) + Array("/x".utf8)
        header += MetaBytes.le(MetaBytes.crc32c(header))
        try fixture.writeMeta(header)
        #expect {
            _ = try fixture.open(base: "/x")
        } throws: { error in
            guard case MetaError.corrupt(8, let reason) = error else { return false }
            return reason.contains("version 2")
        }
    }

    /// Damaged files of every shape: opening never traps, and a file that opens is whole
    /// again (appendable, and it reopens without warnings).
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func fuzzedFilesNeverTrap(seed: UInt64) throws {
        let fixture = try MetaFixture()
        let (_, sample) = try Self.sampleFile(fixture)
        var random = SeededRandom(seed: seed)
        var outcomes = (opened: 0, refused: 0)
        for _ in 0..<500 {
            var file = sample
            switch Int.random(in: 0..<6, using: &random) {
            case 0:
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    file[Int.random(in: 0..<file.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
                }
            case 1:
                file.removeSubrange(Int.random(in: 0..<file.count, using: &random)...)
            case 2:
                let at = Int.random(in: 0...file.count, using: &random)
                file.insert(contentsOf: (0..<Int.random(in: 1...16, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: at)
            case 3:
                let at = Int.random(in: 0..<file.count, using: &random)
                file.removeSubrange(at..<min(file.count, at + Int.random(in: 1...16, using: &random)))
            case 4:
                let length = Int.random(in: 0...4, using: &random)
                for i in 0..<length {
                    // Plausible lengths are the hardest case for framing.
                    let at = Int.random(in: 0..<file.count, using: &random)
                    if at + 4 <= file.count { file.replaceSubrange(at..<at + 4, with: MetaBytes.le(UInt32(i * 7 + 1))) }
                }
                file[Int.random(in: 0..<file.count, using: &random)] = 0
            default:
                file = (0..<Int.random(in: 1...400, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                if Bool.random(using: &random) { file = MetaBytes.header(base: MetaFixture.base) + file }
            }
            try fixture.writeMeta(file)
            do {
                let store = try fixture.open()
                for path in Self.paths { _ = MetaPathState(store, path) }
                try store.setDeleted(metaPath("fuzz"), true)
                let reopened = try fixture.open()
                #expect(reopened.warnings.isEmpty)
                #expect(reopened.isDeleted(metaPath("fuzz")))
                outcomes.opened += 1
            } catch let error as MetaError {
                switch error {
                case .corrupt, .baseMismatch: outcomes.refused += 1
                case .io: Issue.record("unexpected \(error)")
                }
            }
        }
        #expect(outcomes.opened > 0 && outcomes.refused > 0)
    }
}
