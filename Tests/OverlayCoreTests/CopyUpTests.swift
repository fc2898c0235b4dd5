import Foundation
import MinifoSystem
import OverlayCore
import Testing

@Suite struct CopyUpTests {
    @Test func copyUpKeepsDataModeOwnerTimesAndParents() throws {
        let layers = try TemporaryLayers()
        try layers.write("a/b/file", "base data", in: layers.base)
        let file = layers.base.path + "/a/b/file"
        chmod(file, 0o4751)
        chown(file, 1234, 5678)
        chmod(layers.base.path + "/a", 0o750)
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 5), timespec(tv_sec: 2_000_000, tv_nsec: 7)]
        utimensat(AT_FDCWD, file, &times, 0)
        let overlay = try layers.overlay()
        let before = try overlay.lookup(path("a/b/file"))

        let (fd, entry) = try overlay.openForWriting(path("a/b/file"), flags: O_RDWR)
        MinifoSystem.close(fd)

        #expect(entry.layer == .storage)
        #expect(entry.stat.inode == before.stat.inode)
        #expect(entry.stat.mode == before.stat.mode)
        #expect(entry.stat.uid == 1234 && entry.stat.gid == 5678)
        #expect(entry.stat.modificationTime == Timespec(seconds: 2_000_000, nanoseconds: 7))
        #expect(try String(contentsOfFile: layers.storage.path + "/a/b/file", encoding: .utf8) == "base data")
        let parent = try FileManager.default.attributesOfItem(atPath: layers.storage.path + "/a")
        #expect((parent[.posixPermissions] as! NSNumber).intValue == 0o750)
        // Nothing is left in the work directory, and the base is untouched.
        #expect(try FileManager.default.contentsOfDirectory(atPath: layers.storage.path + "/META_dAfFgHE39ktF3HD2sr.work").isEmpty)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "base data")
    }

    @Test func copyUpKeepsHoles() throws {
        let layers = try TemporaryLayers()
        let file = layers.base.path + "/sparse"
        let fd = open(file, O_CREAT | O_WRONLY, 0o644)
        _ = pwrite(fd, "x", 1, 10 << 20)
        ftruncate(fd, 20 << 20)
        Glibc.close(fd)
        let overlay = try layers.overlay()
        try overlay.copyUp(path("sparse"))
        let copy = try MinifoSystem.stat(path: layers.storage.path + "/sparse")
        #expect(copy.size == 20 << 20)
        #expect(copy.blocks * 512 < 1 << 20)
    }

    @Test func createdObjectsBelongToTheCaller() throws {
        let layers = try TemporaryLayers()
        try layers.mkdir("shared", in: layers.base)
        chown(layers.base.path + "/shared", 0, 4242)
        chmod(layers.base.path + "/shared", 0o2775)
        let overlay = try layers.overlay()
        let caller = Caller(uid: 1000, gid: 1000)
        let (_, file, fd) = try overlay.create(Array("new".utf8), in: path("shared"), .file(flags: O_WRONLY), mode: 0o100640, caller: caller)
        if let fd { MinifoSystem.close(fd) }
        #expect(file.stat.uid == 1000)
        #expect(file.stat.gid == 4242)
        #expect(file.stat.mode == 0o100640)
        #expect(throws: Errno.EEXIST) {
            try overlay.create(Array("new".utf8), in: path("shared"), .directory, mode: 0o755, caller: caller)
        }
        #expect(throws: Errno.EPERM) {
            try overlay.create(Names.meta, in: .root, .directory, mode: 0o755, caller: caller)
        }
    }

    @Test func metadataChangesLandInStorageOnly() throws {
        let layers = try TemporaryLayers()
        try layers.write("file", "base", in: layers.base)
        let overlay = try layers.overlay()
        var change = AttributeChange()
        change.mode = 0o600
        change.size = 2
        change.modificationTime = .set(Timespec(seconds: 42, nanoseconds: 0))
        let entry = try overlay.changeAttributes(path("file"), change, fd: nil)
        #expect(entry.stat.mode & 0o7777 == 0o600)
        #expect(entry.stat.size == 2)
        #expect(entry.stat.modificationTime.seconds == 42)
        #expect(try String(contentsOfFile: layers.base.path + "/file", encoding: .utf8) == "base")
    }
}

@Suite struct MetadataOnlyTests {
    @Test func setIDBitsDropAsTheKernelDropsThem() throws {
        #expect(Permissions.droppingSetID(0o106775) == 0o100775)
        #expect(Permissions.droppingSetID(0o104755) == 0o100755)
        #expect(Permissions.droppingSetID(0o102765) == 0o102765)
        #expect(Permissions.droppingSetID(0o100644) == 0o100644)

        let layers = try TemporaryLayers()
        for name in ["chowned", "truncated"] {
            try layers.write(name, "base", in: layers.base)
            chmod(layers.base.path + "/" + name, 0o6755)
        }
        let overlay = try layers.overlay()
        var chown = AttributeChange()
        chown.uid = 77
        chown.dropsSetID = true
        let chowned = try overlay.changeAttributes(path("chowned"), chown, fd: nil)
        #expect(chowned.layer == .base && chowned.stat.mode == 0o100755 && chowned.stat.uid == 77)
        var truncate = AttributeChange()
        truncate.size = 1
        truncate.dropsSetID = true
        let truncated = try overlay.changeAttributes(path("truncated"), truncate, fd: nil)
        #expect(truncated.layer == .storage && truncated.stat.mode == 0o100755 && truncated.stat.size == 1)
    }

