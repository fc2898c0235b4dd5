import Foundation
import MinifoSystem
@testable import OverlayCore
import Testing

/// Changes prepared before a storage operation and committed after it (META kinds 11 and 12),
/// and how the next open settles those a crash left without a commit.
@Suite struct PreparedChangeTests {
    static func whiteout(_ path: String) throws -> MetaBatch {
        var batch = MetaBatch()
        try batch.setDeleted(metaPath(path), true)
        return batch
    }

    @Test func preparedChangesShowOnlyOnceCommitted() throws {
        let fixture = try MetaFixture()
        let store = try fixture.open()
        let applied = try store.prepare(Self.whiteout("a"))
        let dropped = try store.prepare(Self.whiteout("b"))
        #expect(!store.isDeleted(metaPath("a")) && !store.isDeleted(metaPath("b")))
        #expect(store.uncommitted.map(\.id) == [applied, dropped])
        store.commit(applied, applied: true)
        store.commit(dropped, applied: false)
        #expect(store.isDeleted(metaPath("a")) && !store.isDeleted(metaPath("b")))
        #expect(store.uncommitted.isEmpty)
        let reopened = try fixture.open()
        #expect(reopened.isDeleted(metaPath("a")) && !reopened.isDeleted(metaPath("b")))
        #expect(reopened.uncommitted.isEmpty && reopened.warnings.isEmpty)
    }

    @Test func uncommittedChangesSurviveReopeningAndCompaction() throws {
        let fixture = try MetaFixture()
        let store = try fixture.open()
        var batch = try Self.whiteout("a")
        try batch.expect(metaPath("x"), holds: true, inode: 42)
        let id = try store.prepare(batch)
        try store.compact()
        let reopened = try fixture.open()
        #expect(reopened.uncommitted.map(\.id) == [id])
        #expect(reopened.uncommitted.first?.condition == StorageCondition(kind: .holds, path: MetaPath(metaPath("x"))!, inode: 42))
        #expect(!reopened.isDeleted(metaPath("a")))
        #expect(try reopened.prepare(Self.whiteout("b")) > id, "a new id must not reuse an uncommitted one")
        reopened.commit(id, applied: true)
        #expect(try fixture.open().isDeleted(metaPath("a")))
    }

    /// Prepares the META records of renaming the storage directory d (with a base part) to e,
    /// as RENAME does before it renames storage; the storage rename is the caller's.
    private func prepareRenameOfD(_ overlay: Overlay) throws {
        var batch = MetaBatch()
        try batch.rename(path("d"), to: path("e"))
        try batch.setRedirect(path("e"), to: path("d"))
        try batch.setDeleted(path("d"), true)
        try batch.expect(path("d"), holds: false, inode: try lstatat(overlay.storage.root, Array("d".utf8)).inode)
        _ = try overlay.meta.prepare(batch)
    }

    /// A crash after the storage rename and before the commit: the next open finds the
    /// directory moved and applies its META changes; without the storage rename, it drops them.
    @Test(arguments: [true, false])
    func anInterruptedRenameIsSettledFromTheStorageTree(storageRenamed: Bool) throws {
        let layers = try TemporaryLayers()
        try layers.write("d/f", "base f", in: layers.base)
        try layers.write("d/g", "base g", in: layers.base)
        do {
            let overlay = try layers.overlay()
            try overlay.remove(Array("g".utf8), in: path("d"), directory: false)
            try overlay.copyUp(path("d"))
            try prepareRenameOfD(overlay)
            if storageRenamed {
                try MinifoSystem.rename(overlay.storage.root, Array("d".utf8), overlay.storage.root, Array("e".utf8))
            }
        }
        let overlay = try layers.overlay()
        #expect(overlay.meta.uncommitted.isEmpty)
        if storageRenamed {
            #expect(try names(overlay, "") == ["e"])
            #expect(try names(overlay, "e") == ["f"], "the whiteout of g moves with the directory")
        } else {
            #expect(try names(overlay, "") == ["d"])
            #expect(try names(overlay, "d") == ["f"])
        }
    }

