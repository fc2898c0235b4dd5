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
