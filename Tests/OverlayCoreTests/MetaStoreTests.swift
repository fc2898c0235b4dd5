import Foundation
import MinifoSystem
import OverlayCore
import Testing

/// A storage directory under a fresh temporary directory, held open as the daemon holds it.
final class MetaFixture {
    static let base = "/srv/base"
    let directory: URL
    let root: StorageDescriptor

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("minifo-meta-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        root = try .openRoot(directory.path)
    }

    deinit {
        MinifoSystem.close(root)
        try? FileManager.default.removeItem(at: directory)
    }

    func open(base: String = MetaFixture.base, force: Bool = false) throws(MetaError) -> MetaStore {
        try MetaStore(storageRoot: root, basePath: base, force: force)
    }

    var metaURL: URL { directory.appendingPathComponent("META_dAfFgHE39ktF3HD2sr") }

    func metaBytes() throws -> [UInt8] { [UInt8](try Data(contentsOf: metaURL)) }

    func writeMeta(_ bytes: [UInt8]) throws { try Data(bytes).write(to: metaURL) }

    func fileNames() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() }
}

func metaPath(_ string: String) -> RelativePath {
    string.isEmpty ? .root : RelativePath(bytes: Array(string.utf8))
}

/// Everything the store answers about one path.
struct MetaPathState: Equatable, CustomStringConvertible {
    var deleted: Bool
    var opaque: Bool
    var redirect: RelativePath?
    var attributes: MetaAttributes?
    var xattrs: [[UInt8]: [UInt8]?]
    var inode: UInt64?
    var deletedNames: Set<[UInt8]>
    var hasRecords: Bool

    init(_ store: MetaStore, _ path: RelativePath) {
        deleted = store.isDeleted(path)
        opaque = store.isOpaque(path)
        redirect = store.redirect(path)
        attributes = store.attributes(path)
        xattrs = store.xattrOverrides(path)
        inode = store.inode(path)
        deletedNames = store.deletedNames(in: path)
        hasRecords = store.hasRecords(below: path)
    }

    var description: String {
        "deleted \(deleted) opaque \(opaque) redirect \(redirect?.description ?? "-") attributes \(String(describing: attributes)) "
            + "xattrs \(xattrs) inode \(String(describing: inode)) deletedNames \(deletedNames) hasRecords \(hasRecords)"
    }
}

func metaSnapshot(_ store: MetaStore, _ paths: [RelativePath]) -> [RelativePath: MetaPathState] {
    Dictionary(uniqueKeysWithValues: paths.map { ($0, MetaPathState(store, $0)) })
}

@Suite struct MetaStoreTests {
    @Test func aMissingFileIsCreatedWithAHeaderOnly() throws {
        let fixture = try MetaFixture()
        let store = try fixture.open()
        #expect(store.warnings.isEmpty)
        #expect(store.fileRecordCount == 0)
        #expect(store.liveRecordCount == 0)
        #expect(try fixture.fileNames() == ["META_dAfFgHE39ktF3HD2sr"])
        #expect(try fixture.metaBytes().count == 8 + 4 + 4 + MetaFixture.base.utf8.count + 4)
        #expect(!store.hasRecords(below: .root))
        #expect(MetaStore.fileName == Array("META_dAfFgHE39ktF3HD2sr".utf8))
    }

    @Test func anEmptyFileIsTreatedAsMissing() throws {
        let fixture = try MetaFixture()
        try fixture.writeMeta([])
        let store = try fixture.open()
        #expect(store.warnings.isEmpty)
        try store.setDeleted(metaPath("a"), true)
        #expect(try fixture.open().isDeleted(metaPath("a")))
    }

