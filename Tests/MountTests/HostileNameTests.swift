import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// Names no one types: 255 bytes, newlines, spaces, backslashes, invalid UTF-8, every byte
    /// a name may hold; and paths deeper than PATH_MAX. Each is created, written, renamed,
    /// deleted, recorded in META and read back after a remount, byte for byte.
    @Suite
    struct HostileNameTests {
        static let names: [[UInt8]] = [
            [UInt8](repeating: UInt8(ascii: "n"), count: 255),
            Array(String(repeating: "é", count: 127).utf8) + [UInt8(ascii: "x")],
            Array("new\nline".utf8), Array(" leading and trailing ".utf8), Array("back\\slash".utf8),
            Array("tab\there".utf8), [0x66, 0xFF, 0xFE, 0x80], Array("-dash".utf8), Array("...".utf8),
            Array("META_dAfFgHE39ktF3HD2sr".utf8),
            // Every byte a name can hold, 1 to 255 but '/'.
            (1...255).map(UInt8.init).filter { $0 != 0x2F },
        ]

        static func errnoOf(_ rc: Int32) -> Int32 { rc == 0 ? 0 : errno }

        @Test func oddNamesSurviveEveryOperationAndARemount() throws {
            try MountFixture.with { fixture in
                // Base objects under each name, to be changed through META: chmod, xattrs,
                // deletion and a directory rename.
                let base = fixture.baseRaw
                try Sys.mkdir(base.appending("base"))
                for (i, name) in Self.names.enumerated() {
                    let dir = base.appending("base").appending(name)
                    try Sys.mkdir(dir)
                    try Sys.writeFile(dir.appending(name), name + Array(" \(i)".utf8))
                    try Sys.writeFile(dir.appending("doomed"), [UInt8(i)])
                }
                let baseBefore = try TreeWalk.fingerprint(base)
                try fixture.mount()
                let m = fixture.mountRaw
                try Sys.mkdir(m.appending("new"))
                for (i, name) in Self.names.enumerated() {
                    // New objects.
                    let dir = m.appending("new").appending(name)
                    try Sys.mkdir(dir)
                    try Sys.writeFile(dir.appending(name), name)
                    try Sys.symlink(name, dir.appending("link"))
                    let next = Self.names[(i + 1) % Self.names.count]
                    try Sys.writeFile(dir.appending("renamed-away"), [1, 2, 3])
                    #expect(Self.errnoOf(dir.appending("renamed-away").withCString { s in
                        dir.appending(next).withCString { rename(s, $0) }
                    }) == 0, "rename to \(RawPath(bytes: next))")
                    // Base objects.
                    let baseDir = m.appending("base").appending(name)
                    #expect(baseDir.appending(name).withCString { chmod($0, 0o600) } == 0, "chmod of \(RawPath(bytes: name))")
                    #expect(Xattr.setErrno(baseDir.appending(name), "user.name", name) == 0)
                    #expect(baseDir.appending("doomed").withCString { unlink($0) } == 0)
                }
                #expect(Self.errnoOf(m.appending("base").withCString { s in m.appending("moved-base").withCString { rename(s, $0) } }) == 0)
                // META's own name is refused at the root, and never shown there.
                let meta = m.appending(BaseTree.metaName)
                #expect(Self.errnoOf(meta.withCString { mkdir($0, 0o755) }) == EPERM)
                #expect(!(try Sys.listDirectory(m)).contains { $0.name == Array(BaseTree.metaName.utf8) })

                let before = try TreeModel.observe(m)
                for (i, name) in Self.names.enumerated() {
                    let dir = m.appending("moved-base").appending(name)
                    #expect(before.nodes[RawPath("moved-base").appending(name).appending(name)]?.mode == 0o600)
                    #expect(before.nodes[RawPath("moved-base").appending(name).appending(name)]?.content == name + Array(" \(i)".utf8))
                    #expect(Sys.statResult(dir.appending("doomed")).errnoValue == ENOENT)
                }
                let unmount = try fixture.runUnmount()
                try #require(unmount.succeeded, "\(unmount)")
                let check = try run(MountEnvironment.minifo, ["check", fixture.storage])
                #expect(check.succeeded, "\(check)")
                let status = try run(MountEnvironment.minifo, ["status", fixture.storage])
                #expect(status.succeeded, "\(status)")
                try fixture.mount()
                let after = try TreeModel.observe(m)
                #expect(before.matches(after), "after a remount: \(before.differences(from: after))")
                TreeWalk.expectSame(baseBefore, try TreeWalk.fingerprint(base), "the base")
            }
        }

        @Test func namesOver255BytesAreRefused() throws {
            try MountFixture.with { fixture in
                try Sys.writeFile(fixture.baseRaw.appending("file"), [1])
                try fixture.mount()
                let m = fixture.mountRaw
                let long = m.appending([UInt8](repeating: UInt8(ascii: "x"), count: 256))
                let file = m.appending("file")
                let results: [(String, Int32)] = [
                    ("create", { let fd = long.withCString { open($0, O_CREAT | O_WRONLY, 0o644) }; if fd >= 0 { close(fd) }; return fd >= 0 ? 0 : errno }()),
                    ("mkdir", Self.errnoOf(long.withCString { mkdir($0, 0o755) })),
                    ("symlink", Self.errnoOf(long.withCString { symlink("t", $0) })),
                    ("link", Self.errnoOf(file.withCString { s in long.withCString { link(s, $0) } })),
                    ("rename", Self.errnoOf(file.withCString { s in long.withCString { rename(s, $0) } })),
                    ("lookup", Sys.statResult(long).errnoValue),
                ]
                for (what, result) in results {
                    #expect(result == ENAMETOOLONG, "\(what) of a 256-byte name: \(String(cString: strerror(result)))")
                }
            }
        }

        /// Opens the directory at `components` below `root`, one name at a time, so that the
        /// path as a whole may be longer than PATH_MAX.
        static func walk(_ root: RawPath, _ components: [[UInt8]]) throws -> Int32 {
            var fd = try Sys.open(root, O_RDONLY | O_DIRECTORY)
            for (depth, name) in components.enumerated() {
                let next = RawPath(bytes: name).withCString { openat(fd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW) }
                let error = errno
                close(fd)
                if next < 0 { throw SysError(call: "openat", path: "component \(depth) of \(components.count)", errno: error) }
                fd = next
            }
            return fd
        }

        static func readAll(_ dir: Int32, _ name: String) -> [UInt8]? {
            let fd = openat(dir, name, O_RDONLY)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(fd, &buffer, buffer.count)
            return count >= 0 ? Array(buffer[..<count]) : nil
        }

        /// A base tree and a new tree deeper than PATH_MAX (4096 bytes), reached one directory
        /// at a time: reads, a copy-up, a new file and a deletion at the bottom, then a rename
        /// near the top that pushes everything deeper still, and a remount.
        @Test func pathsDeeperThanPathMax() throws {
            try MountFixture.with { fixture in
                let component = { (i: Int) in Array("\(i)-".utf8) + [UInt8](repeating: UInt8(ascii: "d"), count: 200) }
                let deep = (0..<24).map(component)  // about 4,900 bytes
                // The base tree, made with mkdirat from descriptors.
                var fd = try Sys.open(fixture.baseRaw, O_RDONLY | O_DIRECTORY)
                for name in deep {
                    let made = RawPath(bytes: name).withCString { mkdirat(fd, $0, 0o755) } == 0 ? 0 : errno
                    try #require(made == 0, "mkdirat in the base: \(String(cString: strerror(made)))")
                    let next = RawPath(bytes: name).withCString { openat(fd, $0, O_RDONLY | O_DIRECTORY) }
                    close(fd)
                    fd = next
                }
                for name in ["read", "write", "remove"] {
                    let file = openat(fd, name, O_WRONLY | O_CREAT, 0o644)
                    _ = write(file, name, name.utf8.count)
                    close(file)
                }
                close(fd)
                try fixture.mount()

                let bottom = try Self.walk(fixture.mountRaw, deep)
                #expect(Self.readAll(bottom, "read") == Array("read".utf8), "reading a base file deeper than PATH_MAX")
                let writer = openat(bottom, "write", O_WRONLY | O_APPEND)
                #expect(writer >= 0, "opening a base file deeper than PATH_MAX for writing: errno \(errno)")
                if writer >= 0 { _ = write(writer, "+", 1); close(writer) }
                let created = openat(bottom, "created", O_WRONLY | O_CREAT, 0o644)
                #expect(created >= 0, "creating a file deeper than PATH_MAX: errno \(errno)")
                if created >= 0 { _ = write(created, "new", 3); close(created) }
                #expect(unlinkat(bottom, "remove", 0) == 0, "removing a base file deeper than PATH_MAX: errno \(errno)")
                close(bottom)

                // A longer name near the top moves every object below it deeper.
                let longer = Array("1-".utf8) + [UInt8](repeating: UInt8(ascii: "L"), count: 250)
                let top = try Self.walk(fixture.mountRaw, [deep[0]])
                #expect(RawPath(bytes: deep[1]).withCString { s in RawPath(bytes: longer).withCString { renameat(top, s, top, $0) } } == 0,
                        "renaming a directory near the top: errno \(errno)")
                close(top)
                let moved = [deep[0], longer] + deep.dropFirst(2)

                func expectBottom(_ when: String) throws {
                    let bottom = try Self.walk(fixture.mountRaw, moved)
                    defer { close(bottom) }
                    #expect(Self.readAll(bottom, "read") == Array("read".utf8), "the base file \(when)")
                    #expect(Self.readAll(bottom, "write") == Array("write+".utf8), "the copied-up file \(when)")
                    #expect(Self.readAll(bottom, "created") == Array("new".utf8), "the new file \(when)")
                    #expect(Self.readAll(bottom, "remove") == nil, "the removed file \(when)")
                }
                try expectBottom("after the rename")
                let unmount = try fixture.runUnmount()
                try #require(unmount.succeeded, "\(unmount)")
                try fixture.mount()
                try expectBottom("after a remount")
            }
        }
    }
}
