import Foundation
import MinifoSystem
import OverlayCore
import StorageChanges
import Testing

@Suite struct StatusJSONTests {
    @Test func documentParsesBackWithEveryField() throws {
        let s = try Scratch()
        try s.write("etc/y", "y\n")
        try s.write("old/f", "f\n")
        try s.write("gone", "g\n")
        try s.change { o in
            try o.chmod("etc/y", 0o600)
            try o.move("old", "new")
            try o.delete("gone")
            try o.make("quote\"back\\slash\ttab", "q")
            let (_, _, fd) = try o.create([0x62, 0x61, 0x64, 0xC3, 0x28], in: .root, .file(flags: O_WRONLY), mode: 0o100644,
                                          caller: Caller(uid: 0, gid: 0))
            if let fd { MinifoSystem.close(fd) }
        }
        let text = StatusJSON.document(try s.open().changes())
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(parsed.map { $0["kind"] as? String } == ["created", "metadata", "deleted", "renamed", "created"])
        let bad = parsed[0]
        #expect(bad["path"] as? String == "bad\u{FFFD}(")
        #expect(Data(base64Encoded: bad["path_base64"] as! String) == Data([0x62, 0x61, 0x64, 0xC3, 0x28]))
        let mode = parsed[1]
        #expect(mode["path"] as? String == "etc/y" && mode["type"] as? String == "file")
        #expect(mode["mode"] as? [String] == ["0644", "0600"])
        #expect(mode["differs"] as? [String] == ["mode"])
        #expect(mode["storage"] == nil)
        let renamed = parsed[3]
        #expect(renamed["base"] as? String == "old" && renamed["path"] as? String == "new" && renamed["old_path"] as? String == "old")
        #expect(parsed[4]["path"] as? String == "quote\"back\\slash\ttab")
        #expect(parsed[4]["path_base64"] == nil)
    }

    @Test func emptyStorageIsAnEmptyArray() throws {
        let s = try Scratch()
        try s.change { _ in }
        #expect(StatusJSON.document(try s.open().changes()) == "[]")
    }
}

@Suite struct StorageErrorTests {
    @Test func aDirectoryWithoutMetaIsNotStorage() throws {
        let s = try Scratch()
        #expect(throws: StorageError.self) { try s.open() }
        do throws(StorageError) {
            _ = try s.open()
        } catch {
            #expect(error.description.contains("is not a minifo storage directory"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func aMissingBaseIsNamed() throws {
        let s = try Scratch()
        try s.change { _ in }
        try FileManager.default.removeItem(atPath: s.base)
        do throws(StorageError) {
            _ = try s.open()
            Issue.record("opened a storage directory whose base is gone")
        } catch {
            #expect(error.description == "the base \(s.base) that \(s.storage) records no longer exists; restore it at that path")
        }
    }

    @Test func damagedMetaPointsAtCheck() throws {
        let s = try Scratch()
        try s.write("a", "a")
        try s.write("b", "b")
        try s.change { o in
            try o.delete("a")
            try o.delete("b")
        }
        let meta = s.storage + "/META_dAfFgHE39ktF3HD2sr"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: meta))
        let firstRecord = 20 + Int(bytes[12])  // after the header, whose base path is short
        bytes[firstRecord + 5] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: meta))
        do throws(StorageError) {
            _ = try s.open()
            Issue.record("opened a damaged META file")
        } catch {
            #expect(error.description.contains("is damaged at byte offset"))
            #expect(error.description.hasSuffix("run `minifo check --repair \(s.storage)`"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: meta)) == bytes)
    }

    @Test func aFileIsNotADirectory() throws {
        let s = try Scratch()
        try s.write("file", "x", in: s.root)
        #expect(throws: StorageError.self) { try StorageDirectory(s.root + "/file") }
        #expect(throws: StorageError.self) { try StorageDirectory(s.root + "/missing") }
    }
}
