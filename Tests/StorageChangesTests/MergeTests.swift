import Foundation
import MinifoSystem
import OverlayCore
@testable import StorageChanges
import Testing

@Suite struct MergeTests {
    private func scratch() throws -> Scratch {
        let s = try Scratch()
        try s.write("etc/x", "one\ntwo\n")
        try s.write("etc/y", "y\n")
        try s.write("usr/z", "z\n")
        try s.write("old/sub/f", "f\n")
        try s.write("old/sub/f2", "f2\n")
        try s.write("d/g", "g\n")
        try s.write("p/pf", "p\n")
        try s.write("q/qf", "q\n")
        try s.write("rfile", "r\n")
        try s.write("h1", "h\n")
        try s.mkdir("sub")
        link(s.base + "/h1", s.base + "/sub/h2")
        return s
    }

    private let changes: (Overlay) throws -> Void = { o in
        try o.append("etc/x", "three\n")
        try o.chmod("etc/y", 0o600)
        try o.makeDirectory("a")
        try o.make("a/b", "new\n")
        _ = try o.link(path("a/b"), as: bytes("b-link"), in: path("a"))
        try o.delete("usr/z")
        try o.move("old", "new")
        try o.make("new/sub/added", "added\n")
        try o.delete("new/sub/f2")
        try o.delete("d/g")
        try o.delete("d", directory: true)
        try o.makeDirectory("d")
        try o.move("rfile", "rfile2")
        try o.append("h1", "more\n")
        try o.move("p", "tmp")
        try o.move("q", "p")
        try o.move("tmp", "q")
        try o.setExtendedAttribute(.root, name: bytes("user.root"), value: bytes("r"), flags: 0)
    }

    private func merge(_ s: Scratch, stopAfter: Int? = nil) throws -> (Bool, [String]) {
        let merge = try StorageMerge(s.storage, dryRun: false)
        var lines: [String] = []
        let finished = try merge.run(stopAfter: stopAfter) { progress in
            if let line = progress.finished?.line { lines.append(line) }
        }
        return (finished, lines)
    }

    private func read(_ s: Scratch, _ relative: String) -> String? {
        try? String(contentsOfFile: s.base + "/" + relative, encoding: .utf8)
    }

