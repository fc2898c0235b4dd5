import Foundation
import MinifoSystem
import OverlayCore
import Testing

/// mini_fo's META files (`D name`, `R old-base-path name` in each storage directory) parsed and
/// converted into minifo's META file, on temporary directories.
@Suite struct LegacyImportTests {
    static let meta = "META_dAfFgHE39ktF3HD2sr"

    // MARK: Parsing

    @Test func parsesDeletionsAndRenamesWithLineNumbers() throws {
        let text = "D S96led\nD name with spaces\nR /rom/usr/share/doc newdoc\nR //rom//usr/lib/ renamed dir\n"
        let records = try LegacyMeta.parse(Array(text.utf8), oldBase: "/rom/")
        #expect(records.map(\.line) == [1, 2, 3, 4])
        #expect(records.map(\.record) == [
            .deleted(name: Array("S96led".utf8)),
            .deleted(name: Array("name with spaces".utf8)),
            .renamed(from: RelativePath(bytes: Array("usr/share/doc".utf8)), name: Array("newdoc".utf8)),
            .renamed(from: RelativePath(bytes: Array("usr/lib".utf8)), name: Array("renamed dir".utf8)),
        ])
        #expect(try LegacyMeta.parse([], oldBase: "/rom").isEmpty)
    }

    @Test(arguments: [
        ("D ok\n\nD x\n", 2, "empty line"),
        ("D ok\nX what\n", 2, "not a 'D name'"),
        ("Dnospace\n", 1, "not a 'D name'"),
        ("D a/b\n", 1, "not a file name"),
        ("D ..\n", 1, "not a file name"),
        ("D \n", 1, "not a file name"),
        ("R /rom/a\n", 1, "needs an old base path and a new name"),
        ("R rom/a b\n", 1, "not absolute"),
        ("D ok\nR /elsewhere/a b\n", 2, "not below the base /rom"),
        ("R /rom b\n", 1, "not below the base"),
        ("R /rom/../etc b\n", 1, "'.' or '..'"),
        ("R /rom/a b/c\n", 1, "not a directory name"),
        ("D ok\nD cut", 2, "no newline"),
    ])
    func malformedLineNamesItsNumber(_ text: String, _ line: Int, _ reason: String) {
        #expect {
            try LegacyMeta.parse(Array(text.utf8), oldBase: "/rom")
        } throws: { error in
            guard let error = error as? LegacyLineError else { return false }
            return error.line == line && error.reason.contains(reason)
        }
    }

    // MARK: Converting

    /// A base and a storage directory as mini_fo left them: /etc/init.d/S96led deleted, /old
    /// deleted, /usr/share/doc renamed to newdoc, a file created and one modified.
    private static func legacyLayers() throws -> (TemporaryLayers, base: String, storage: String) {
        let layers = try TemporaryLayers()
        let base = layers.base.resolvingSymlinksInPath().path
        for (path, text) in [("etc/passwd", "root\n"), ("etc/init.d/S96led", "led\n"), ("etc/init.d/S10net", "net\n"),
                             ("usr/share/doc/pkg/README", "readme\n"), ("old/keep", "old\n")] {
            try layers.write(path, text, in: layers.base)
        }
        try layers.write("etc/passwd", "root\nuser\n", in: layers.storage)
        try layers.write("etc/init.d/S20new", "new\n", in: layers.storage)
        try layers.mkdir("usr/share/newdoc", in: layers.storage)
        try layers.write(meta, "D old\n", in: layers.storage)
        try layers.write("etc/init.d/" + meta, "D S96led\n", in: layers.storage)
        try layers.write("usr/share/" + meta, "D doc\nR \(base)/usr/share/doc newdoc\n", in: layers.storage)
        return (layers, base, layers.storage.resolvingSymlinksInPath().path)
    }

    private static func contents(_ url: URL) throws -> String {
        try String(contentsOf: url, encoding: .utf8)
    }

    @Test func convertsToWhiteoutsAndRedirectsAndKeepsABackup() throws {
        let (layers, base, storage) = try Self.legacyLayers()
        let legacy = try LegacyImport(storage: storage, base: base, oldBase: base)
        #expect(legacy.files.map(\.directory.description) == [".", "etc/init.d", "usr/share"])
        #expect(legacy.warnings.isEmpty)
        let backup = layers.root.appendingPathComponent("backup")
        let summary = try legacy.convert(backup: backup.path)
        #expect((summary.files, summary.deletions, summary.renames) == (3, 3, 1))

        // The old files, byte for byte, in the backup; none left in storage but minifo's own.
        #expect(try Self.contents(backup.appendingPathComponent(Self.meta)) == "D old\n")
        #expect(try Self.contents(backup.appendingPathComponent("etc/init.d/" + Self.meta)) == "D S96led\n")
        #expect(try Self.contents(backup.appendingPathComponent("usr/share/" + Self.meta)) == "D doc\nR \(base)/usr/share/doc newdoc\n")
        for directory in ["etc/init.d", "usr/share"] {
            #expect(!FileManager.default.fileExists(atPath: storage + "/" + directory + "/" + Self.meta), "\(directory)'s META is left")
        }
        let header = try Data(contentsOf: layers.storage.appendingPathComponent(Self.meta)).prefix(8)
        #expect(Array(header) == [0x89, 0x4D, 0x46, 0x4D, 0x45, 0x54, 0x41, 0x0A])

        // The overlay shows what mini_fo showed.
        let overlay = try Overlay(base: base, storage: storage)
        #expect(try names(overlay, "") == ["etc", "usr"])
        #expect(try names(overlay, "etc/init.d") == ["S10net", "S20new"])
        #expect(try names(overlay, "usr/share") == ["newdoc"])
        #expect(try names(overlay, "usr/share/newdoc/pkg") == ["README"])
        #expect(overlay.meta.redirect(path("usr/share/newdoc")) == path("usr/share/doc"))
        #expect(overlay.meta.isDeleted(path("etc/init.d/S96led")))
    }

    @Test func aMalformedLineChangesNothing() throws {
        let (layers, base, storage) = try Self.legacyLayers()
        try layers.write("etc/" + Self.meta, "D group\nR passwd\n", in: layers.storage)
        #expect {
            try LegacyImport(storage: storage, base: base, oldBase: base)
        } throws: { error in
            guard case .malformed(let file, let line, _) = error as? LegacyImportError else { return false }
            return file == storage + "/etc/" + Self.meta && line == 2
        }
        #expect(try Self.contents(layers.storage.appendingPathComponent(Self.meta)) == "D old\n")
        #expect(try Self.contents(layers.storage.appendingPathComponent("usr/share/" + Self.meta)).hasPrefix("D doc\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: layers.root.path).sorted() == ["base", "storage"])
    }

    @Test func aRenameWhoseOldPathIsGoneIsImportedWithAWarning() throws {
        let (layers, base, storage) = try Self.legacyLayers()
        try layers.write("usr/" + Self.meta, "R \(base)/usr/gone moved\n", in: layers.storage)
        let legacy = try LegacyImport(storage: storage, base: base, oldBase: base)
        #expect(legacy.warnings.count == 1)
        #expect(legacy.warnings.first?.contains("usr/\(Self.meta):1") == true)
        _ = try legacy.convert(backup: layers.root.appendingPathComponent("backup").path)
        #expect(try Overlay(base: base, storage: storage).meta.redirect(path("usr/moved")) == path("usr/gone"))
    }

    @Test func renamesRecordedUnderAnotherBasePathNeedTheOldBase() throws {
        let (layers, base, storage) = try Self.legacyLayers()
        try layers.write("usr/share/" + Self.meta, "R /rom/usr/share/doc newdoc\n", in: layers.storage)
        #expect(throws: LegacyImportError.self) { try LegacyImport(storage: storage, base: base, oldBase: base) }
        let legacy = try LegacyImport(storage: storage, base: base, oldBase: "/rom")
        _ = try legacy.convert(backup: layers.root.appendingPathComponent("backup").path)
        #expect(try names(Overlay(base: base, storage: storage), "usr/share/newdoc") == ["pkg"])
    }

    @Test func anImportCutShortAfterTheNewFileIsFinishedByTheNextRun() throws {
        let (layers, base, storage) = try Self.legacyLayers()
        // As if the first run had put the new META file in place and then died.
        let subdirectoryFile = try Data(contentsOf: layers.storage.appendingPathComponent("etc/init.d/" + Self.meta))
        _ = try LegacyImport(storage: storage, base: base, oldBase: base).convert(backup: layers.root.appendingPathComponent("first").path)
        try subdirectoryFile.write(to: layers.storage.appendingPathComponent("etc/init.d/" + Self.meta))

        do {
            let again = try LegacyImport(storage: storage, base: base, oldBase: base)
            #expect(again.rootIsConverted)
            #expect(again.files.map(\.directory.description) == ["etc/init.d"])
            _ = try again.convert(backup: layers.root.appendingPathComponent("second").path)
        }
        #expect(!FileManager.default.fileExists(atPath: storage + "/etc/init.d/" + Self.meta))
        let overlay = try Overlay(base: base, storage: storage)
        #expect(try names(overlay, "etc/init.d") == ["S10net", "S20new"])
        #expect(overlay.meta.isDeleted(path("old")))

        #expect {
            try LegacyImport(storage: storage, base: base, oldBase: base)
        } throws: { error in
            guard case .alreadyConverted = error as? LegacyImportError else { return false }
            return true
        }
    }

    @Test func anExistingBackupDirectoryIsRefusedBeforeAnythingChanges() throws {
        let (layers, base, storage) = try Self.legacyLayers()
        let backup = layers.root.appendingPathComponent("backup")
        try FileManager.default.createDirectory(at: backup, withIntermediateDirectories: false)
        let legacy = try LegacyImport(storage: storage, base: base, oldBase: base)
        #expect {
            try legacy.convert(backup: backup.path)
        } throws: { error in
            guard case .backupExists = error as? LegacyImportError else { return false }
            return true
        }
        #expect(try Self.contents(layers.storage.appendingPathComponent(Self.meta)) == "D old\n")
        #expect(FileManager.default.fileExists(atPath: storage + "/etc/init.d/" + Self.meta))
    }

    @Test func aStorageWithoutLegacyFilesHasNothingToImport() throws {
        let layers = try TemporaryLayers()
        try layers.write("file", "x", in: layers.storage)
        #expect {
            try LegacyImport(storage: layers.storage.path, base: layers.base.path, oldBase: layers.base.path)
        } throws: { error in
            guard case .nothingToImport = error as? LegacyImportError else { return false }
            return true
        }
    }
}
