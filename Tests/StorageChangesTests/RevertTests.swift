import Foundation
import MinifoSystem
import OverlayCore
import StorageChanges
import Testing

@Suite struct RevertTests {
    /// Reverts `paths` on a writable overlay, as `minifo revert` does on an unmounted storage.
    private func revert(_ s: Scratch, _ paths: [String]) throws -> [String] {
        let directory = try StorageDirectory(s.storage, writable: true)
        let revert = try StorageRevert(directory.overlay, paths: paths)
        try revert.apply(to: directory.overlay)
        return revert.changes.map(StatusFormat.line)
    }

    /// The contents the mount would show at `relative`, or nil when it shows nothing there.
    private func shown(_ s: Scratch, _ relative: String) throws -> String? {
        let overlay = try s.open().overlay
        guard let (file, _) = try? overlay.openForReading(path(relative)) else { return nil }
        defer { file.close() }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = try pread(file.readOnly, into: &buffer, count: buffer.count, offset: 0)
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    @Test func eachKindRevertsToTheBase() throws {
        let s = try Scratch.withEveryKind()
        try s.change { try $0.makeEveryKindOfChange() }
        let before = try s.status()
        #expect(try revert(s, ["etc/x"]) == ["modified etc/x"])
        #expect(try shown(s, "etc/x") == "one\ntwo\n")
        #expect(try revert(s, ["etc/y", "xa"]) == ["metadata etc/y (mode 0644 -> 0600)", "metadata xa (xattr user.k set)"])
        #expect(try s.open().overlay.lookup(path("etc/y")).stat.mode == 0o100644)
        #expect(try revert(s, ["a"]) == ["created  a", "created  a/b"])
        #expect(try shown(s, "a/b") == nil)
        #expect(try revert(s, ["usr/z"]) == ["deleted  usr/z"])
        #expect(try shown(s, "usr/z") == "z\n")
        #expect(try revert(s, ["new"]) == ["renamed  old -> new"])
        #expect(try shown(s, "old/sub/f") == "f\n" && shown(s, "new/sub/f") == nil)
        #expect(try revert(s, ["d"]) == ["opaque   d"])
        #expect(try shown(s, "d/g") == "g\n")
        #expect(try revert(s, ["rfile2"]) == ["renamed  rfile -> rfile2"])
        #expect(try shown(s, "rfile") == "r\n" && shown(s, "rfile2") == nil)
        #expect(try s.status() == ["modified h1", "modified h2"])
        #expect(before.count == 11)
    }

    @Test func aHardLinkedBaseFileRevertsWithAllItsNames() throws {
        let s = try Scratch.withEveryKind()
        try s.change { o in
            try o.append("h1", "more\n")
            _ = try o.link(path("h1"), as: bytes("h3"), in: .root)
        }
        #expect(try s.status() == ["modified h1", "modified h2", "created  h3"])
        #expect(try revert(s, ["h2"]) == ["modified h1", "modified h2", "created  h3"])
        #expect(try shown(s, "h1") == "h\n" && shown(s, "h2") == "h\n" && shown(s, "h3") == nil)
        #expect(try s.open().overlay.lookup(path("h1")).stat.linkCount == 2)
        #expect(try s.status().isEmpty)
        let links = (try? FileManager.default.contentsOfDirectory(atPath: s.storage + "/META_dAfFgHE39ktF3HD2sr.links")) ?? []
        #expect(links.isEmpty, "the shared copy is gone: \(links)")
    }

    @Test func belowARenamedDirectoryOnlyThatChangeReverts() throws {
        let s = try Scratch.withEveryKind()
        try s.change { o in
            try o.move("old", "new")
            try o.append("new/sub/f", "g\n")
        }
        #expect(try revert(s, ["new/sub/f"]) == ["modified new/sub/f"])
        #expect(try s.status() == ["renamed  old -> new"])
        #expect(try shown(s, "new/sub/f") == "f\n")
        // The old name selects the rename, as `minifo status STORAGE old` does.
        #expect(try revert(s, ["old"]) == ["renamed  old -> new"])
        #expect(try s.status().isEmpty)
    }

    @Test func theRootRevertsEverything() throws {
        let s = try Scratch.withEveryKind()
        try s.change { try $0.makeEveryKindOfChange() }
        #expect(try revert(s, ["/"]).count == 11)
        #expect(try s.status().isEmpty)
        for file in ["etc/x", "usr/z", "old/sub/f", "d/g", "rfile", "h1", "h2"] {
            #expect(try shown(s, file) == (try String(contentsOfFile: s.base + "/" + file, encoding: .utf8)), "\(file)")
        }
    }

    @Test func aPathWithoutAChangeIsRefusedAndNothingChanges() throws {
        let s = try Scratch.withEveryKind()
        try s.change { o in
            try o.append("etc/x", "three\n")
            try o.delete("d/g")
            try o.delete("d", directory: true)
        }
        let meta = s.storage + "/META_dAfFgHE39ktF3HD2sr"
        let recorded = try Data(contentsOf: URL(fileURLWithPath: meta))
        let directory = try StorageDirectory(s.storage, writable: true)
        #expect {
            try StorageRevert(directory.overlay, paths: ["etc/x", "etc/y"])
        } throws: { error in
            "\(error)" == "etc/y has no change to revert; `minifo status STORAGE` lists the changes"
        }
        #expect {
            try StorageRevert(directory.overlay, paths: ["d/g"])
        } throws: { error in
            "\(error)".hasPrefix("d/g has no change of its own to revert; it is part of `deleted  d`")
        }
        #expect(throws: RevertError.self) { try StorageRevert(directory.overlay, paths: ["../x"]) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: meta)) == recorded)
        #expect(try s.status() == ["deleted  d", "modified etc/x"])
    }

    @Test func anInterruptedMergeKeepsStorageClosed() throws {
        let s = try Scratch.withEveryKind()
        try s.change { o in try o.append("etc/x", "three\n") }
        try s.write("META_dAfFgHE39ktF3HD2sr.merge", "", in: s.storage)
        #expect {
            try s.open()
        } throws: { error in
            "\(error)".contains("was interrupted") && "\(error)".contains("run `minifo merge ")
        }
    }
}
