import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// Writes through the mount: refused with EROFS under `-o ro`, and never reaching the
    /// base in any mode.
    @Suite
    struct WriteTests {
        /// Each write a program can make, as (description, call giving 0 or errno).
        static func writes(in mount: RawPath) -> [(String, () -> Int32)] {
            func errnoOf(_ rc: Int32) -> Int32 { rc == 0 ? 0 : errno }
            func openErrno(_ path: RawPath, _ flags: Int32) -> Int32 {
                let fd = path.withCString { open($0, flags, 0o644) }
                if fd >= 0 { close(fd); return 0 }
                return errno
            }
            let small = mount.appending(BaseTree.smallFile)
            let subdir = mount.appending("dir/sub")
            return [
                ("create a new file", { openErrno(mount.appending("new-file"), O_CREAT | O_WRONLY) }),
                ("create a new file exclusively in a subdirectory", { openErrno(subdir.appending("new-file"), O_CREAT | O_EXCL | O_RDWR) }),
                ("open an existing file O_WRONLY", { openErrno(small, O_WRONLY) }),
                ("open an existing file O_RDWR", { openErrno(small, O_RDWR) }),
                ("open an existing file O_WRONLY|O_TRUNC", { openErrno(small, O_WRONLY | O_TRUNC) }),
                ("open an existing file O_WRONLY|O_APPEND", { openErrno(small, O_WRONLY | O_APPEND) }),
                ("open an existing file O_CREAT|O_WRONLY", { openErrno(small, O_CREAT | O_WRONLY) }),
                ("mkdir", { errnoOf(mount.appending("new-dir").withCString { mkdir($0, 0o755) }) }),
                ("rmdir an empty directory", { errnoOf(mount.appending("rmdir-me").withCString { rmdir($0) }) }),
                ("unlink a file", { errnoOf(small.withCString { unlink($0) }) }),
                ("unlink a symlink", { errnoOf(mount.appending("links/dangling").withCString { unlink($0) }) }),
                ("rename a file", { errnoOf(small.withCString { s in mount.appending("renamed").withCString { rename(s, $0) } }) }),
                ("rename a file over another", { errnoOf(small.withCString { s in mount.appending("empty").withCString { rename(s, $0) } }) }),
                ("rename a directory", { errnoOf(mount.appending("dir").withCString { s in mount.appending("dir2").withCString { rename(s, $0) } }) }),
                ("symlink", { errnoOf("target".withCString { t in mount.appending("new-link").withCString { symlink(t, $0) } }) }),
                ("link", { errnoOf(small.withCString { s in mount.appending("new-hard").withCString { link(s, $0) } }) }),
                ("chmod a file", { errnoOf(small.withCString { chmod($0, 0o600) }) }),
                ("chmod a directory", { errnoOf(subdir.withCString { chmod($0, 0o700) }) }),
                ("chown a file", { errnoOf(small.withCString { chown($0, 1, 1) }) }),
                ("lchown a symlink", { errnoOf(mount.appending("links/relative").withCString { lchown($0, 1, 1) }) }),
                ("utimensat with explicit times", {
                    var times = [timespec(tv_sec: 12345, tv_nsec: 0), timespec(tv_sec: 12345, tv_nsec: 0)]
                    return errnoOf(small.withCString { utimensat(AT_FDCWD, $0, &times, 0) })
                }),
                ("utimensat to now (touch)", { errnoOf(small.withCString { utimensat(AT_FDCWD, $0, nil, 0) }) }),
                ("truncate", { errnoOf(small.withCString { truncate($0, 0) }) }),
                ("truncate to a larger size", { errnoOf(small.withCString { truncate($0, 1 << 20) }) }),
                ("setxattr a new attribute", { Xattr.setErrno(mount.appending(BaseTree.xattrFile), "user.new", Array("v".utf8)) }),
                ("setxattr an existing attribute", { Xattr.setErrno(mount.appending(BaseTree.xattrFile), "user.one", Array("2".utf8)) }),
                ("removexattr", { Xattr.removeErrno(mount.appending(BaseTree.xattrFile), "user.one") }),
                ("mknod a FIFO", { errnoOf(mount.appending("new-fifo").withCString { mknod($0, FileType.fifo.rawValue | 0o644, 0) }) }),
                ("mknod a regular file", { errnoOf(mount.appending("new-reg").withCString { mknod($0, FileType.regular.rawValue | 0o644, 0) }) }),
                ("mknod a character device", { errnoOf(mount.appending("new-chr").withCString { mknod($0, FileType.characterDevice.rawValue | 0o644, Sys.makeDevice(major: 1, minor: 3)) }) }),
                ("open O_TMPFILE in the root", { openErrno(mount, 0o20200000 /* O_TMPFILE */ | O_RDWR) }),
            ]
        }

        @Test func roOptionRejectsEveryWriteWithEROFS() throws {
            try MountFixture.with { fixture in
                try BaseTree.build(at: fixture.baseRaw)
                let before = try TreeWalk.fingerprint(fixture.baseRaw)
                try fixture.mount(options: ["ro"])
                let entry = MountEnvironment.mountEntries().last { $0.mountPoint == fixture.mountPoint }
                #expect(entry?.options.contains("ro") == true, "mount options: \(entry?.options ?? [])")
                for (what, call) in Self.writes(in: fixture.mountRaw) {
                    let result = call()
                    #expect(result == EROFS, "\(what) with -o ro: got \(result == 0 ? "success" : String(cString: strerror(result))), want EROFS")
                }
                // Nothing changed in the mount's view either.
                #expect(try Sys.readFile(fixture.mountRaw.appending(BaseTree.smallFile)) == Array("hello, minifo\n".utf8))
                #expect(Sys.statResult(fixture.mountRaw.appending("new-file")).errnoValue == ENOENT)
                #expect(Sys.statResult(fixture.mountRaw.appending("new-dir")).errnoValue == ENOENT)
                // A read-only mount writes nothing anywhere: the empty storage gets only the
                // 0700 work directory that holds the storage lock and the control socket, which
                // no other user can open to take either first.
                let storage = try Sys.listDirectory(fixture.storageRaw).map { RawPath(bytes: $0.name) }
                #expect(storage.map(\.string) == ["META_dAfFgHE39ktF3HD2sr.work"], "storage of an -o ro mount after refused writes: \(storage)")
                let work = try Sys.listDirectory(fixture.storageRaw.appending("META_dAfFgHE39ktF3HD2sr.work")).map { RawPath(bytes: $0.name).string }
                #expect(work == ["control"], "the work directory of an -o ro mount: \(work)")

                let after = try TreeWalk.fingerprint(fixture.baseRaw)
                TreeWalk.expectSame(before, after, "base after the writes")
            }
        }

        @Test func roOptionWritesFailWithReadOnlyMessage() throws {
            try MountFixture.with { fixture in
                try Sys.writeFile(fixture.baseRaw.appending("file"), Array("x\n".utf8))
                try fixture.mount(options: ["ro"])
                let result = try shell(#"echo more >> "$1/file""#, [fixture.mountPoint])
                #expect(!result.succeeded)
                #expect(result.stderr.contains("Read-only file system"), "\(result)")
                let touch = try run("/usr/bin/touch", [fixture.mountPoint + "/new"])
                #expect(touch.stderr.contains("Read-only file system"), "\(touch)")
                #expect(try Sys.readFile(fixture.baseRaw.appending("file")) == Array("x\n".utf8))
            }
        }

        @Test func writesNeverChangeTheBase() throws {
            // Read-write mount: whether each write succeeds (copy-on-write) or fails, the base
            // must come out bit for bit the same, and the daemon must still be serving.
            try MountFixture.with { fixture in
                try BaseTree.build(at: fixture.baseRaw)
                let before = try TreeWalk.fingerprint(fixture.baseRaw)
                try fixture.mount()
                var outcomes: [String] = []
                for (what, call) in Self.writes(in: fixture.mountRaw) {
                    let result = call()
                    outcomes.append("\(what): \(result == 0 ? "ok" : String(cString: strerror(result)))")
                }
                // Writing through open descriptors too.
                if let fd = try? Sys.open(fixture.mountRaw.appending("odd-size.bin"), O_RDWR) {
                    try? Sys.writeAll(fd, Array("overwritten".utf8), at: 100, path: fixture.mountRaw.appending("odd-size.bin"))
                    _ = ftruncate(fd, 50)
                    _ = fsync(fd)
                    close(fd)
                }
                #expect(Sys.statResult(fixture.mountRaw).errnoValue == 0, "the mount stopped answering after the writes: \(outcomes)")
                #expect(!fixture.liveDaemons.isEmpty, "the daemon died during the writes: \(outcomes)")

                let after = try TreeWalk.fingerprint(fixture.baseRaw)
                TreeWalk.expectSame(before, after, "base after writes through the mount (\(outcomes.joined(separator: "; ")))")
            }
        }
    }
}

extension Result where Failure == SysError {
    /// errno of a failure, 0 on success.
    var errnoValue: Int32 {
        switch self {
        case .success: 0
        case .failure(let error): error.errno
        }
    }
}
