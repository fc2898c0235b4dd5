import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// Changes through the mount land in storage, persist across a remount, and never reach
    /// the base.
    @Suite
    struct CopyOnWriteTests {
        private static func write(_ text: String, to path: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }

        private static func read(_ path: String) throws -> String {
            try String(contentsOfFile: path, encoding: .utf8)
        }

        private static func remount(_ fixture: MountFixture, options: [String] = []) throws {
            let result = try fixture.runUnmount()
            try #require(result.succeeded, "minifo umount failed: \(result)")
            try fixture.mount(options: options)
        }

        @Test func editsDeletesAndDirectoryRenamesSurviveARemount() throws {
            try MountFixture.with { fixture in
                let files = FileManager.default
                try files.createDirectory(atPath: fixture.base + "/tree/deep", withIntermediateDirectories: true)
                try Self.write("base file\n", to: fixture.base + "/file")
                try Self.write("deep\n", to: fixture.base + "/tree/deep/leaf")
                try Self.write("gone\n", to: fixture.base + "/doomed")
                let baseInode = try files.attributesOfItem(atPath: fixture.base + "/tree")[.systemFileNumber] as! NSNumber
                try fixture.mount()
                let m = fixture.mountPoint

                try Self.write("edited\n", to: m + "/file")
                try Self.write("created\n", to: m + "/new")
                try files.removeItem(atPath: m + "/doomed")
                try files.moveItem(atPath: m + "/tree", toPath: m + "/moved")
                try files.createDirectory(atPath: m + "/tree", withIntermediateDirectories: false)
                try Self.remount(fixture)

                #expect(try Self.read(m + "/file") == "edited\n")
                #expect(try Self.read(m + "/new") == "created\n")
                #expect(!files.fileExists(atPath: m + "/doomed"))
                #expect(try Self.read(m + "/moved/deep/leaf") == "deep\n")
                #expect(try files.contentsOfDirectory(atPath: m + "/tree").isEmpty)
                #expect(try files.attributesOfItem(atPath: m + "/moved")[.systemFileNumber] as! NSNumber == baseInode)
                #expect(try Set(files.contentsOfDirectory(atPath: m)) == ["file", "new", "moved", "tree"])
                // The base is as it was.
                #expect(try Self.read(fixture.base + "/file") == "base file\n")
                #expect(files.fileExists(atPath: fixture.base + "/doomed"))
                #expect(try Self.read(fixture.base + "/tree/deep/leaf") == "deep\n")
                #expect(!files.fileExists(atPath: fixture.base + "/new"))
            }
        }

        /// The mount's root is the base root with META's changes, its xattrs included.
        @Test func xattrsOfTheRootAreSeenAndSurviveARemount() throws {
            try MountFixture.with { fixture in
                try Xattr.set(fixture.baseRaw, "user.base", Array("b".utf8))
                try fixture.mount()
                let root = fixture.mountRaw
                try Xattr.set(root, "user.new", Array("n".utf8))
                try Xattr.set(root, "user.base", Array("changed".utf8))
                #expect(try Xattr.get(root, Array("user.new".utf8)) == Array("n".utf8))
                #expect(Xattr.removeErrno(root, "user.new") == 0)
                #expect(Xattr.removeErrno(root, "user.new") == ENODATA)
                try Xattr.set(root, "user.kept", Array("k".utf8))
                try Self.remount(fixture)
                #expect(try Xattr.get(root, Array("user.base".utf8)) == Array("changed".utf8))
                #expect(try Xattr.get(root, Array("user.kept".utf8)) == Array("k".utf8))
                #expect(try Set(Xattr.list(root)) == [Array("user.base".utf8), Array("user.kept".utf8)])
                #expect(try Xattr.get(fixture.baseRaw, Array("user.base".utf8)) == Array("b".utf8))
                #expect(try Xattr.list(fixture.baseRaw) == [Array("user.base".utf8)])
            }
        }

        /// A read-only descriptor opened before a copy-up keeps the base data (passthrough binds
        /// it to the base file); with -o coherent it sees the copy, as on a native filesystem.
        @Test(arguments: [false, true])
        func descriptorOpenedBeforeACopyUp(coherent: Bool) throws {
            try MountFixture.with { fixture in
                try Self.write("old\n", to: fixture.base + "/file")
                try fixture.mount(options: coherent ? ["coherent"] : [])
                let path = fixture.mountPoint + "/file"
                let reader = open(path, O_RDONLY)
                try #require(reader >= 0)
                defer { close(reader) }
                let writer = open(path, O_WRONLY | O_TRUNC)
                try #require(writer >= 0, "opening for writing while a reader is open failed: errno \(errno)")
                #expect(Glibc.write(writer, "new data\n", 9) == 9)
                close(writer)
                var buffer = [UInt8](repeating: 0, count: 64)
                let count = pread(reader, &buffer, 64, 0)
                #expect(String(decoding: buffer[..<max(count, 0)], as: UTF8.self) == (coherent ? "new data\n" : "old\n"))
                #expect(try Self.read(path) == "new data\n")
                #expect(try Self.read(fixture.base + "/file") == "old\n")
            }
        }
    }
}
