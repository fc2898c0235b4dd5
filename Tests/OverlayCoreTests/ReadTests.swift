import Foundation
import MinifoSystem
import OverlayCore
import Testing

@Suite struct ReadTests {
    @Test func mergedDirectoryListsEachNameOnce() throws {
        let layers = try TemporaryLayers()
        try layers.write("d/a", "base", in: layers.base)
        try layers.write("d/b", "base", in: layers.base)
        try layers.write("d/b", "storage", in: layers.storage)
        try layers.write("d/c", "storage", in: layers.storage)
        let overlay = try layers.overlay()
        #expect(try overlay.lookup(path("d")).merged)
        #expect(try names(overlay, "d") == ["a", "b", "c"])
    }

    @Test func largeBaseDirectoryResumesFromAnyOffset() throws {
        let layers = try TemporaryLayers()
        try layers.mkdir("big", in: layers.base)
        for i in 0..<3000 { try layers.write("big/entry-\(i)", "", in: layers.base) }
        let overlay = try layers.overlay()
        let stream = try overlay.openDirectory(path("big"))
        var offsets: [Int64] = [0]
        var listed: [[UInt8]] = []
        while let item = try stream.next(from: offsets.last!) {
            listed.append(item.name)
            offsets.append(item.nextOffset)
        }
        #expect(listed.count == 3002)
        // Resuming at an earlier cookie gives the same entry again.
        let again = try overlay.openDirectory(path("big"))
        #expect(try again.next(from: offsets[1500])?.name == listed[1500])
        #expect(try again.next(from: offsets[10])?.name == listed[10])
    }

    @Test func readingComesFromTheBase() throws {
        let layers = try TemporaryLayers()
        try layers.write("file", "base", in: layers.base)
        let overlay = try layers.overlay()
        let (file, entry) = try overlay.openForReading(path("file"))
        defer { file.close() }
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try pread(file.readOnly, into: &buffer, count: 16, offset: 0) == 4)
        #expect(entry.layer == .base)
    }

    @Test func symlinksAndDirectoriesCannotBeOpenedAsFiles() throws {
        let layers = try TemporaryLayers()
        try layers.mkdir("dir", in: layers.base)
        try FileManager.default.createSymbolicLink(atPath: layers.base.path + "/link", withDestinationPath: "../elsewhere")
        let overlay = try layers.overlay()
        #expect(try overlay.readLink(path("link")) == Array("../elsewhere".utf8))
        #expect(throws: Errno.EINVAL) { try overlay.readLink(path("dir")) }
        #expect(throws: Errno.EISDIR) { try overlay.openForReading(path("dir")) }
        #expect(throws: Errno.ELOOP) { try overlay.openForReading(path("link")) }
    }

    @Test func extendedAttributesComeFromTheAnsweringLayer() throws {
        let layers = try TemporaryLayers()
        try layers.write("file", "x", in: layers.base)
        let set = Process()
        set.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        set.arguments = ["-c", "import os,sys; os.setxattr(sys.argv[1], 'user.minifo', b'value')", layers.base.path + "/file"]
        try set.run()
        set.waitUntilExit()
        try #require(set.terminationStatus == 0, "the temporary directory's filesystem must support user xattrs")
        let overlay = try layers.overlay()
        let size = try overlay.extendedAttribute(path("file"), name: Array("user.minifo".utf8), capacity: 0).size
        #expect(size == 5)
        #expect(try overlay.extendedAttribute(path("file"), name: Array("user.minifo".utf8), capacity: 64).value == Array("value".utf8))
        #expect(throws: Errno.ERANGE) { try overlay.extendedAttribute(path("file"), name: Array("user.minifo".utf8), capacity: 2) }
        let names = try overlay.extendedAttributeNames(path("file"), capacity: 256).names
        #expect(names.split(separator: 0).contains { Array($0) == Array("user.minifo".utf8) })
    }

    @Test func permissionsFollowTheModeBits() throws {
        let layers = try TemporaryLayers()
        try layers.write("secret", "x", in: layers.base)
        chmod(layers.base.path + "/secret", 0o640)
        chown(layers.base.path + "/secret", 1000, 2000)
        let stat = try layers.overlay().lookup(path("secret")).stat
        #expect(Permissions.allows(stat, uid: 1000, gid: 1, mask: Permissions.read | Permissions.write))
        #expect(Permissions.allows(stat, uid: 5, gid: 2000, mask: Permissions.read))
        #expect(!Permissions.allows(stat, uid: 5, gid: 2000, mask: Permissions.write))
        #expect(!Permissions.allows(stat, uid: 5, gid: 5, mask: Permissions.read))
        #expect(Permissions.allows(stat, uid: 0, gid: 0, mask: Permissions.read | Permissions.write))
        #expect(!Permissions.allows(stat, uid: 0, gid: 0, mask: Permissions.execute))
    }
}