    /// Found by the full-storage test: a commit that did not fit on a full disk left a prepared
    /// change in the file, and `minifo check`, which reads storage read-only, took the state
    /// without it for the truth. A read-only open settles it in memory and writes nothing.
    @Test func aReadOnlyOpenSettlesInMemoryAndWritesNothing() throws {
        let layers = try TemporaryLayers()
        try layers.write("d/f", "base f", in: layers.base)
        do {
            let overlay = try layers.overlay()
            try overlay.copyUp(path("d"))
            try prepareRenameOfD(overlay)
            try MinifoSystem.rename(overlay.storage.root, Array("d".utf8), overlay.storage.root, Array("e".utf8))
        }
        let meta = layers.storage.appendingPathComponent("META_dAfFgHE39ktF3HD2sr")
        let before = try Data(contentsOf: meta)
        let overlay = try Overlay(base: layers.base.path, storage: layers.storage.path, readOnly: true)
        #expect(try names(overlay, "") == ["e"])
        #expect(try names(overlay, "e") == ["f"])
        #expect(try Data(contentsOf: meta) == before, "a read-only open wrote to META")
    }

    @Test func malformedPreparedChangesAreCorrupt() throws {
        let whiteout = [UInt8(1)] + MetaBytes.path("a") + [1]
        let nested = MetaBytes.le(UInt32(whiteout.count)) + whiteout
        func prepare(condition: UInt8 = 0, path: String = "", count: UInt16 = 1, _ records: [UInt8]) -> [UInt8] {
            MetaBytes.record(kind: 11, MetaBytes.le(UInt64(1)) + [condition] + MetaBytes.path(path) + MetaBytes.le(UInt64(0))
                + MetaBytes.le(count) + records)
        }
        let innerPrepare = Array(prepare(nested).dropFirst(4).dropLast(4))
        let bad: [[UInt8]] = [
            prepare(count: 0, []),
            prepare(count: 2, nested),
            prepare(condition: 3, path: "x", nested),
            prepare(condition: 1, nested),
            prepare(condition: 0, path: "x", nested),
            prepare(MetaBytes.le(UInt32(innerPrepare.count)) + innerPrepare),
            prepare(MetaBytes.le(UInt32(whiteout.count + 1)) + whiteout),
            MetaBytes.record(kind: 12, MetaBytes.le(UInt64(1)) + [2]),
            MetaBytes.record(kind: 13, []),
        ]
        let good = MetaBytes.record(kind: 1, MetaBytes.path("ok") + [1])
        let header = MetaBytes.header(base: MetaFixture.base)
        for record in bad {
            let fixture = try MetaFixture()
            try fixture.writeMeta(header + good + record + good)
            #expect {
                _ = try fixture.open()
            } throws: { error in
                guard case MetaError.corrupt(let offset, _) = error else { return false }
                return offset == header.count + good.count
            }
        }
        let fixture = try MetaFixture()
        try fixture.writeMeta(header + prepare(nested) + MetaBytes.record(kind: 12, MetaBytes.le(UInt64(1)) + [1]))
        #expect(try fixture.open().isDeleted(metaPath("a")))
    }

    /// Found while adding these records: with checksums of their own, the records nested in a
    /// torn prepared change looked like valid records after the damage, and the torn append
    /// was taken for damage in the middle of the file, which refuses the mount.
    @Test func aTornPreparedChangeIsATornAppend() throws {
        let fixture = try MetaFixture()
        let store = try fixture.open()
        try store.setDeleted(metaPath("before"), true)
        let before = try fixture.metaBytes()
        var batch = MetaBatch()
        for name in ["a", "b", "c", "d"] { try batch.setDeleted(metaPath(name), true) }
        _ = try store.prepare(batch)
        let after = try fixture.metaBytes()
        for cut in before.count + 1..<after.count {
            try fixture.writeMeta(Array(after[..<cut]))
            let reopened = try fixture.open()
            #expect(reopened.warnings.count == 1 && reopened.uncommitted.isEmpty)
            #expect(try fixture.metaBytes() == before)
        }
    }
}