    @Test func chmodChownUtimesOfABaseFileCopyNoData() throws {
        let layers = try TemporaryLayers()
        try layers.write("file", "base", in: layers.base)
        do {
            let overlay = try layers.overlay()
            var change = AttributeChange()
            change.mode = 0o600
            change.uid = 77
            change.modificationTime = .set(Timespec(seconds: 1234, nanoseconds: 5))
            let entry = try overlay.changeAttributes(path("file"), change, fd: nil)
            #expect(entry.layer == .base)
            #expect(entry.stat.mode == 0o100600 && entry.stat.uid == 77)
            #expect(!FileManager.default.fileExists(atPath: layers.storage.path + "/file"))
        }
        // The change survives reopening, and the first data change copies up with it.
        let overlay = try layers.overlay()
        let reopened = try overlay.lookup(path("file"))
        #expect(reopened.stat.mode == 0o100600 && reopened.stat.modificationTime == Timespec(seconds: 1234, nanoseconds: 5))
        let (fd, copied) = try overlay.openForWriting(path("file"), flags: O_WRONLY)
        MinifoSystem.close(fd)
        #expect(copied.layer == .storage)
        #expect(copied.stat.mode == 0o100600 && copied.stat.uid == 77)
        #expect(overlay.meta.attributes(path("file")) == nil)
        let base = try FileManager.default.attributesOfItem(atPath: layers.base.path + "/file")
        #expect((base[.posixPermissions] as! NSNumber).intValue == 0o644)
    }

    @Test func xattrsOfABaseFileAreRecordedAndCarriedIntoTheCopy() throws {
        let layers = try TemporaryLayers()
        try layers.write("file", "base", in: layers.base)
        let overlay = try layers.overlay()
        let name = Array("user.note".utf8)
        try overlay.setExtendedAttribute(path("file"), name: name, value: Array("v1".utf8), flags: 0)
        #expect(throws: Errno.EEXIST) { try overlay.setExtendedAttribute(path("file"), name: name, value: [1], flags: 1) }
        #expect(throws: Errno.ENODATA) { try overlay.setExtendedAttribute(path("file"), name: Array("user.none".utf8), value: [1], flags: 2) }
        #expect(try overlay.extendedAttribute(path("file"), name: name, capacity: 64).value == Array("v1".utf8))
        #expect(try overlay.extendedAttributeNames(path("file"), capacity: 256).names == name + [0])
        #expect(!FileManager.default.fileExists(atPath: layers.storage.path + "/file"))
        try overlay.copyUp(path("file"))
        #expect(try ExtendedAttributes.get(overlay.storage.root, Array("file".utf8), name: name, capacity: 64).value == Array("v1".utf8))
        try overlay.removeExtendedAttribute(path("file"), name: name)
        #expect(throws: Errno.ENODATA) { try overlay.extendedAttribute(path("file"), name: name, capacity: 64) }
    }
}

@Suite struct HardLinkTests {
    @Test func namesOfAHardLinkedBaseFileStayOneFileAfterCopyUp() throws {
        let layers = try TemporaryLayers()
        try layers.write("a", "one", in: layers.base)
        try FileManager.default.linkItem(atPath: layers.base.path + "/a", toPath: layers.base.path + "/b")
        let overlay = try layers.overlay()
        let inode = try overlay.lookup(path("a")).stat.inode
        let (fd, _) = try overlay.openForWriting(path("a"), flags: O_WRONLY | O_APPEND)
        _ = try MinifoSystem.write(fd, Array("two".utf8))
        MinifoSystem.close(fd)
        let other = try overlay.lookup(path("b"))
        #expect(other.stat.size == 6)
        #expect(other.stat.inode == inode && other.stat.linkCount == 2)
        let (file, _) = try overlay.openForReading(path("b"))
        defer { file.close() }
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try pread(file.readOnly, into: &buffer, count: 16, offset: 0) == 6)
        #expect(Array(buffer[..<6]) == Array("onetwo".utf8))
        // Removing one name leaves the other, with the shared data; the base keeps both.
        try overlay.remove(Array("a".utf8), in: .root, directory: false)
        #expect(throws: Errno.ENOENT) { try overlay.lookup(path("a")) }
        #expect(try overlay.lookup(path("b")).stat.size == 6)
        #expect(try String(contentsOfFile: layers.base.path + "/b", encoding: .utf8) == "one")
    }
}