    @Test func everyKindOfRecordSurvivesAReopen() throws {
        let fixture = try MetaFixture()
        let attributes = MetaAttributes(mode: 0o104755, uid: 1000, gid: 100,
                                        atime: Timespec(seconds: -5, nanoseconds: 999_999_999),
                                        mtime: Timespec(seconds: 1_700_000_000, nanoseconds: 1))
        let value = [UInt8](0...255) + [0, 0]
        do {
            let store = try fixture.open()
            try store.setDeleted(metaPath("gone"), true)
            try store.setOpaque(metaPath("dir"), true)
            try store.setRedirect(metaPath("moved/here"), to: metaPath("was/there"))
            try store.setAttributes(metaPath("dir/file"), attributes)
            try store.setAttributes(.root, MetaAttributes(mode: 0o40700))
            try store.setAttributes(metaPath("partly"), MetaAttributes(gid: 7, mtime: Timespec(seconds: 3, nanoseconds: 4)))
            try store.setXattr(metaPath("dir/file"), name: Array("user.set".utf8), value: value)
            try store.setXattr(metaPath("dir/file"), name: Array("user.empty".utf8), value: [])
            try store.setXattr(metaPath("dir/file"), name: Array("security.selinux".utf8), value: nil)
            try store.setXattr(.root, name: Array("trusted.x".utf8), value: [1])
            try store.setInode(metaPath("dir/file"), 0xFFFF_FFFF_FFFF_FFFF)
            try store.setInode(metaPath("zero"), 0)
            #expect(store.liveRecordCount == 12)
        }
        let store = try fixture.open()
        #expect(store.warnings.isEmpty)
        #expect(store.isDeleted(metaPath("gone")))
        #expect(!store.isDeleted(metaPath("dir")))
        #expect(store.isOpaque(metaPath("dir")))
        #expect(store.redirect(metaPath("moved/here")) == metaPath("was/there"))
        #expect(store.redirect(metaPath("moved")) == nil)
        #expect(store.attributes(metaPath("dir/file")) == attributes)
        #expect(store.attributes(.root) == MetaAttributes(mode: 0o40700))
        #expect(store.attributes(metaPath("partly")) == MetaAttributes(gid: 7, mtime: Timespec(seconds: 3, nanoseconds: 4)))
        let xattrs: [[UInt8]: [UInt8]?] = [
            Array("user.set".utf8): value, Array("user.empty".utf8): [], Array("security.selinux".utf8): [UInt8]?.none,
        ]
        #expect(store.xattrOverrides(metaPath("dir/file")) == xattrs)
        #expect(store.xattrOverrides(.root) == [Array("trusted.x".utf8): [1]])
        #expect(store.inode(metaPath("dir/file")) == 0xFFFF_FFFF_FFFF_FFFF)
        #expect(store.inode(metaPath("zero")) == 0)
        #expect(store.deletedNames(in: .root) == [Array("gone".utf8)])
        #expect(store.hasRecords(below: metaPath("moved")))
        #expect(!store.hasRecords(below: metaPath("nothing")))
        #expect(store.liveRecordCount == 12)
        #expect(store.fileRecordCount == 12)
    }

    @Test func clearingStateSurvivesAReopenAndLeavesNothingBehind() throws {
        let fixture = try MetaFixture()
        let path = metaPath("a/b")
        do {
            let store = try fixture.open()
            try store.setDeleted(path, true)
            try store.setOpaque(path, true)
            try store.setRedirect(path, to: metaPath("c"))
            try store.setAttributes(path, MetaAttributes(uid: 1))
            try store.setXattr(path, name: [0x61], value: [0x62])
            try store.setInode(path, 9)
            try store.setDeleted(path, false)
            try store.setOpaque(path, false)
            try store.setRedirect(path, to: nil)
            try store.setAttributes(path, MetaAttributes())
            try store.clearXattrs(path)
            try store.setInode(path, nil)
            #expect(store.liveRecordCount == 0)
            #expect(!store.hasRecords(below: .root))
        }
        let store = try fixture.open()
        #expect(MetaPathState(store, path) == MetaPathState(store, metaPath("never")))
        #expect(!store.hasRecords(below: .root))
        #expect(store.fileRecordCount == 12)
    }

