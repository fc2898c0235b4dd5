import Foundation
import MinifoSystem
import OverlayCore
import StorageChanges
import Testing

@Suite struct ChangeModelTests {
    @Test func everyKindIsClassified() throws {
        let s = try Scratch.withEveryKind()
        try s.change { o in
            try o.makeEveryKindOfChange()
            // Copied up, then changed in mode only: the data equals the base.
            try o.append("cp", "")
            try o.chmod("cp", 0o640)
            // Copied up and left as it was: no change.
            try o.append("etc/same", "")
        }
        #expect(try s.status() == [
            "created  a",
            "created  a/b",
            "metadata cp (mode 0644 -> 0640)",
            "opaque   d",
            "modified etc/x",
            "metadata etc/y (mode 0644 -> 0600)",
            "modified h1",
            "modified h2",
            "renamed  old -> new",
            "renamed  rfile -> rfile2",
            "deleted  usr/z",
            "metadata xa (xattr user.k set)",
        ])
    }

    @Test func changesCarryWhatRevertAndMergeNeed() throws {
        let s = try Scratch.withEveryKind()
        try s.change { o in
            try o.append("h1", "more\n")
            try o.move("old", "new")
            try o.chmod("etc/y", 0o600)
        }
        let changes = try s.open().changes()
        let h2 = try #require(changes.first { $0.path == path("h2") })
        #expect(h2.storagePath?.bytes.starts(with: Names.links) == true)
        #expect(h2.basePath == path("h2"))
        #expect(h2.differences.data)
        let renamed = try #require(changes.first { $0.kind == .renamed })
        #expect(renamed.basePath == path("old") && renamed.oldPath == path("old") && renamed.storagePath == path("new"))
        #expect(renamed.recorded?.redirect == path("old"))
        let y = try #require(changes.first { $0.path == path("etc/y") })
        #expect(y.storagePath == nil && y.recorded?.attributes?.mode == 0o100600)
        #expect(y.before?.mode == 0o100644 && y.after?.mode == 0o100600)
    }

    @Test func changesBelowARenamedDirectoryAreMeasuredAgainstItsOldBasePath() throws {
        let s = try Scratch.withEveryKind()
        try s.change { o in
            try o.move("old", "new")
            try o.append("new/sub/f", "g\n")
            try o.delete("etc/x")
        }
        let changes = try s.open().changes()
        let f = try #require(changes.first { $0.path == path("new/sub/f") })
        #expect(f.kind == .modified && f.basePath == path("old/sub/f"))
        #expect(try s.status() == ["deleted  etc/x", "renamed  old -> new", "modified new/sub/f"])
    }

    @Test func fileReplacedByADirectoryIsATypeChange() throws {
        let s = try Scratch.withEveryKind()
        try s.change { o in
            try o.delete("rfile")
            try o.makeDirectory("rfile")
        }
        #expect(try s.status() == ["modified rfile (replaced, file -> directory)"])
    }

    @Test func hiddenNamesAreNeverChanges() throws {
        let s = try Scratch.withEveryKind()
        try s.change { o in try o.append("h1", "x") }
        // A stray copy left in the work directory and a compaction temporary.
        try s.write("META_dAfFgHE39ktF3HD2sr.work/copy-9", "x", in: s.storage)
        try s.write("META_dAfFgHE39ktF3HD2sr.tmp", "x", in: s.storage)
        let paths = try s.open().changes().map { String(decoding: $0.path.bytes, as: UTF8.self) }
        #expect(paths == ["h1", "h2"])
    }

    @Test func pathsFilterByComponentPrefix() throws {
        let s = try Scratch.withEveryKind()
        try s.write("etcetera", "e\n")
        try s.change { o in
            try o.append("etc/x", "more")
            try o.append("etcetera", "more")
            try o.move("old", "new")
        }
        #expect(try s.status(["etc"]) == ["modified etc/x"])
        #expect(try s.status(["/etc/x/"]) == ["modified etc/x"])
        #expect(try s.status(["old"]) == ["renamed  old -> new"])
        #expect(ChangeFilter(["../x"]) == nil)
    }

    @Test func metadataChangesAreSpelledOut() throws {
        let s = try Scratch.withEveryKind()
        // The test prepares the base, as a directory no mount or command uses yet.
        let baseRoot = try Descriptor<OutsideLayers>.openRoot(s.base)
        defer { MinifoSystem.close(baseRoot) }
        try ExtendedAttributes.set(baseRoot, bytes("xa"), name: bytes("user.gone"), value: bytes("1"))
        try s.change { o in
            var change = AttributeChange()
            change.uid = 1000
            change.gid = 100
            change.modificationTime = .set(Timespec(seconds: 86400 * 365, nanoseconds: 0))
            _ = try o.changeAttributes(path("etc/y"), change, fd: nil)
            try o.removeExtendedAttribute(path("xa"), name: bytes("user.gone"))
        }
        let lines = try s.status()
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("metadata etc/y (owner 0:0 -> 1000:100, mtime ") == true)
        #expect(lines.first?.hasSuffix(" -> 1971-01-01 00:00:00)") == true)
        #expect(lines.last == "metadata xa (xattr user.gone removed)")
    }

    @Test func namesThatAreNotUTF8AreEscaped() throws {
        let s = try Scratch.withEveryKind()
        try s.change { o in
            let (_, _, fd) = try o.create([0x66, 0xFF, 0x0A], in: .root, .file(flags: O_WRONLY), mode: 0o100644, caller: Caller(uid: 0, gid: 0))
            if let fd { MinifoSystem.close(fd) }
        }
        #expect(try s.status() == ["created  f\\xff\\n"])
    }

    /// C1 controls (U+0080 to U+009F) move a terminal's cursor or start an escape sequence, as
    /// C0 controls do: both are escaped, byte by byte, as is DEL.
    @Test func namesWithC1ControlsAreEscaped() throws {
        let s = try Scratch.withEveryKind()
        try s.change { o in
            let (_, _, fd) = try o.create([0x61, 0xC2, 0x9B, 0x32, 0x4A, 0xC2, 0x85, 0x7F, 0xC2, 0xA0], in: .root, .file(flags: O_WRONLY),
                                          mode: 0o100644, caller: Caller(uid: 0, gid: 0))
            if let fd { MinifoSystem.close(fd) }
        }
        #expect(try s.status() == ["created  a\\xc2\\x9b2J\\xc2\\x85\\x7f\u{A0}"])
    }
}
