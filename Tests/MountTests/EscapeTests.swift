import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// Storage and base tampered with while mounted (symlinks planted, directories swapped for
    /// symlinks, a META record naming `..`): minifo never reads or writes outside the two
    /// directories and never writes to the base, whatever the calls through the mount answer.
    @Suite
    struct EscapeTests {
        static let secret = Array("outside secret\n".utf8)

        /// A directory beside base and storage that nothing may read or change.
        static func makeOutside(_ fixture: MountFixture) throws -> RawPath {
            let outside = RawPath(fixture.root + "/outside")
            try Sys.mkdir(outside)
            try Sys.writeFile(outside.appending("f"), secret, mode: 0o600)
            try Sys.writeFile(outside.appending("g"), secret)
            try Sys.mkdir(outside.appending("sub"))
            return outside
        }

        /// Every kind of call a program can make on the names `f` and `g` in the directory
        /// `dir`, as (description, outcome): the data a read got, or nil.
        static func tryEverything(in dir: Int32) -> [(String, [UInt8]?)] {
            func errnoText(_ rc: Int32) -> [UInt8]? { rc == 0 ? [] : nil }
            var outcomes: [(String, [UInt8]?)] = []
            var st = stat()
            outcomes.append(("fstatat", fstatat(dir, "f", &st, AT_SYMLINK_NOFOLLOW) == 0 ? [] : nil))
            let reader = openat(dir, "f", O_RDONLY)
            if reader >= 0 {
                var buffer = [UInt8](repeating: 0, count: 100)
                let count = read(reader, &buffer, 100)
                outcomes.append(("read", count >= 0 ? Array(buffer[..<count]) : nil))
                close(reader)
            }
            let writer = openat(dir, "f", O_WRONLY | O_TRUNC)
            if writer >= 0 {
                _ = write(writer, "x", 1)
                close(writer)
                outcomes.append(("open O_TRUNC and write", []))
            }
            let created = openat(dir, "created", O_WRONLY | O_CREAT, 0o644)
            if created >= 0 { close(created) }
            outcomes.append(("create", created >= 0 ? [] : nil))
            outcomes.append(("mkdirat", errnoText(mkdirat(dir, "newdir", 0o755))))
            outcomes.append(("fchmodat", errnoText(fchmodat(dir, "f", 0o777, 0))))
            outcomes.append(("fchownat", errnoText(fchownat(dir, "f", 1, 1, AT_SYMLINK_NOFOLLOW))))
            var times = [timespec(tv_sec: 1, tv_nsec: 0), timespec(tv_sec: 1, tv_nsec: 0)]
            outcomes.append(("utimensat", errnoText(utimensat(dir, "f", &times, AT_SYMLINK_NOFOLLOW))))
            outcomes.append(("setxattr", errnoText(Xattr.setErrno(RawPath("/proc/self/fd/\(dir)/f"), "user.x", [1]))))
            outcomes.append(("symlinkat", errnoText(symlinkat("target", dir, "link"))))
            outcomes.append(("linkat", errnoText(linkat(dir, "f", dir, "hard", 0))))
            outcomes.append(("renameat", errnoText(renameat(dir, "g", dir, "renamed"))))
            outcomes.append(("unlinkat", errnoText(unlinkat(dir, "f", 0))))
            outcomes.append(("rmdir", errnoText(unlinkat(dir, "sub", AT_REMOVEDIR))))
            return outcomes
        }

        static func expectNothingFromOutside(_ outcomes: [(String, [UInt8]?)], sourceLocation: SourceLocation = #_sourceLocation) {
            for (what, data) in outcomes where data == secret {
                Issue.record("\(what) through the mount returned the data of a file outside storage and base", sourceLocation: sourceLocation)
            }
        }

        @Test func aStorageDirectorySwappedForASymlinkLeadsNowhere() throws {
            try MountFixture.with { fixture in
                let outside = try Self.makeOutside(fixture)
                try Sys.mkdir(fixture.baseRaw.appending("d"))
                try Sys.writeFile(fixture.baseRaw.appending("d/f"), Array("base f\n".utf8))
                try Sys.writeFile(fixture.baseRaw.appending("d/g"), Array("base g\n".utf8))
                try Sys.mkdir(fixture.baseRaw.appending("d/sub"))
                let outsideBefore = try TreeWalk.fingerprint(outside)
                let baseBefore = try TreeWalk.fingerprint(fixture.baseRaw)
                try fixture.mount(options: ["timeout=3600"])
                try Sys.writeFile(fixture.mountRaw.appending("d/copied-up"), [1])
                let dir = try Sys.open(fixture.mountRaw.appending("d"), O_RDONLY | O_DIRECTORY)
                defer { close(dir) }
                let storageDir = fixture.storageRaw.appending("d")
                try #require(rename(storageDir.string, storageDir.string + ".real") == 0)
                try Sys.symlink(outside.bytes, storageDir)

                Self.expectNothingFromOutside(Self.tryEverything(in: dir))
                TreeWalk.expectSame(outsideBefore, try TreeWalk.fingerprint(outside), "the directory outside")
                TreeWalk.expectSame(baseBefore, try TreeWalk.fingerprint(fixture.baseRaw), "the base")
                #expect(Sys.statResult(fixture.mountRaw).errnoValue == 0, "the mount stopped answering")
            }
        }

        @Test func aSymlinkPlantedForAStorageFileIsNeverFollowed() throws {
            try MountFixture.with { fixture in
                let outside = try Self.makeOutside(fixture)
                try Sys.writeFile(fixture.baseRaw.appending("file"), Array("base\n".utf8))
                let outsideBefore = try TreeWalk.fingerprint(outside)
                try fixture.mount(options: ["timeout=3600"])
                let file = fixture.mountRaw.appending("file")
                try Sys.writeFile(file, Array("copied up\n".utf8))
                _ = try Sys.lstat(file)  // the kernel now knows it as a regular file
                let held = try Sys.open(file, O_RDWR)
                defer { close(held) }
                let planted = fixture.storageRaw.appending("file")
                try #require(unlink(planted.string) == 0)
                try Sys.symlink(outside.appending("f").bytes, planted)

                // Calls that never follow a symlink themselves: any following would be minifo's.
                // (A path-based chmod or truncate may find the planted symlink, which the mount
                // shows as what it is, and then the kernel follows it, as it does anywhere.)
                _ = fchmod(held, 0o777)
                _ = fchown(held, 1, 1)
                _ = ftruncate(held, 0)
                _ = file.withCString { lchown($0, 1, 1) }
                var times = [timespec(tv_sec: 1, tv_nsec: 0), timespec(tv_sec: 1, tv_nsec: 0)]
                _ = file.withCString { utimensat(AT_FDCWD, $0, &times, AT_SYMLINK_NOFOLLOW) }
                _ = Xattr.setErrno(file, "user.x", [1])
                // O_NOFOLLOW: the mount may well show the planted symlink as what it is, and the
                // kernel, not minifo, would follow it.
                let fd = file.withCString { open($0, O_RDONLY | O_NOFOLLOW) }
                if fd >= 0 {
                    var buffer = [UInt8](repeating: 0, count: 100)
                    let count = read(fd, &buffer, 100)
                    close(fd)
                    #expect(count < 0 || Array(buffer[..<count]) != Self.secret, "reading through the planted symlink")
                }
                TreeWalk.expectSame(outsideBefore, try TreeWalk.fingerprint(outside), "the directory outside")
            }
        }

        @Test func swappedWorkAndLinksDirectoriesNeverReceiveACopy() throws {
            try MountFixture.with { fixture in
                let outside = try Self.makeOutside(fixture)
                try Sys.writeFile(fixture.baseRaw.appending("file"), Array("base\n".utf8))
                try Sys.writeFile(fixture.baseRaw.appending("linked"), Array("linked\n".utf8))
                try Sys.link(fixture.baseRaw.appending("linked"), fixture.baseRaw.appending("other-name"))
                let outsideBefore = try TreeWalk.fingerprint(outside)
                try fixture.mount()
                for name in [BaseTree.metaName + ".work", BaseTree.metaName + ".links"] {
                    let real = fixture.storageRaw.appending(name)
                    if Sys.statResult(real).errnoValue == 0 {
                        try #require(rename(real.string, real.string + ".real") == 0)
                    }
                    try Sys.symlink(outside.appending("sub").bytes, real)
                }
                for name in ["file", "linked"] {
                    let fd = fixture.mountRaw.appending(name).withCString { open($0, O_WRONLY | O_APPEND) }
                    if fd >= 0 {
                        _ = write(fd, "more\n", 5)
                        close(fd)
                    }
                }
                TreeWalk.expectSame(outsideBefore, try TreeWalk.fingerprint(outside), "the directory outside")
                #expect(Sys.statResult(fixture.mountRaw).errnoValue == 0, "the mount stopped answering")
            }
        }

        @Test func aBaseDirectorySwappedForASymlinkLeadsNowhere() throws {
            try MountFixture.with { fixture in
                let outside = try Self.makeOutside(fixture)
                try Sys.mkdir(fixture.baseRaw.appending("d"))
                try Sys.writeFile(fixture.baseRaw.appending("d/f"), Array("base f\n".utf8))
                try Sys.writeFile(fixture.baseRaw.appending("d/g"), Array("base g\n".utf8))
                let outsideBefore = try TreeWalk.fingerprint(outside)
                try fixture.mount(options: ["timeout=3600"])
                let dir = try Sys.open(fixture.mountRaw.appending("d"), O_RDONLY | O_DIRECTORY)
                defer { close(dir) }
                let baseDir = fixture.baseRaw.appending("d")
                try #require(rename(baseDir.string, baseDir.string + ".real") == 0)
                try Sys.symlink(outside.bytes, baseDir)

                Self.expectNothingFromOutside(Self.tryEverything(in: dir))
                TreeWalk.expectSame(outsideBefore, try TreeWalk.fingerprint(outside), "the directory outside")
                #expect(try Sys.readFile(fixture.baseRaw.appending("d.real/f")) == Array("base f\n".utf8))
                #expect(Sys.statResult(fixture.mountRaw).errnoValue == 0, "the mount stopped answering")
            }
        }

        /// A redirect to `../outside` written into META with a good checksum: the mount is
        /// refused, naming the damaged record, and nothing is read or changed.
        @Test func aMetaRecordNamingDotDotIsRefused() throws {
            try MountFixture.with { fixture in
                let outside = try Self.makeOutside(fixture)
                try Sys.mkdir(fixture.baseRaw.appending("d"))
                var file = MetaBytes.header(base: fixture.base)
                let recordOffset = file.count
                file += MetaBytes.record(kind: 3, MetaBytes.path("d") + [1] + MetaBytes.path("../outside"))
                let meta = fixture.storageRaw.appending(BaseTree.metaName)
                try Sys.writeFile(meta, file)
                let outsideBefore = try TreeWalk.fingerprint(outside)

                let result = try fixture.runMount()
                #expect(!result.succeeded, "mounting a META file with a record naming ../: \(result)")
                #expect(result.stderr.contains("offset \(recordOffset)"), "the error should name the damaged record: \(result)")
                #expect(!MountEnvironment.isMounted(fixture.mountPoint))
                #expect(try Sys.readFile(meta) == file, "the refused META file was changed")
                TreeWalk.expectSame(outsideBefore, try TreeWalk.fingerprint(outside), "the directory outside")
            }
        }
    }
}

/// META file bytes built by hand, as docs/meta-format.md lays them out.
enum MetaBytes {
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    static func header(base: String) -> [UInt8] {
        var bytes: [UInt8] = [0x89, 0x4D, 0x46, 0x4D, 0x45, 0x54, 0x41, 0x0A] + le32(1) + le32(UInt32(base.utf8.count)) + Array(base.utf8)
        bytes += le32(crc32c(bytes))
        return bytes
    }

    static func path(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return [UInt8(bytes.count & 0xFF), UInt8(bytes.count >> 8)] + bytes
    }

    static func record(kind: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let body = [kind] + payload
        return le32(UInt32(body.count)) + body + le32(crc32c(body))
    }

    /// CRC-32C (Castagnoli), bit by bit.
    static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}