    @Test func unchangedStateCostsNoAppend() throws {
        let fixture = try MetaFixture()
        let store = try fixture.open()
        try store.setDeleted(metaPath("a"), true)
        try store.setDeleted(metaPath("a"), true)
        try store.setDeleted(metaPath("b"), false)
        try store.setXattr(metaPath("a"), name: [0x6E], value: nil)
        try store.setXattr(metaPath("a"), name: [0x6E], value: nil)
        try store.clearXattrs(metaPath("c"))
        try store.rename(metaPath("x"), to: metaPath("y"))
        try store.removeTree(metaPath("z"))
        #expect(store.fileRecordCount == 2)
    }

    @Test func namesAreRawBytes() throws {
        let fixture = try MetaFixture()
        var names: [[UInt8]] = []
        for byte in UInt8(1)...255 where byte != 0x2F {
            names.append([byte, 0x41])
            if byte != 0x2E { names.append([byte]) }
        }
        names += [Array("with space".utf8), Array("back\\slash".utf8), Array("new\nline".utf8), [0xC3, 0x28, 0xFF, 0xFE],
                  [UInt8](repeating: 0x7A, count: 255), Array("..x".utf8), Array("...".utf8)]
        let deep = RelativePath(bytes: [UInt8](repeating: 0x79, count: 255)).appending([UInt8](repeating: 0x80, count: 255))
        do {
            let store = try fixture.open()
            for (i, name) in names.enumerated() {
                try store.setDeleted(RelativePath.root.appending(name), true)
                try store.setInode(deep.appending(name), UInt64(i))
                try store.setXattr(deep, name: name, value: name)
            }
        }
        let store = try fixture.open()
        #expect(store.deletedNames(in: .root) == Set(names))
        #expect(store.xattrOverrides(deep).count == names.count)
        for (i, name) in names.enumerated() {
            #expect(store.isDeleted(RelativePath.root.appending(name)))
            #expect(store.inode(deep.appending(name)) == UInt64(i))
            #expect(store.xattrOverrides(deep)[name] == .some(name))
        }
    }

