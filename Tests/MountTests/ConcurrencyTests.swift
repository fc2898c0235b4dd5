import TestSupport
import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// Many threads and processes at once on the same few files and directories: reads,
    /// writes, copy-ups, renames of files and directories, links, deletions, chmod, xattrs and
    /// listings. Nothing may hang or crash, every error must be one the operation can give
    /// natively, and the tree must be consistent afterwards and the same after a remount.
    ///
    /// Long variant (3 minutes): `MINIFO_LONG=1 swift test --filter ConcurrencyTests`
    @Suite
    struct ConcurrencyTests {
        static let directories = ["d0", "d1", "d2", "d0/s0", "d1/s1", "d2/s2"]
        static let names = ["f0", "f1", "f2", "f3", "s0", "s1", "s2", "x"]
        /// What racing with other changes may make an operation answer natively.
        static let expected: Set<Int32> = [0, ENOENT, EEXIST, ENOTEMPTY, ENOTDIR, EISDIR, EPERM]
        /// A rename may also move a directory into itself.
        static let expectedOfRename = expected.union([EINVAL])

        static func buildBase(_ base: RawPath) throws {
            for directory in directories {
                try Sys.mkdir(base.appending(directory))
                for name in ["f0", "f1", "f2"] {
                    try Sys.writeFile(base.appending(directory).appending(name), BaseTree.randomBytes(Int.random(in: 0...40_000)))
                }
            }
            try Sys.link(base.appending("d0/f0"), base.appending("d1/f3"))
        }

        /// One random operation on the shared names, as (name, errno).
        static func randomOperation(_ mount: RawPath, _ random: inout SeededRandom) -> (String, Int32) {
            func path() -> RawPath {
                mount.appending(directories[Int.random(in: 0..<directories.count, using: &random)])
                    .appending(names[Int.random(in: 0..<names.count, using: &random)])
            }
            func result(_ rc: Int32) -> Int32 { rc == 0 ? 0 : errno }
            let a = path(), b = path()
            switch Int.random(in: 0..<15, using: &random) {
            case 0:
                let fd = a.withCString { open($0, O_RDONLY) }
                if fd < 0 { return ("read", errno) }
                var buffer = [UInt8](repeating: 0, count: 65536)
                let count = read(fd, &buffer, buffer.count)
                let error = count < 0 ? errno : 0
                close(fd)
                return ("read", error)
            case 1, 2:
                let fd = a.withCString { open($0, O_WRONLY | O_CREAT, 0o644) }
                if fd < 0 { return ("write", errno) }
                let data = [UInt8](repeating: UInt8.random(in: 0...255, using: &random), count: Int.random(in: 1...20_000, using: &random))
                let written = pwrite(fd, data, data.count, off_t(Int.random(in: 0...30_000, using: &random)))
                let error = written < 0 ? errno : 0
                close(fd)
                return ("write", error)
            case 3: return ("truncate", result(a.withCString { truncate($0, off_t(Int.random(in: 0...10_000, using: &random))) }))
            case 4, 5: return ("rename", result(a.withCString { s in b.withCString { rename(s, $0) } }))
            case 6: return ("unlink", result(a.withCString { unlink($0) }))
            case 7: return ("mkdir", result(a.withCString { mkdir($0, 0o755) }))
            case 8: return ("rmdir", result(a.withCString { rmdir($0) }))
            case 9: return ("chmod", result(a.withCString { chmod($0, mode_t([0o644, 0o600, 0o755][Int.random(in: 0...2, using: &random)])) }))
            case 10: return ("setxattr", Xattr.setErrno(a, "user.k", [UInt8(Int.random(in: 0...255, using: &random))]))
            case 11: return ("link", result(a.withCString { s in b.withCString { link(s, $0) } }))
            case 12: return ("symlink", result(a.withCString { symlink("target", $0) }))
            case 13:
                let directory = mount.appending(directories[Int.random(in: 0..<directories.count, using: &random)])
                do {
                    _ = try Sys.listDirectory(directory)
                    return ("readdir", 0)
                } catch let error as SysError {
                    return ("readdir", error.errno)
                } catch {
                    return ("readdir", EIO)
                }
            default:
                return ("stat", Sys.statResult(a).errnoValue)
            }
        }

        /// Found by the test below (mkdir answered ESTALE now and then): storage gives a removed
        /// object's inode number to the next object it makes, and the kernel, still holding the
        /// removed object's node, was given the same node ID for the new one, so the two were
        /// one inode to it (and for directories, d_splice_alias refuses with ESTALE).
        @Test func aNewObjectNeverTakesTheNodeOfARemovedOne() throws {
            try MountFixture.with { fixture in
                try fixture.mount()
                let m = fixture.mountRaw
                try Sys.writeFile(m.appending("old"), Array("old\n".utf8))
                // O_PATH: the kernel holds the node, and the daemon no descriptor, so storage
                // frees the inode number at the unlink.
                let held = try Sys.open(m.appending("old"), 0o10000000 /* O_PATH */)
                defer { close(held) }
                var st = stat()
                fstat(held, &st)
                let oldInode = st.st_ino
                try #require(m.appending("old").withCString { unlink($0) } == 0)
                var reused = false
                for i in 0..<2000 where !reused {
                    let name = m.appending("new-\(i)")
                    try Sys.writeFile(name, Array("new \(i)\n".utf8))
                    if try Sys.lstat(name).st_ino == oldInode {
                        reused = true
                        #expect(try Sys.readFile(name) == Array("new \(i)\n".utf8))
                    }
                }
                #expect(reused, "storage never gave the removed file's inode number to a new one; nothing was tested")
                // The held descriptor still shows the removed file, as natively: no links.
                #expect(fstat(held, &st) == 0 && st.st_nlink == 0 && st.st_size == 4,
                        "the removed file, held: nlink \(st.st_nlink), size \(st.st_size)")
            }
        }

        /// Found by the test below (open answered ELOOP): a name the kernel knows as a file may
        /// hold something else by the time OPEN arrives, as when a rename in another thread has
        /// just replaced it. Storage changed behind the kernel's cached entry shows the same.
        @Test func anOpenOfANameThatChangedUnderneathLooksItUpAgain() throws {
            try MountFixture.with { fixture in
                try Sys.writeFile(fixture.baseRaw.appending("file"), Array("old\n".utf8))
                try Sys.writeFile(fixture.baseRaw.appending("other"), Array("old\n".utf8))
                try fixture.mount(options: ["timeout=3600"])
                let m = fixture.mountRaw
                try Sys.writeFile(m.appending("file"), Array("copied up\n".utf8))
                try Sys.writeFile(m.appending("other"), Array("copied up\n".utf8))
                _ = try Sys.lstat(m.appending("file"))
                _ = try Sys.lstat(m.appending("other"))
                // Behind the daemon's back: a dangling symlink for one, another file for the other.
                try #require(unlink(fixture.storage + "/file") == 0 && unlink(fixture.storage + "/other") == 0)
                try Sys.symlink(Array("nowhere".utf8), fixture.storageRaw.appending("file"))
                try Sys.writeFile(fixture.storageRaw.appending("other"), Array("new file\n".utf8))
                let opened = m.appending("file").withCString { open($0, O_RDONLY) }
                let error = opened < 0 ? errno : 0
                if opened >= 0 { close(opened) }
                #expect(error == ENOENT, "opening a name that became a dangling symlink: \(String(cString: strerror(error)))")
                #expect(try Sys.readFile(m.appending("other")) == Array("new file\n".utf8))
            }
        }

        /// Found by the long run of the test below (open with O_CREAT answered ELOOP): a rename
        /// put a symlink where a directory of a cached path was. Storage changed behind the
        /// kernel's cached entry shows the same: the request is answered ESTALE, and the VFS
        /// looks the path up again and follows the symlink, as natively.
        @Test func aRequestWhosePathNowCrossesASymlinkLooksItUpAgain() throws {
            try MountFixture.with { fixture in
                try Sys.mkdir(fixture.baseRaw.appending("d"))
                try Sys.mkdir(fixture.baseRaw.appending("e"))
                try fixture.mount(options: ["timeout=3600"])
                let m = fixture.mountRaw
                try Sys.writeFile(m.appending("d/copied-up"), [1])
                _ = try Sys.lstat(m.appending("d"))
                try #require(rename(fixture.storage + "/d", fixture.storage + "/d.away") == 0)
                try Sys.symlink(Array("e".utf8), fixture.storageRaw.appending("d"))
                let fd = m.appending("d/new").withCString { open($0, O_WRONLY | O_CREAT, 0o644) }
                let error = fd < 0 ? errno : 0
                if fd >= 0 { close(fd) }
                #expect(error == 0, "creating a file through a directory that became a symlink: \(String(cString: strerror(error)))")
                #expect(Sys.statResult(m.appending("e/new")).errnoValue == 0, "the file, made where the symlink points")
            }
        }

        /// Found by the test below (stat answered EIO): GETATTR answered with whatever object
        /// held the node's name by then, and the kernel marks a node whose type changes bad.
        /// A directory put behind the kernel's back where an open file was shows the same.
        @Test func attributesOfANodeWhoseNameHoldsAnotherObject() throws {
            try MountFixture.with { fixture in
                try fixture.mount(options: ["timeout=0"])
                try Sys.writeFile(fixture.mountRaw.appending("f"), Array("file\n".utf8))
                let fd = try Sys.open(fixture.mountRaw.appending("f"), O_RDONLY)
                defer { close(fd) }
                try #require(unlink(fixture.storage + "/f") == 0)
                try Sys.mkdir(fixture.storageRaw.appending("f"))
                var st = stat()
                let result = fstat(fd, &st) == 0 ? 0 : errno
                #expect(result == 0 && FileType(mode: st.st_mode) == .regular && st.st_size == 5,
                        "fstat of the open file: \(String(cString: strerror(result))), mode \(String(st.st_mode, radix: 8))")
                #expect(FileType(mode: try Sys.lstat(fixture.mountRaw.appending("f")).st_mode) == .directory,
                        "the name, looked up again, shows the directory")
            }
        }

        /// Found by the test below (chmod, truncate, open and read answered EINVAL now and then): a
        /// path through a symlink whose name a rename had just given to a directory was followed
        /// with READLINK of the symlink's node, answered for the directory. Done behind the
        /// kernel's back here, so that its cached name still shows the symlink.
        @Test func followingASymlinkWhoseNameHoldsADirectoryLooksItUpAgain() throws {
            try MountFixture.with { fixture in
                try fixture.mount()
                let m = fixture.mountRaw
                try Sys.symlink(Array("target".utf8), m.appending("l"))
                #expect(FileType(mode: try Sys.lstat(m.appending("l")).st_mode) == .symlink)
                try #require(unlink(fixture.storage + "/l") == 0)
                try Sys.mkdir(fixture.storageRaw.appending("l"))
                let result = Sys.statResult(m.appending("l"), follow: true)
                #expect(result.errnoValue == 0, "stat(2) through the old symlink's name: \(String(cString: strerror(result.errnoValue)))")
                if case .success(let st) = result {
                    #expect(FileType(mode: st.st_mode) == .directory, "the name, looked up again, shows the directory")
                }
            }
        }

        /// Found by the test below (truncate(2) answered EINVAL now and then): a truncate by a
        /// name whose file a rename had just taken away was applied through a descriptor the
        /// node had open for reading. Done behind the kernel's back here, so that its cached
        /// name still shows the file.
        @Test func truncatingANameWhoseFileIsGoneLooksItUpAgain() throws {
            try MountFixture.with { fixture in
                try fixture.mount()
                let m = fixture.mountRaw
                try Sys.writeFile(m.appending("f"), Array("hello".utf8))
                let reader = try Sys.open(m.appending("f"), O_RDONLY)
                defer { close(reader) }
                try #require(unlink(fixture.storage + "/f") == 0)
                let gone = m.appending("f").withCString { truncate($0, 2) } == 0 ? 0 : errno
                #expect(gone == ENOENT, "truncate(2) of a name whose file is gone: \(String(cString: strerror(gone)))")

                // A name that holds another file by now: that file is truncated, as natively
                // after the rename.
                try Sys.writeFile(m.appending("a"), Array("first".utf8))
                try Sys.writeFile(m.appending("b"), Array("other file".utf8))
                try #require(rename(fixture.storage + "/b", fixture.storage + "/a") == 0)
                let replaced = m.appending("a").withCString { truncate($0, 5) } == 0 ? 0 : errno
                #expect(replaced == 0, "truncate(2) of a name that holds another file: \(String(cString: strerror(replaced)))")
                #expect(try Sys.readFile(fixture.storageRaw.appending("a")) == Array("other".utf8))
            }
        }

        @Test func manyThreadsAndProcessesOnTheSameNames() throws {
            let seconds = Reliability.isLong ? 180.0 : 8.0
            let seed = Reliability.seed
            try MountFixture.with(timeLimit: seconds + 300) { fixture in
                try Self.buildBase(fixture.baseRaw)
                let baseBefore = try TreeWalk.fingerprint(fixture.baseRaw)
                try fixture.mount()
                let m = fixture.mountRaw
                let stop = fixture.root + "/stop"
                // Processes: shell loops copying, moving, removing and listing the same names.
                let script = #"""
                    cd "$2" || exit 1
                    while [ ! -e "$1" ]; do
                        cp d0/f1 d1/x 2>/dev/null; mv d1/x d2/f2 2>/dev/null; mkdir d0/s0/x 2>/dev/null
                        ls -lR . >/dev/null 2>&1; cat d*/f* >/dev/null 2>&1; rm -rf d0/s0/x 2>/dev/null
                        mv d2/s2 d0/x 2>/dev/null; mv d0/x d2/s2 2>/dev/null; echo x >> d1/s1/f0 2>/dev/null
                    done
                    """#
                let processes = try (0..<2).map { _ in try Child("/bin/sh", ["-c", script, "sh", stop, fixture.mountPoint]) }

                let counts = Locked<[String: Int]>([:])
                let unexpected = Locked<[String]>([])
                let group = DispatchGroup()
                let deadline = Date().addingTimeInterval(seconds)
                for thread in 0..<6 {
                    group.enter()
                    Foundation.Thread.detachNewThread {
                        var random = SeededRandom(seed: seed &+ UInt64(thread))
                        var local: [String: Int] = [:]
                        while Date() < deadline {
                            let (name, error) = Self.randomOperation(m, &random)
                            local["\(name) \(error == 0 ? "ok" : String(cString: strerror(error)))", default: 0] += 1
                            let allowed = name == "rename" ? Self.expectedOfRename : Self.expected
                            if !allowed.contains(error) {
                                unexpected.withLock { $0.append("\(name): \(String(cString: strerror(error)))") }
                            }
                        }
                        counts.withLock { all in all.merge(local, uniquingKeysWith: +) }
                        group.leave()
                    }
                }
                let finished = group.wait(timeout: .now() + seconds + 60) == .success
                try Sys.writeFile(RawPath(stop), [])
                for process in processes {
                    let result = process.finish(timeout: 60)
                    #expect(!result.timedOut, "a shell loop on the mount hung: \(result)")
                }
                #expect(finished, "threads still inside the mount 60 s after the deadline: a deadlock or a hang")
                try #require(finished)
                let operations = counts.withLock { $0 }.values.reduce(0, +)
                print("concurrency test (seed \(seed), \(Int(seconds)) s): \(operations) operations by 6 threads; "
                      + counts.withLock { $0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
                let errors = unexpected.withLock { $0 }
                #expect(errors.isEmpty, "errors no native filesystem gives here (seed \(seed)): \(Set(errors).sorted())")
                #expect(!fixture.liveDaemons.isEmpty, "the daemon died")

                // Consistent: everything listed can be looked up and read, and a remount shows
                // the same tree.
                let before = try TreeModel.observe(m)
                let unmount = try fixture.runUnmount()
                try #require(unmount.succeeded, "\(unmount)")
                let check = try run(MountEnvironment.minifo, ["check", fixture.storage])
                #expect(check.succeeded, "minifo check after the concurrent run: \(check.stdout)")
                try fixture.mount()
                let after = try TreeModel.observe(m)
                let same = before.matches(after)
                #expect(same, "the tree changed across a remount: \(before.differences(from: after))")
                TreeWalk.expectSame(baseBefore, try TreeWalk.fingerprint(fixture.baseRaw), "the base")
            }
        }
    }
}

/// A value shared between test threads.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.withLock { body(&value) }
    }
}
