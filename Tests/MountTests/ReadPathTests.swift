import TestSupport
import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// With an empty storage, the mount is an exact copy of the base: names, types,
    /// attributes, contents, links, xattrs.
    @Suite
    struct ReadPathTests {
        /// Builds `BaseTree` in a new fixture, runs `prepare` (to seed storage), mounts, runs `body`.
        func withBaseMounted(
            prepare: (MountFixture) throws -> Void = { _ in },
            sourceLocation: SourceLocation = #_sourceLocation,
            _ body: (MountFixture) throws -> Void
        ) throws {
            try MountFixture.with(sourceLocation: sourceLocation) { fixture in
                try BaseTree.build(at: fixture.baseRaw)
                try prepare(fixture)
                try fixture.mount(sourceLocation: sourceLocation)
                try body(fixture)
            }
        }

        @Test func listingMatchesBase() throws {
            try withBaseMounted { fixture in
                var visited = 0
                try TreeWalk.pairs(base: fixture.baseRaw, mount: fixture.mountRaw) { relative, _, mountPath, baseStat in
                    visited += 1
                    switch Sys.statResult(mountPath) {
                    case .failure(let error):
                        Issue.record("\(relative) is listed but lstat through the mount fails: \(error)")
                    case .success(let st):
                        #expect(
                            FileType(mode: st.st_mode) == FileType(mode: baseStat.st_mode),
                            "type of \(relative): base \(String(baseStat.st_mode, radix: 8)), mount \(String(st.st_mode, radix: 8))"
                        )
                    }
                }
                #expect(visited > BaseTree.manyCount + 50)

                // The same through find(1), as a user would check it.
                let script = #"cd "$1" && find . -printf '%y %p\0' | sort -z | tr '\0' '\n' | md5sum; find . | wc -l"#
                let viaBase = try shell(script, [fixture.base])
                let viaMount = try shell(script, [fixture.mountPoint])
                #expect(viaBase.succeeded, "\(viaBase)")
                #expect(viaMount.succeeded, "\(viaMount)")
                #expect(viaMount.stdout == viaBase.stdout, "find listing (md5 of `%y %p`, count) differs: base \(viaBase.stdout) mount \(viaMount.stdout)")
            }
        }

        @Test func lstatMatchesBase() throws {
            try withBaseMounted { fixture in
                // Nothing has read the tree through the mount yet; each entry is compared
                // before the walk lists it, so no atime has moved.
                var mismatches: [String] = []
                try TreeWalk.pairs(base: fixture.baseRaw, mount: fixture.mountRaw) { relative, basePath, mountPath, _ in
                    let b = try Sys.lstat(basePath)
                    let m: stat
                    switch Sys.statResult(mountPath) {
                    case .failure(let error):
                        mismatches.append("\(relative): \(error)")
                        return
                    case .success(let st): m = st
                    }
                    var fields: [String] = []
                    func check<T: Equatable>(_ name: String, _ x: T, _ y: T) {
                        if x != y { fields.append("\(name) base \(x) mount \(y)") }
                    }
                    check("mode", String(b.st_mode, radix: 8), String(m.st_mode, radix: 8))
                    check("uid", b.st_uid, m.st_uid)
                    check("gid", b.st_gid, m.st_gid)
                    check("size", b.st_size, m.st_size)
                    check("mtime", "\(b.st_mtim.tv_sec).\(b.st_mtim.tv_nsec)", "\(m.st_mtim.tv_sec).\(m.st_mtim.tv_nsec)")
                    check("atime", "\(b.st_atim.tv_sec).\(b.st_atim.tv_nsec)", "\(m.st_atim.tv_sec).\(m.st_atim.tv_nsec)")
                    check("nlink", b.st_nlink, m.st_nlink)
                    check("ino", b.st_ino, m.st_ino)
                    check("rdev", "\(Sys.major(b.st_rdev)):\(Sys.minor(b.st_rdev))", "\(Sys.major(m.st_rdev)):\(Sys.minor(m.st_rdev))")
                    if !fields.isEmpty {
                        mismatches.append("\(relative.bytes.isEmpty ? "<root>" : relative.description): " + fields.joined(separator: ", "))
                    }
                }
                #expect(mismatches.isEmpty, "lstat differs for \(mismatches.count) entries:\n\(mismatches.prefix(40).joined(separator: "\n"))")
            }
        }

        @Test func contentsMatchBase() throws {
            try withBaseMounted { fixture in
                var files = 0
                try TreeWalk.pairs(base: fixture.baseRaw, mount: fixture.mountRaw) { relative, basePath, mountPath, baseStat in
                    guard FileType(mode: baseStat.st_mode) == .regular else { return }
                    files += 1
                    let expected = try Sys.readFile(basePath)
                    do {
                        let actual = try Sys.readFile(mountPath)
                        #expect(actual.count == expected.count, "size read from \(relative)")
                        #expect(actual == expected, "content of \(relative)")
                    } catch {
                        Issue.record("reading \(relative) through the mount: \(error)")
                    }
                }
                #expect(files > BaseTree.manyCount)

                // diff(1) itself, minus the FIFO/socket/device directory it cannot compare.
                let diff = try run("/usr/bin/diff", ["-r", "--no-dereference", "-x", BaseTree.specialDirectory, fixture.base, fixture.mountPoint])
                #expect(diff.succeeded && diff.stdout.isEmpty, "diff -r base mnt: \(diff)")
            }
        }

        @Test func symlinksReadBackTheSame() throws {
            try withBaseMounted { fixture in
                var links = 0
                try TreeWalk.pairs(base: fixture.baseRaw, mount: fixture.mountRaw) { relative, basePath, mountPath, baseStat in
                    guard FileType(mode: baseStat.st_mode) == .symlink else { return }
                    links += 1
                    let expected = try Sys.readLink(basePath)
                    do {
                        let actual = try Sys.readLink(mountPath)
                        #expect(RawPath(bytes: actual) == RawPath(bytes: expected), "readlink \(relative)")
                    } catch {
                        Issue.record("readlink \(relative) through the mount: \(error)")
                    }
                }
                #expect(links >= 8)

                // Following them: the relative one reaches the mount's own file, the dangling one fails.
                let relative = Sys.statResult(fixture.mountRaw.appending("links/relative"), follow: true)
                let target = Sys.statResult(fixture.mountRaw.appending(BaseTree.smallFile))
                #expect(try relative.get().st_ino == target.get().st_ino)
                #expect(try Sys.readFile(fixture.mountRaw.appending("links/relative")) == Sys.readFile(fixture.baseRaw.appending(BaseTree.smallFile)))
                switch Sys.statResult(fixture.mountRaw.appending("links/dangling"), follow: true) {
                case .success: Issue.record("stat of a dangling symlink through the mount succeeded")
                case .failure(let error): #expect(error.errno == ENOENT, "\(error)")
                }
                let inDir = try Sys.listDirectory(fixture.mountRaw.appending("links/to-dir")).map(\.name).sorted { $0.lexicographicallyPrecedes($1) }
                let baseDir = try Sys.listDirectory(fixture.baseRaw.appending("dir")).map(\.name).sorted { $0.lexicographicallyPrecedes($1) }
                #expect(inDir == baseDir, "listing through links/to-dir")
            }
        }

        @Test func xattrsMatchBase() throws {
            try withBaseMounted { fixture in
                var mismatches: [String] = []
                try TreeWalk.pairs(base: fixture.baseRaw, mount: fixture.mountRaw) { relative, basePath, mountPath, _ in
                    let baseNames = try Xattr.list(basePath)
                    let mountNames: [[UInt8]]
                    do {
                        mountNames = try Xattr.list(mountPath)
                    } catch {
                        mismatches.append("\(relative): listxattr: \(error)")
                        return
                    }
                    if mountNames != baseNames {
                        mismatches.append("\(relative): names base \(baseNames.map { RawPath(bytes: $0) }) mount \(mountNames.map { RawPath(bytes: $0) })")
                        return
                    }
                    for name in baseNames {
                        let expected = try Xattr.get(basePath, name)
                        do {
                            let actual = try Xattr.get(mountPath, name)
                            if actual != expected { mismatches.append("\(relative): value of \(RawPath(bytes: name)): base \(expected) mount \(actual)") }
                        } catch {
                            mismatches.append("\(relative): getxattr \(RawPath(bytes: name)): \(error)")
                        }
                    }
                }
                #expect(mismatches.isEmpty, "xattrs differ for \(mismatches.count) entries:\n\(mismatches.prefix(40).joined(separator: "\n"))")

                let file = fixture.mountRaw.appending(BaseTree.xattrFile)
                #expect(try Xattr.list(file).map { String(decoding: $0, as: UTF8.self) } == ["user.big", "user.binary", "user.empty", "user.one"])
                #expect(try Xattr.get(file, Array("user.binary".utf8)) == [0, 1, 2, 0xff, 0, 0x80])
                #expect(try Xattr.get(file, Array("user.empty".utf8)) == [])
                #expect(try Xattr.get(fixture.mountRaw.appending(BaseTree.xattrDirectory), Array("user.dir".utf8)) == Array("directory value".utf8))
                do {
                    _ = try Xattr.get(file, Array("user.absent".utf8))
                    Issue.record("getxattr of an absent attribute succeeded")
                } catch let error as SysError {
                    #expect(error.errno == ENODATA, "\(error)")
                }
            }
        }

        @Test func hardLinksShareInode() throws {
            try withBaseMounted { fixture in
                let a = try Sys.lstat(fixture.mountRaw.appending(BaseTree.hardLinks.0))
                let b = try Sys.lstat(fixture.mountRaw.appending(BaseTree.hardLinks.1))
                let baseA = try Sys.lstat(fixture.baseRaw.appending(BaseTree.hardLinks.0))
                #expect(a.st_ino == b.st_ino)
                #expect(a.st_ino == baseA.st_ino)
                #expect(a.st_nlink == 2 && b.st_nlink == 2)
                #expect(try Sys.readFile(fixture.mountRaw.appending(BaseTree.hardLinks.1)) == Sys.readFile(fixture.baseRaw.appending(BaseTree.hardLinks.0)))
                // Looking the same name up again gives the same inode number.
                let again = try Sys.lstat(fixture.mountRaw.appending(BaseTree.hardLinks.0))
                #expect(again.st_ino == a.st_ino)
            }
        }

        @Test func metaFileIsHidden() throws {
            try withBaseMounted(prepare: { fixture in
                try Sys.writeFile(fixture.storageRaw.appending(BaseTree.metaName), [])
            }) { fixture in
                let rootNames = try Sys.listDirectory(fixture.mountRaw, includeDots: true).map { String(decoding: $0.name, as: UTF8.self) }
                #expect(!rootNames.contains(BaseTree.metaName), "META listed in the mount root")
                #expect(rootNames.contains(".") && rootNames.contains(".."), "`.` and `..` in the root listing")
                switch Sys.statResult(fixture.mountRaw.appending(BaseTree.metaName)) {
                case .success: Issue.record("lstat of META through the mount succeeded")
                case .failure(let error): #expect(error.errno == ENOENT, "\(error)")
                }
                #expect(throws: SysError.self) { try Sys.open(fixture.mountRaw.appending(BaseTree.metaName), O_RDONLY) }
                let ls = try shell(#"ls -a "$1""#, [fixture.mountPoint])
                #expect(!ls.stdout.contains(BaseTree.metaName))
                let baseCount = try Sys.listDirectory(fixture.baseRaw).count
                #expect(rootNames.count == baseCount + 2)
            }
        }

        @Test func statfsWorks() throws {
            try withBaseMounted { fixture in
                var mounted = statvfs()
                var base = statvfs()
                #expect(statvfs(fixture.mountPoint, &mounted) == 0, "statvfs: errno \(errno)")
                #expect(statvfs(fixture.base, &base) == 0)
                #expect(mounted.f_bsize > 0)
                #expect(mounted.f_blocks > 0)
                #expect(mounted.f_namemax >= 255)
                // Base and storage share one filesystem here, so either answer gives this size.
                #expect(UInt64(mounted.f_blocks) * UInt64(mounted.f_frsize) == UInt64(base.f_blocks) * UInt64(base.f_frsize))
                let df = try run("/bin/df", ["-P", fixture.mountPoint])
                #expect(df.succeeded, "\(df)")
            }
        }

        @Test func seekDataAndHoleMatchBase() throws {
            try withBaseMounted { fixture in
                let size = BaseTree.sparseFileSize
                let offsets = [0, 1, 4095, 4096, 4097, 8192, 65536, (1 << 20) - 1, 1 << 20, (1 << 20) + 4095, (1 << 20) + 4096, 2 << 20, size - 1, size, size + 1]
                let baseFD = try Sys.open(fixture.baseRaw.appending(BaseTree.sparseFile), O_RDONLY)
                defer { close(baseFD) }
                let mountFD = try Sys.open(fixture.mountRaw.appending(BaseTree.sparseFile), O_RDONLY)
                defer { close(mountFD) }
                func seek(_ fd: Int32, _ offset: Int, _ whence: Int32) -> String {
                    let r = lseek(fd, off_t(offset), whence)
                    return r < 0 ? "errno \(errno)" : "\(r)"
                }
                for whence: Int32 in [3 /* SEEK_DATA */, 4 /* SEEK_HOLE */] {
                    for offset in offsets {
                        let expected = seek(baseFD, offset, whence)
                        let actual = seek(mountFD, offset, whence)
                        #expect(actual == expected, "lseek(\(offset), \(whence == 3 ? "SEEK_DATA" : "SEEK_HOLE"))")
                    }
                }
                // The base really is sparse, or the comparison above proves little.
                #expect(seek(baseFD, 0, 4) == "4096")
                #expect(try Sys.readFile(fixture.mountRaw.appending(BaseTree.sparseFile)) == Sys.readFile(fixture.baseRaw.appending(BaseTree.sparseFile)))
            }
        }

        @Test func bigFileReadsMatch() throws {
            try withBaseMounted { fixture in
                let expected = try Sys.readFile(fixture.baseRaw.appending(BaseTree.bigFile))
                let path = fixture.mountRaw.appending(BaseTree.bigFile)
                #expect(expected.count == BaseTree.bigFileSize)

                for blockSize in [100, 4096, 4097, 65536, 131_072, 1 << 20, (5 << 20) + 1] {
                    let actual = try Sys.readFile(path, blockSize: blockSize)
                    #expect(actual.count == expected.count, "size read with \(blockSize)-byte reads")
                    #expect(actual == expected, "content read with \(blockSize)-byte reads")
                }
                // One byte at a time, over the first 64 KiB.
                let fd = try Sys.open(path, O_RDONLY)
                defer { close(fd) }
                var byByte: [UInt8] = []
                var byte: UInt8 = 0
                while byByte.count < 65536, read(fd, &byte, 1) == 1 { byByte.append(byte) }
                #expect(byByte == Array(expected[0..<65536]), "1-byte reads")

                // Random offsets and lengths, some past the end.
                let seed = UInt64(UInt32.random(in: 1...UInt32.max))
                var rng = SeededRandom(seed: seed)
                for _ in 0..<300 {
                    let offset = Int.random(in: 0...(expected.count + 8192), using: &rng)
                    let length = Int.random(in: 1...(256 << 10), using: &rng)
                    let actual = try Sys.pread(fd, count: length, offset: offset, path: path)
                    let end = min(expected.count, offset + length)
                    let want = offset >= expected.count ? [] : Array(expected[offset..<end])
                    if actual != want {
                        Issue.record("pread(\(length) at \(offset)) differs (seed \(seed)): got \(actual.count) bytes, want \(want.count)")
                        break
                    }
                }

                // mmap.
                let mapped = mmap(nil, expected.count, PROT_READ, MAP_PRIVATE, fd, 0)
                #expect(mapped != MAP_FAILED, "mmap: errno \(errno)")
                if let mapped, mapped != MAP_FAILED {
                    defer { munmap(mapped, expected.count) }
                    let same = expected.withUnsafeBytes { memcmp($0.baseAddress!, mapped, expected.count) == 0 }
                    #expect(same, "mmap content")
                }
            }
        }

        @Test func bigDirectoryListsEveryEntry() throws {
            try withBaseMounted { fixture in
                let relative = BaseTree.manyDirectory
                let baseNames = try FileManager.default.contentsOfDirectory(atPath: fixture.base + "/" + relative).sorted()
                let mountNames = try FileManager.default.contentsOfDirectory(atPath: fixture.mountPoint + "/" + relative).sorted()
                #expect(baseNames.count == BaseTree.manyCount)
                #expect(mountNames.count == BaseTree.manyCount)
                #expect(mountNames == baseNames)

                let count = #"ls -f "$1" | wc -l"#
                let viaBase = try shell(count, [fixture.base + "/" + relative])
                let viaMount = try shell(count, [fixture.mountPoint + "/" + relative])
                #expect(viaMount.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(BaseTree.manyCount + 2)", "ls -f | wc -l: \(viaMount)")
                #expect(viaMount.stdout == viaBase.stdout)

                // Offsets stay valid: seekdir back to a telldir position replays the same entries.
                let path = fixture.mountRaw.appending(relative)
                guard let dir = path.withCString({ opendir($0) }) else {
                    Issue.record("opendir \(path): errno \(errno)")
                    return
                }
                defer { closedir(dir) }
                func readRest() -> [[UInt8]] {
                    var names: [[UInt8]] = []
                    while let ent = readdir(dir) { names.append(Sys.direntName(ent)) }
                    return names
                }
                var first: [[UInt8]] = []
                for _ in 0..<1234 {
                    guard let ent = readdir(dir) else { break }
                    first.append(Sys.direntName(ent))
                }
                let position = telldir(dir)
                let rest = readRest()
                seekdir(dir, position)
                let replay = readRest()
                #expect(first.count == 1234)
                #expect(first.count + rest.count == BaseTree.manyCount + 2, "entries incl. . and ..")
                #expect(replay == rest, "entries after seekdir(telldir())")
                rewinddir(dir)
                let again = readRest()
                #expect(again == first + rest, "entries after rewinddir")
            }
        }

        @Test func specialFilesShownAsTheyAre() throws {
            try withBaseMounted { fixture in
                let special = fixture.mountRaw.appending(BaseTree.specialDirectory)
                let fifo = try Sys.lstat(special.appending("fifo"))
                let socket = try Sys.lstat(special.appending("socket"))
                let device = try Sys.lstat(special.appending("null"))
                #expect(FileType(mode: fifo.st_mode) == .fifo)
                #expect(fifo.st_mode & 0o7777 == 0o640)
                #expect(FileType(mode: socket.st_mode) == .socket)
                #expect(FileType(mode: device.st_mode) == .characterDevice)
                #expect(Sys.major(device.st_rdev) == 1 && Sys.minor(device.st_rdev) == 3, "rdev \(Sys.major(device.st_rdev)):\(Sys.minor(device.st_rdev))")
                let setuid = try Sys.lstat(fixture.mountRaw.appending("owned/setuid"))
                #expect(setuid.st_mode & 0o7777 == 0o4755)
                #expect(setuid.st_uid == 1234 && setuid.st_gid == 5678)
                let old = try Sys.lstat(fixture.mountRaw.appending("old/file"))
                #expect(old.st_mtim.tv_sec == BaseTree.oldTimes.mtime.0 && old.st_mtim.tv_nsec == BaseTree.oldTimes.mtime.1)
            }
        }

        @Test func usrAsBaseMatches() throws {
            // The check a new user makes (issue 2): /usr as base, then find and diff.
            try MountFixture.with(timeLimit: 600) { fixture in
                try fixture.mount(base: "/usr")
                let listing = #"cd "$1" && find . -printf '%p -> %l | %y %n %m %U %G %s %T@ %i\0' | sort -z | tr '\n\0' '?\n' > "$2""#
                let viaBase = try shell(listing, ["/usr", fixture.root + "/usr.list"], timeout: 300)
                let viaMount = try shell(listing, [fixture.mountPoint, fixture.root + "/mnt.list"], timeout: 300)
                #expect(viaBase.succeeded, "\(viaBase)")
                #expect(viaMount.succeeded, "\(viaMount)")
                let diff = try run("/usr/bin/diff", [fixture.root + "/usr.list", fixture.root + "/mnt.list"], timeout: 120)
                let shown = diff.stdout.split(separator: "\n").prefix(30).joined(separator: "\n")
                #expect(diff.succeeded, "find -printf '%p -> %l | %y %n %m %U %G %s %T@ %i' differs between /usr and the mount (first lines):\n\(shown)")

                let contents = try run("/usr/bin/diff", ["-r", "--no-dereference", "/usr/share", fixture.mountPoint + "/share"], timeout: 400)
                let first = contents.stdout.split(separator: "\n").prefix(30).joined(separator: "\n")
                #expect(contents.succeeded && contents.stdout.isEmpty, "diff -r /usr/share MNT/share: exit \(contents.status)\(contents.timedOut ? " (timed out)" : "")\n\(first)\n\(contents.stderr.prefix(2000))")
            }
        }

        @Test func oddNamesWork() throws {
            try withBaseMounted { fixture in
                let names = try Sys.listDirectory(fixture.baseRaw.appending("names"))
                #expect(names.count == 12)
                for entry in names where entry.type == 8 {
                    let path = fixture.mountRaw.appending("names").appending(entry.name)
                    do {
                        let content = try Sys.readFile(path)
                        #expect(content == entry.name + Array(" content\n".utf8), "content of names/\(RawPath(bytes: entry.name))")
                    } catch {
                        Issue.record("names/\(RawPath(bytes: entry.name)) through the mount: \(error)")
                    }
                }
                let link = try Sys.readLink(fixture.mountRaw.appending("names").appending(Array("link to \\xff".utf8)))
                #expect(link == BaseTree.invalidUTF8Name)
                // A name that is not there, next to names that are.
                switch Sys.statResult(fixture.mountRaw.appending("names").appending(Array("new\nline2".utf8))) {
                case .success: Issue.record("lstat of a missing name succeeded")
                case .failure(let error): #expect(error.errno == ENOENT)
                }
            }
        }
    }
}

