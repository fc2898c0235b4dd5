import Foundation
import MinifoSystem
import OverlayCore
import Testing

@Suite struct LookupTests {
    @Test func baseObjectsKeepTheirInodeNumbers() throws {
        let layers = try TemporaryLayers()
        try layers.write("dir/file", "base", in: layers.base)
        let overlay = try layers.overlay()
        let entry = try overlay.lookup(path("dir/file"))
        let native = try FileManager.default.attributesOfItem(atPath: layers.base.path + "/dir/file")
        #expect(entry.layer == .base)
        #expect(entry.stat.inode == (native[.systemFileNumber] as! NSNumber).uint64Value)
        #expect(entry.stat.size == 4)
    }

    @Test func storageVersionWinsButKeepsTheBaseInode() throws {
        let layers = try TemporaryLayers()
        try layers.write("file", "base", in: layers.base)
        try layers.write("file", "changed", in: layers.storage)
        let overlay = try layers.overlay()
        let entry = try overlay.lookup(path("file"))
        let baseInode = (try FileManager.default.attributesOfItem(atPath: layers.base.path + "/file")[.systemFileNumber] as! NSNumber).uint64Value
        #expect(entry.layer == .storage)
        #expect(entry.stat.size == 7)
        #expect(entry.stat.inode == baseInode)
    }

    /// Lookups in a directory seen without a storage copy skip storage, until one is made:
    /// by a copy-up, a new object, or a directory renamed onto the name.
    @Test func entriesOfUncopiedDirectoriesShowStorageOnceItHasThem() throws {
        let layers = try TemporaryLayers()
        for directory in ["a", "b"] { try layers.write("\(directory)/file", "base", in: layers.base) }
        try layers.mkdir("c", in: layers.base)
        let overlay = try layers.overlay()
        let caller = Caller(uid: 0, gid: 0)
        for directory in ["a", "b"] {
            #expect(try overlay.lookup(path(directory)).layer == .base)
            #expect(try overlay.lookup(path("\(directory)/file")).layer == .base)
        }
        #expect(try overlay.lookup(path("c")).layer == .base)
        #expect(throws: Errno.ENOENT) { try overlay.lookup(path("c/file")) }
        try overlay.copyUp(path("a/file"))
        #expect(try overlay.lookup(path("a/file")).layer == .storage)
        let (_, _, fd) = try overlay.create(Array("new".utf8), in: path("b"), .file(flags: O_WRONLY), mode: 0o100644, caller: caller)
        if let fd { MinifoSystem.close(fd) }
        #expect(try overlay.lookup(path("b/new")).layer == .storage)
        _ = try overlay.create(Array("made".utf8), in: .root, .directory, mode: 0o40755, caller: caller)
        _ = try overlay.create(Array("file".utf8), in: path("made"), .node(device: 0), mode: 0o100644, caller: caller)
        try overlay.rename(Array("made".utf8), in: .root, to: Array("c".utf8), in: .root, flags: [])
        #expect(try overlay.lookup(path("c/file")).layer == .storage)
    }

    @Test func lookupsFromAnOpenedDirectoryMatchLookupsByPath() throws {
        let layers = try TemporaryLayers()
        for name in ["base", "both", "sub/inside"] { try layers.write("dir/\(name)", "base", in: layers.base) }
        try layers.write("dir/both", "storage", in: layers.storage)
        try layers.write("dir/new", "new", in: layers.storage)
        let overlay = try layers.overlay()
        try overlay.rename(Array("sub".utf8), in: path("dir"), to: Array("moved".utf8), in: path("dir"), flags: [])
        for (directory, names) in [("dir", ["base", "both", "new", "moved", "sub", "missing"]), ("dir/moved", ["inside"])] {
            let opened = overlay.openForLookups(path(directory))
            for name in names {
                let byPath = try? overlay.lookup(path("\(directory)/\(name)"))
                let byName = try? overlay.lookup(Array(name.utf8), in: opened)
                #expect(byPath?.stat.inode == byName?.stat.inode, "\(directory)/\(name)")
                #expect(byPath?.stat.size == byName?.stat.size, "\(directory)/\(name)")
                #expect(byPath?.layer == byName?.layer, "\(directory)/\(name)")
            }
        }
    }

    @Test func storageOnlyObjectsGetNumbersOutsideTheBaseRange() throws {
        let layers = try TemporaryLayers()
        try layers.write("new", "x", in: layers.storage)
        let entry = try layers.overlay().lookup(path("new"))
        #expect(entry.layer == .storage)
        #expect(entry.stat.inode & (1 << 63) != 0)
    }

    @Test func rootShowsTheBaseRootsAttributes() throws {
        let layers = try TemporaryLayers()
        chmod(layers.base.path, 0o711)
        chmod(layers.storage.path, 0o700)
        let entry = try layers.overlay().lookup(.root)
        #expect(entry.stat.mode & 0o7777 == 0o711)
        #expect(entry.merged)
    }

    @Test func metaFileIsNeverFoundOrListedAtTheRoot() throws {
        let layers = try TemporaryLayers()
        try layers.write("visible", "x", in: layers.base)
        try layers.write("META_dAfFgHE39ktF3HD2sr", "a base file of that name is hidden too", in: layers.base)
        try layers.write("sub/META_dAfFgHE39ktF3HD2sr", "an ordinary file below the root", in: layers.base)
        let overlay = try layers.overlay()
        #expect(FileManager.default.fileExists(atPath: layers.storage.path + "/META_dAfFgHE39ktF3HD2sr"))
        #expect(throws: Errno.ENOENT) { try overlay.lookup(Names.meta, in: .root) }
        #expect(throws: Errno.ENOENT) { try overlay.lookup(Names.work, in: .root) }
        #expect(try names(overlay, "") == ["sub", "visible"])
        #expect(try overlay.lookup(Names.meta, in: path("sub")).1.stat.size == 31)
    }

    @Test func invalidAndOverlongNamesAreRefused() throws {
        let layers = try TemporaryLayers()
        let overlay = try layers.overlay()
        #expect(throws: Errno.ENAMETOOLONG) { try overlay.lookup([UInt8](repeating: 0x61, count: 256), in: .root) }
        #expect(throws: Errno.ENOENT) { try overlay.lookup(Array("missing".utf8), in: .root) }
        #expect(throws: Errno.ENOENT) { try overlay.lookup(Array("a/b".utf8), in: .root) }
    }
}
