import Foundation
import MinifoSystem
import OverlayCore
import StorageChanges
import Testing

@Suite struct CheckTests {
    @Test func cleanStorageIsClean() throws {
        let s = try Scratch()
        try s.write("a", "a")
        try s.change { o in try o.delete("a") }
        let check = try StorageCheck(s.storage, repair: false)
        #expect(check.remaining.isEmpty)
    }

    @Test func damageIsFoundAndRepaired() throws {
        let s = try Scratch()
        try s.write("gone", "g")
        try s.write("etc/y", "y")
        try s.write("keep", "k")
        try s.change { o in
            try o.delete("gone")
            try o.chmod("etc/y", 0o600)
            try o.delete("keep")
        }
        try FileManager.default.removeItem(atPath: s.base + "/gone")
        try s.write("META_dAfFgHE39ktF3HD2sr.work/copy-3", "half", in: s.storage)
        // META metadata for etc/y, hidden by a copy made behind the overlay's back.
        try s.write("etc/y", "y", in: s.storage)
        let meta = s.storage + "/META_dAfFgHE39ktF3HD2sr"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: meta))
        bytes[20 + Int(bytes[12]) + 5] ^= 0xFF  // the first record
        bytes += Data([9, 0, 0])  // and a torn tail
        try bytes.write(to: URL(fileURLWithPath: meta))

        let found = try StorageCheck(s.storage, repair: false)
        #expect(found.remaining.count == 3)
        #expect(found.remaining.contains { $0.hasPrefix("META: ") && $0.contains(" damaged bytes at byte offset \(20 + Int(bytes[12])) ") },
                "\(found.remaining)")
        #expect(found.remaining.contains { $0.hasPrefix("META: the last 3 bytes") })
        #expect(try Data(contentsOf: URL(fileURLWithPath: meta)) == bytes, "a check without --repair wrote")

        let repaired = try StorageCheck(s.storage, repair: true)
        #expect(repaired.remaining.isEmpty, "\(repaired.remaining)")
        #expect(repaired.repaired.contains("a copy-up left META_dAfFgHE39ktF3HD2sr.work/copy-3 half-built in the work directory"))
        #expect(repaired.repaired.contains("META records metadata of etc/y that its copy in storage hides"))
        #expect(!FileManager.default.fileExists(atPath: s.storage + "/META_dAfFgHE39ktF3HD2sr.work/copy-3"))
        let again = try StorageCheck(s.storage, repair: false)
        #expect(again.problems.isEmpty, "\(again.problems)")
        let status = try s.status()
        #expect(status.count == 2 && status[0].hasPrefix("metadata etc/y (mtime ") && status[1] == "deleted  keep", "\(status)")
    }

    @Test func repairIsRefusedWhileAMountHoldsTheStorage() throws {
        let s = try Scratch()
        try s.change { _ in }
        let held = try StorageLock(storage: s.storage, exclusive: false)
        #expect(throws: StorageError.self) { try StorageCheck(s.storage, repair: true) }
        withExtendedLifetime(held) {}
        #expect(throws: StorageError.self) { try StorageCheck(s.root + "/nothing", repair: false) }
    }

    /// Found by the concurrency test: a hard-linked symlink, FIFO or device has a shared copy
    /// in the links directory as a file does, and check called it a stray.
    @Test func theSharedCopyOfAHardLinkedSymlinkIsNoStray() throws {
        let s = try Scratch()
        try s.change { o in
            _ = try o.create(bytes("link"), in: .root, .symlink(target: bytes("target")), mode: 0o777, caller: Caller(uid: 0, gid: 0))
            _ = try o.link(path("link"), as: bytes("second"), in: .root)
        }
        let check = try StorageCheck(s.storage, repair: false)
        #expect(check.remaining.isEmpty, "\(check.remaining)")
    }
}
