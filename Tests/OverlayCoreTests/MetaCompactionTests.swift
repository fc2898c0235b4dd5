import Foundation
import MinifoSystem
import OverlayCore
import Testing

@Suite struct MetaCompactionTests {
    static let paths = ["", "a", "a/b", "a/b/c", "a/d", "e", "e/f", "g", "h", "moved", "moved/b", "moved/b/c"].map(metaPath)

    static func fill(_ store: MetaStore) throws {
        for round in 0..<3 {
            try store.setDeleted(metaPath("a/b/c"), round % 2 == 0)
            try store.setOpaque(metaPath("a"), true)
            try store.setRedirect(metaPath("e"), to: metaPath("base\(round)"))
            try store.setAttributes(metaPath("a/d"), MetaAttributes(mode: UInt32(round), mtime: Timespec(seconds: Int64(round), nanoseconds: 0)))
            try store.setAttributes(.root, MetaAttributes(gid: UInt32(round)))
            try store.setXattr(metaPath("e/f"), name: Array("user.\(round)".utf8), value: round == 1 ? nil : [UInt8(round)])
            try store.setInode(metaPath("g"), UInt64(round))
            try store.setInode(metaPath("h"), UInt64(round))
        }
        try store.rename(metaPath("a"), to: metaPath("moved"))
        try store.setInode(metaPath("a"), 5)
        try store.removeTree(metaPath("h"))
    }

    @Test func compactionKeepsTheIndex() throws {
        let fixture = try MetaFixture()
        let store = try fixture.open()
        try Self.fill(store)
        let before = metaSnapshot(store, Self.paths)
        let live = store.liveRecordCount
        #expect(store.fileRecordCount > live)
        let size = try fixture.metaBytes().count

        try store.compact()
        #expect(store.fileRecordCount == live)
        #expect(store.liveRecordCount == live)
        #expect(metaSnapshot(store, Self.paths) == before)
        #expect(try fixture.metaBytes().count < size)
        #expect(MetaBytes.records(try fixture.metaBytes()).count == live)
        #expect(try fixture.fileNames() == ["META_dAfFgHE39ktF3HD2sr"])

        try store.setInode(metaPath("after"), 1)
        let reopened = try fixture.open()
        #expect(reopened.warnings.isEmpty)
        #expect(metaSnapshot(reopened, Self.paths) == before)
        #expect(reopened.inode(metaPath("after")) == 1)
        #expect(reopened.fileRecordCount == live + 1)
    }

    @Test func churnCompactsByItself() throws {
        let fixture = try MetaFixture()
        let store = try fixture.open()
        try store.setInode(metaPath("steady"), 1)
        var largest = 0
        for i in 0..<5000 {
            try store.setDeleted(metaPath("flip"), i % 2 == 0)
            try store.setXattr(metaPath("x/y"), name: [0x6E], value: [UInt8(truncatingIfNeeded: i)])
            largest = max(largest, store.fileRecordCount)
        }
        #expect(largest <= 1024 + 2 * 3 + 1)
        #expect(store.fileRecordCount < 1100)
        #expect(store.liveRecordCount == 2)
        #expect(try fixture.fileNames() == ["META_dAfFgHE39ktF3HD2sr"])
        let reopened = try fixture.open()
        #expect(reopened.inode(metaPath("steady")) == 1)
        #expect(!reopened.isDeleted(metaPath("flip")))
        #expect(reopened.xattrOverrides(metaPath("x/y")) == [[0x6E]: [UInt8(truncatingIfNeeded: 4999)]])
    }

    @Test func aFileFullOfDeadRecordsIsCompactedWhenOpened() throws {
        let fixture = try MetaFixture()
        var file = MetaBytes.header(base: MetaFixture.base)
        for i in 0..<600 {
            file += MetaBytes.record(kind: 7, MetaBytes.path("p\(i)") + [1] + MetaBytes.le(UInt64(i)))
            file += MetaBytes.record(kind: 7, MetaBytes.path("p\(i)") + [0])
        }
        file += MetaBytes.record(kind: 1, MetaBytes.path("kept") + [1])
        try fixture.writeMeta(file)
        let store = try fixture.open()
        #expect(store.fileRecordCount == 1)
        #expect(store.isDeleted(metaPath("kept")))
        #expect(MetaBytes.records(try fixture.metaBytes()).count == 1)
    }

    @Test func aLeftoverTemporaryFileIsRemoved() throws {
        let fixture = try MetaFixture()
        try fixture.open().setDeleted(metaPath("a"), true)
        let temporary = fixture.directory.appendingPathComponent("META_dAfFgHE39ktF3HD2sr.tmp")
        try Data([1, 2, 3]).write(to: temporary)
        #expect(MetaStore.temporaryFileName == Array("META_dAfFgHE39ktF3HD2sr.tmp".utf8))
        let store = try fixture.open()
        #expect(store.isDeleted(metaPath("a")))
        #expect(try fixture.fileNames() == ["META_dAfFgHE39ktF3HD2sr"])
    }

    @Test func deepTreesWorkOnASmallStack() throws {
        let fixture = try MetaFixture()
        var deep = RelativePath.root
        for _ in 0..<2000 { deep = deep.appending([0x64]) }
        let store = try fixture.open()
        try store.setInode(deep, 1)
        try store.compact()
        #expect(try fixture.open().inode(deep) == 1)
        // Released on a thread with a small stack, as a FUSE worker would.
        let worker = try MinifoSystem.Thread.spawn(stackSize: 64 * 1024) {
            try! store.removeTree(metaPath("d"))
        }
        worker.join()
        #expect(!store.hasRecords(below: .root))
    }
}