    private func expectMerged(_ s: Scratch, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected: [String: String?] = [
            "etc/x": "one\ntwo\nthree\n", "etc/y": "y\n", "a/b": "new\n", "a/b-link": "new\n", "usr/z": nil,
            "old/sub/f": nil, "new/sub/f": "f\n", "new/sub/added": "added\n", "new/sub/f2": nil, "d/g": nil,
            "rfile": nil, "rfile2": "r\n", "h1": "h\nmore\n", "sub/h2": "h\nmore\n", "p/qf": "q\n", "q/pf": "p\n",
            "p/pf": nil, "q/qf": nil,
        ]
        for (file, contents) in expected {
            #expect(read(s, file) == contents, "\(file)", sourceLocation: sourceLocation)
        }
        let fm = FileManager.default
        #expect(try fm.contentsOfDirectory(atPath: s.base + "/d").isEmpty, sourceLocation: sourceLocation)
        #expect(try (fm.attributesOfItem(atPath: s.base + "/etc/y")[.posixPermissions] as? Int) == 0o600, sourceLocation: sourceLocation)
        let h1 = try fm.attributesOfItem(atPath: s.base + "/h1"), h2 = try fm.attributesOfItem(atPath: s.base + "/sub/h2")
        #expect(h1[.systemFileNumber] as? Int == h2[.systemFileNumber] as? Int, "h1 and sub/h2 stay one file", sourceLocation: sourceLocation)
        #expect(!fm.fileExists(atPath: s.base + "/META_dAfFgHE39ktF3HD2sr.merge"), sourceLocation: sourceLocation)
        let baseRoot = try BaseDescriptor.openRoot(s.base)
        defer { MinifoSystem.close(baseRoot) }
        #expect(try ExtendedAttributes.all(baseRoot, [0x2E]).map { $0.1 } == [bytes("r")], "the root's xattr", sourceLocation: sourceLocation)
        #expect(try fm.contentsOfDirectory(atPath: s.storage).sorted() == ["META_dAfFgHE39ktF3HD2sr", "META_dAfFgHE39ktF3HD2sr.work"],
                "META and the work directory, which holds the storage lock", sourceLocation: sourceLocation)
        #expect(try fm.contentsOfDirectory(atPath: s.storage + "/META_dAfFgHE39ktF3HD2sr.work").isEmpty, sourceLocation: sourceLocation)
        #expect(try s.status().isEmpty, sourceLocation: sourceLocation)
    }

    @Test func theBaseBecomesWhatTheOverlayShowed() throws {
        let s = try scratch()
        try s.change(changes)
        let (finished, lines) = try merge(s)
        #expect(finished)
        #expect(lines.prefix(5) == ["set aside old", "set aside p", "set aside q", "remove   d", "remove   rfile"])
        #expect(lines.contains("move     q -> p") && lines.contains("move     p -> q") && lines.contains("link     sub/h2 = h1"))
        try expectMerged(s)
        #expect(try StorageDirectory(s.storage).base == s.base, "the META file names the same base")
    }

    @Test func anInterruptedMergeIsResumedFromItsJournal() throws {
        let s = try scratch()
        try s.change(changes)
        #expect(try merge(s, stopAfter: 7).0 == false)
        #expect(throws: StorageError.self) { try s.open() }
        let resumed = try StorageMerge(s.storage, dryRun: true)
        #expect(resumed.resumed && resumed.done == 0, "no progress is recorded before \(StorageMerge.recordEvery) steps")
        #expect(try merge(s, stopAfter: StorageMerge.recordEvery + 2).0 == false)
        #expect(try StorageMerge(s.storage, dryRun: true).done == StorageMerge.recordEvery)
        #expect(try merge(s).0)
        try expectMerged(s)
    }

    @Test func theJournalKeepsEveryStepAndTheLastGoodProgressRecord() throws {
        let s = try Scratch()
        let steps: [MergeStep] = [
            .directory(MergeStep.staging), .setAside(path("a/b"), number: 1), .place(number: 1, at: path("c"), was: path("a/b")),
            .remove(path("x")), .empty(path("y")), .copy(path("f"), from: path("META_dAfFgHE39ktF3HD2sr.links/7")),
            .link(path("g"), to: path("f")), .directoryMetadata(path("c"), from: path("c"), listed: true),
            .recorded(path("f\u{1}"), MetaAttributes(mode: 0o100600, mtime: Timespec(seconds: -5, nanoseconds: 9)),
                      xattrs: [RecordedXattr(name: bytes("user.a"), value: [0, 255]), RecordedXattr(name: bytes("user.b"), value: nil)]),
            .recorded(.root, nil, xattrs: []), .times(.root, access: Timespec(seconds: 1, nanoseconds: 2), modification: Timespec(seconds: 3, nanoseconds: 4)),
        ]
        let root = try StorageDescriptor.openRoot(s.storage)
        defer { MinifoSystem.close(root) }
        let journal = try MergeJournal.create(steps, base: "/some/base", storageRoot: root)
        try MergeJournal.record(done: 4, to: journal)
        try MergeJournal.record(done: 9, to: journal)
        _ = try MinifoSystem.write(journal, [11, 0, 0, 0, 1])  // a torn record
        MinifoSystem.close(journal)
        let read = try #require(try MergeJournal.read(storageRoot: root))
        #expect(read.base == "/some/base" && read.steps == steps && read.done == 9)

        var bytes = try Data(contentsOf: URL(fileURLWithPath: s.storage + "/META_dAfFgHE39ktF3HD2sr.merge"))
        bytes[20] ^= 1
        try bytes.write(to: URL(fileURLWithPath: s.storage + "/META_dAfFgHE39ktF3HD2sr.merge"))
        #expect(throws: MergeError.self) { try MergeJournal.read(storageRoot: root) }
    }
}
