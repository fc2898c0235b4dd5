import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// Storage on a small tmpfs that fills up: writes and copy-ups fail with ENOSPC, no partial
    /// copy ever shows, each metadata change is all there or not at all, the META file stays
    /// valid, and once space is freed everything works again.
    @Suite
    struct FullStorageTests {
        static let bigSize = 2 << 20

        /// Mounts a tmpfs of `size` on the storage directory, for `body`, and always unmounts it.
        static func withSmallStorage(_ fixture: MountFixture, size: String, _ body: () throws -> Void) throws {
            let mounted = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0755", "minifo-test-storage", fixture.storage])
            try #require(mounted.succeeded, "mounting a tmpfs on the storage directory: \(mounted)")
            defer {
                if MountEnvironment.isMounted(fixture.mountPoint) { _ = try? fixture.runUnmount() }
                _ = try? run("/bin/umount", ["-l", fixture.storage])
            }
            try body()
        }

        /// Writes through `fd` until the storage is full; the error must be ENOSPC.
        static func fill(_ fd: Int32) -> Int32 {
            let chunk = [UInt8](repeating: 0x5A, count: 64 << 10)
            while true {
                let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if written < 0 { return errno }
            }
        }

        /// Found by these tests: copy_file_range(2) answers EXDEV between filesystems of
        /// different types, and every copy-up to such a storage directory failed.
        @Test func copyUpToStorageOnAnotherKindOfFilesystem() throws {
            try MountFixture.with { fixture in
                let data = BaseTree.randomBytes(300_000)
                try Sys.writeFile(fixture.baseRaw.appending("file"), data)
                try Self.withSmallStorage(fixture, size: "16m") {
                    try fixture.mount()
                    let file = fixture.mountRaw.appending("file")
                    let fd = try Sys.open(file, O_WRONLY | O_APPEND)
                    #expect(write(fd, "!", 1) == 1)
                    close(fd)
                    #expect(try Sys.readFile(file) == data + Array("!".utf8))
                    #expect(try Sys.readFile(fixture.storageRaw.appending("file")) == data + Array("!".utf8))
                }
            }
        }

        @Test func fullStorageRefusesChangesWholeAndRecovers() throws {
            try MountFixture.with { fixture in
                let big = BaseTree.randomBytes(Self.bigSize)
                try Sys.writeFile(fixture.baseRaw.appending("big"), big)
                try Sys.writeFile(fixture.baseRaw.appending("small"), Array("small\n".utf8))
                try Sys.mkdir(fixture.baseRaw.appending("dir"))
                try Sys.writeFile(fixture.baseRaw.appending("dir/file"), Array("file\n".utf8))
                let baseBefore = try TreeWalk.fingerprint(fixture.baseRaw)
                try Self.withSmallStorage(fixture, size: "4m") {
                    try fixture.mount()
                    let m = fixture.mountRaw
                    let filler = try Sys.open(m.appending("filler"), O_WRONLY | O_CREAT, 0o644)
                    let fillError = Self.fill(filler)
                    close(filler)
                    #expect(fillError == ENOSPC, "filling storage ended with \(String(cString: strerror(fillError)))")

                    // A copy-up that does not fit: ENOSPC, the base version still shows, and
                    // nothing is left of the copy.
                    let opened = m.appending("big").withCString { open($0, O_WRONLY) }
                    let openError = opened < 0 ? errno : 0
                    if opened >= 0 { close(opened) }
                    #expect(openError == ENOSPC, "opening a 2 MiB base file for writing on full storage: \(String(cString: strerror(openError)))")
                    #expect(try Sys.readFile(m.appending("big")) == big, "the base file after a failed copy-up")
                    #expect(Sys.statResult(fixture.storageRaw.appending("big")).errnoValue == ENOENT, "a partial copy is in place")
                    let work = try Sys.listDirectory(fixture.storageRaw.appending(BaseTree.metaName + ".work"))
                        .filter { $0.name != Array("control".utf8) }  // the daemon's control socket
                    #expect(work.isEmpty, "the failed copy-up left \(work.map { RawPath(bytes: $0.name) }) in the work directory")

                    // Changes recorded in META: each one is there whole or refused with ENOSPC.
                    let value = BaseTree.randomBytes(60_000)
                    let setResult = Xattr.setErrno(m.appending("dir/file"), "user.big", value)
                    #expect(setResult == 0 || setResult == ENOSPC, "setxattr on full storage: \(String(cString: strerror(setResult)))")
                    let chmodResult = m.appending("small").withCString { chmod($0, 0o600) } == 0 ? 0 : errno
                    #expect(chmodResult == 0 || chmodResult == ENOSPC, "chmod on full storage: \(String(cString: strerror(chmodResult)))")
                    let mkdirResult = m.appending("newdir").withCString { mkdir($0, 0o755) } == 0 ? 0 : errno
                    #expect(mkdirResult == 0 || mkdirResult == ENOSPC, "mkdir on full storage: \(String(cString: strerror(mkdirResult)))")
                    let expectedXattr: [UInt8]? = setResult == 0 ? value : nil
                    let expectedMode: UInt32 = chmodResult == 0 ? 0o600 : 0o644
                    func expectChangesAsAcknowledged(_ when: String) throws {
                        #expect((try? Xattr.get(m.appending("dir/file"), Array("user.big".utf8))) == expectedXattr, "the xattr \(when)")
                        #expect(try Sys.lstat(m.appending("small")).st_mode & 0o7777 == expectedMode, "the mode \(when)")
                        #expect((Sys.statResult(m.appending("newdir")).errnoValue == 0) == (mkdirResult == 0), "the new directory \(when)")
                    }
                    try expectChangesAsAcknowledged("on full storage")

                    // Space freed: everything works again.
                    try #require(m.appending("filler").withCString { unlink($0) } == 0)
                    let writer = try Sys.open(m.appending("big"), O_WRONLY | O_APPEND)
                    #expect(write(writer, "tail", 4) == 4)
                    close(writer)
                    #expect(try Sys.readFile(m.appending("big")) == big + Array("tail".utf8))
                    #expect(Xattr.setErrno(m.appending("small"), "user.after", [1]) == 0)
                    #expect(m.appending("dir2").withCString { mkdir($0, 0o755) } == 0)

                    // Remounted, META loads and every acknowledged change is there.
                    let unmount = try fixture.runUnmount()
                    try #require(unmount.succeeded, "\(unmount)")
                    let check = try run(MountEnvironment.minifo, ["check", fixture.storage])
                    #expect(check.succeeded, "minifo check after storage ran full: \(check)")
                    try fixture.mount()
                    try expectChangesAsAcknowledged("after a remount")
                    #expect(try Sys.readFile(m.appending("big")) == big + Array("tail".utf8))
                    #expect(try Xattr.get(m.appending("small"), Array("user.after".utf8)) == [1])
                    #expect(Sys.statResult(m.appending("dir2")).errnoValue == 0)
                }
                TreeWalk.expectSame(baseBefore, try TreeWalk.fingerprint(fixture.baseRaw), "the base")
            }
        }

        /// Full storage from the very first change: copy-ups of files and directories, new
        /// objects, renames, deletions and metadata changes each work whole or fail with ENOSPC.
        /// The storage directory is a subdirectory of the tmpfs, which a file beside it fills.
        /// Seed 800320057 found that a rename reported ENOSPC although it had happened: the
        /// root's new mtime, recorded after it, did not fit. 0 is a random seed.
        @Test(arguments: [0, 800_320_057] as [UInt64])
        func everyKindOfChangeOnFullStorageIsWholeOrRefused(fixedSeed: UInt64) throws {
            try MountFixture.with { fixture in
                for name in ["a", "b"] {
                    try Sys.mkdir(fixture.baseRaw.appending(name))
                    try Sys.mkdir(fixture.baseRaw.appending("\(name)/sub"))
                    for i in 0..<3 { try Sys.writeFile(fixture.baseRaw.appending("\(name)/f\(i)"), BaseTree.randomBytes(3000 * i)) }
                }
                try Self.withSmallStorage(fixture, size: "1m") {
                    let storage = fixture.storage + "/storage"
                    try Sys.mkdir(RawPath(storage))
                    let mounted = try fixture.runMount(storage: storage)
                    try #require(mounted.succeeded, "\(mounted)")
                    let m = fixture.mountRaw
                    let filler = try Sys.open(RawPath(fixture.storage + "/filler"), O_WRONLY | O_CREAT, 0o644)
                    _ = Self.fill(filler)
                    close(filler)
                    // Each of these may work (a free inode, room left in a page) or fail with
                    // ENOSPC; afterwards the mount must show exactly what succeeded.
                    var model = try TreeModel.observe(m)
                    let seed = fixedSeed == 0 ? Reliability.seed : fixedSeed
                    var workload = Workload(mount: m, seed: seed)
                    var outcomes: [String: Int] = [:]
                    for _ in 0..<300 {
                        let operation = workload.next(model)
                        defer { operation.cleanup() }
                        for step in operation.steps {
                            var after = model
                            step.apply(&after)
                            let result = step.call()
                            outcomes[result == 0 ? "ok" : String(cString: strerror(result)), default: 0] += 1
                            guard result == 0 else {
                                #expect(result == ENOSPC, "seed \(seed): \(step.description) of \(operation.description): \(String(cString: strerror(result)))")
                                break
                            }
                            model = after
                        }
                    }
                    let observed = try TreeModel.observe(m)
                    let same = model.matches(observed)
                    #expect(same, "seed \(seed), on full storage (\(outcomes)): \(model.differences(from: observed))")
                    let unmount = try fixture.runUnmount()
                    try #require(unmount.succeeded, "\(unmount)")
                    let check = try run(MountEnvironment.minifo, ["check", storage])
                    #expect(check.succeeded, "minifo check after work on full storage: \(check.stdout)")
                    let remount = try fixture.runMount(storage: storage)
                    try #require(remount.succeeded, "\(remount)")
                    let remounted = try TreeModel.observe(m)
                    let sameAfterRemount = model.matches(remounted)
                    #expect(sameAfterRemount, "after a remount: \(model.differences(from: remounted))")
                }
            }
        }
    }
}