    @Test func malformedChangesAreEINVALAndWriteNothing() throws {
        let fixture = try MetaFixture()
        let store = try fixture.open()
        let badPaths: [[UInt8]] = [
            [], Array("/abs".utf8), Array("a//b".utf8), Array("a/".utf8), Array("a/./b".utf8), Array("a/..".utf8),
            Array("..".utf8), [0x61, 0x00, 0x62], [UInt8](repeating: 0x61, count: 256),
        ]
        for bytes in badPaths {
            let path = RelativePath(bytes: bytes)
            #expect(throws: Errno.EINVAL) { try store.setDeleted(path, true) }
            #expect(throws: Errno.EINVAL) { try store.setInode(path, 1) }
            #expect(throws: Errno.EINVAL) { try store.rename(metaPath("a"), to: path) }
            #expect(throws: Errno.EINVAL) { try store.setRedirect(metaPath("a"), to: path) }
            #expect(!store.isDeleted(path))
            #expect(!store.hasRecords(below: path))
        }
        #expect(throws: Errno.EINVAL) { try store.setDeleted(.root, true) }
        #expect(throws: Errno.EINVAL) { try store.setOpaque(.root, true) }
        #expect(throws: Errno.EINVAL) { try store.setRedirect(.root, to: metaPath("a")) }
        #expect(throws: Errno.EINVAL) { try store.setRedirect(metaPath("a"), to: .root) }
        #expect(throws: Errno.EINVAL) { try store.rename(.root, to: metaPath("a")) }
        #expect(throws: Errno.EINVAL) { try store.rename(metaPath("a"), to: .root) }
        #expect(throws: Errno.EINVAL) { try store.rename(metaPath("a"), to: metaPath("a/b")) }
        #expect(throws: Errno.EINVAL) { try store.setXattr(metaPath("a"), name: [], value: nil) }
        #expect(throws: Errno.EINVAL) { try store.setXattr(metaPath("a"), name: [0x61, 0], value: nil) }
        #expect(throws: Errno.EINVAL) { try store.setXattr(metaPath("a"), name: [UInt8](repeating: 0x61, count: 256), value: nil) }
        #expect(throws: Errno.EINVAL) { try store.setXattr(metaPath("a"), name: [0x61], value: [UInt8](repeating: 0, count: 65537)) }
        #expect(throws: Errno.EINVAL) {
            try store.setAttributes(metaPath("a"), MetaAttributes(atime: Timespec(seconds: 0, nanoseconds: 1_000_000_000)))
        }
        #expect(throws: Errno.EINVAL) {
            try store.setAttributes(metaPath("a"), MetaAttributes(mtime: Timespec(seconds: 0, nanoseconds: -1)))
        }
        try store.setXattr(metaPath("a"), name: [UInt8](repeating: 0x61, count: 255), value: [UInt8](repeating: 0, count: 65536))
        #expect(store.fileRecordCount == 1)
        #expect(try fixture.open().xattrOverrides(metaPath("a")).count == 1)
    }

    @Test func renameMovesTheWholeSubtreeAndReplacesTheDestination() throws {
        let fixture = try MetaFixture()
        let store = try fixture.open()
        try store.setAttributes(metaPath("a"), MetaAttributes(mode: 0o40755))
        try store.setDeleted(metaPath("a/x"), true)
        try store.setInode(metaPath("a/y/z"), 42)
        try store.setRedirect(metaPath("a/y"), to: metaPath("base/y"))
        try store.setDeleted(metaPath("b"), true)
        try store.setDeleted(metaPath("b/old"), true)
        try store.setInode(metaPath("b/keep/no"), 7)
        try store.setInode(metaPath("bb"), 8)

        try store.rename(metaPath("a"), to: metaPath("b"))

        #expect(!store.hasRecords(below: metaPath("a")))
        #expect(store.attributes(metaPath("a")) == nil)
        #expect(store.attributes(metaPath("b")) == MetaAttributes(mode: 0o40755))
        #expect(!store.isDeleted(metaPath("b")))
        #expect(store.isDeleted(metaPath("b/x")))
        #expect(!store.isDeleted(metaPath("b/old")))
        #expect(store.inode(metaPath("b/keep/no")) == nil)
        #expect(store.inode(metaPath("b/y/z")) == 42)
        #expect(store.redirect(metaPath("b/y")) == metaPath("base/y"))
        #expect(store.inode(metaPath("bb")) == 8)
        #expect(store.deletedNames(in: metaPath("b")) == [Array("x".utf8)])
        #expect(store.liveRecordCount == 5)

        let paths = ["a", "a/x", "a/y", "a/y/z", "b", "b/x", "b/old", "b/y", "b/y/z", "b/keep", "b/keep/no", "bb", ""].map(metaPath)
        let before = metaSnapshot(store, paths)
        #expect(metaSnapshot(try fixture.open(), paths) == before)
    }

    @Test func nestedRenamesAndRenamesOntoAnAncestor() throws {
        let fixture = try MetaFixture()
        let store = try fixture.open()
        try store.setInode(metaPath("d/e/f"), 1)
        try store.setDeleted(metaPath("d/e/g"), true)
        try store.setOpaque(metaPath("d"), true)
        try store.rename(metaPath("d"), to: metaPath("p/q"))
        try store.rename(metaPath("p/q/e"), to: metaPath("r"))
        try store.rename(metaPath("r"), to: metaPath("p/q/e2"))
        #expect(store.inode(metaPath("p/q/e2/f")) == 1)
        #expect(store.isDeleted(metaPath("p/q/e2/g")))
        #expect(store.isOpaque(metaPath("p/q")))
        #expect(!store.hasRecords(below: metaPath("r")))
        #expect(!store.hasRecords(below: metaPath("d")))

        // A directory's child moved onto the directory itself replaces it.
        try store.rename(metaPath("p/q/e2"), to: metaPath("p/q"))
        #expect(!store.isOpaque(metaPath("p/q")))
        #expect(store.inode(metaPath("p/q/f")) == 1)
        #expect(store.isDeleted(metaPath("p/q/g")))
        #expect(!store.hasRecords(below: metaPath("p/q/e2")))

        let paths = ["p", "p/q", "p/q/f", "p/q/g", "p/q/e2", "p/q/e2/f", "d", "r", ""].map(metaPath)
        #expect(metaSnapshot(try fixture.open(), paths) == metaSnapshot(store, paths))
    }

    @Test func removeTreeDropsEverythingAtAndBelow() throws {
        let fixture = try MetaFixture()
        let store = try fixture.open()
        try store.setDeleted(metaPath("t"), true)
        try store.setInode(metaPath("t/u/v"), 3)
        try store.setInode(metaPath("tt"), 4)
        try store.removeTree(metaPath("t"))
        #expect(!store.hasRecords(below: metaPath("t")))
        #expect(store.inode(metaPath("tt")) == 4)
        #expect(store.liveRecordCount == 1)
        try store.setAttributes(.root, MetaAttributes(uid: 0))
        try store.removeTree(.root)
        #expect(!store.hasRecords(below: .root))
        #expect(store.liveRecordCount == 0)
        #expect(!(try fixture.open().hasRecords(below: .root)))
    }

    @Test func aStoreMadeForAnotherBaseNeedsForce() throws {
        let fixture = try MetaFixture()
        try fixture.open(base: "/srv/one").setDeleted(metaPath("a"), true)
        #expect {
            _ = try fixture.open(base: "/srv/two")
        } throws: { error in
            guard case MetaError.baseMismatch(let recorded, let given) = error else { return false }
            let text = "\(error)"
            return recorded == "/srv/one" && given == "/srv/two" && text.contains("/srv/one") && text.contains("/srv/two")
        }
        let forced = try fixture.open(base: "/srv/two", force: true)
        #expect(forced.isDeleted(metaPath("a")))
        #expect(try fixture.open(base: "/srv/two").isDeleted(metaPath("a")))
        #expect(throws: MetaError.self) { _ = try fixture.open(base: "/srv/one") }
        #expect(throws: MetaError.self) { _ = try fixture.open(base: "relative") }
        #expect(try fixture.fileNames() == ["META_dAfFgHE39ktF3HD2sr"])
    }

    @Test func theMetaFileIsNeverFollowedThroughASymlink() throws {
        let fixture = try MetaFixture()
        let target = fixture.directory.appendingPathComponent("elsewhere")
        try Data().write(to: target)
        try FileManager.default.createSymbolicLink(at: fixture.metaURL, withDestinationURL: target)
        #expect {
            _ = try fixture.open()
        } throws: { error in
            guard case MetaError.io(let errno, _) = error else { return false }
            return errno == .ELOOP
        }
        #expect(try Data(contentsOf: target).isEmpty)
    }

    @Test func concurrentChangesAllLand() throws {
        let fixture = try MetaFixture()
        let store = try fixture.open()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in 0..<300 {
                let path = metaPath("w\(worker)/f\(i)")
                try! store.setInode(path, UInt64(worker * 1000 + i))
                if i % 3 == 0 { try! store.setDeleted(path, true) }
                _ = store.isDeleted(metaPath("w\((worker + 1) % 8)/f\(i)"))
                _ = store.hasRecords(below: .root)
            }
        }
        let reopened = try fixture.open()
        for worker in 0..<8 {
            for i in 0..<300 {
                let path = metaPath("w\(worker)/f\(i)")
                #expect(reopened.inode(path) == UInt64(worker * 1000 + i))
                #expect(reopened.isDeleted(path) == (i % 3 == 0))
            }
        }
        #expect(reopened.liveRecordCount == 8 * 400)
        try store.sync()
    }
}
