import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// A power loss, simulated: storage is an ext4 filesystem in an image on a loop device,
    /// mounted with `commit=600` so that only a sync commits its journal, and the "disk after
    /// the power went" is a copy of the image taken while everything is still mounted. It
    /// holds what the storage filesystem wrote to its device and nothing that was only in
    /// memory. Every change followed by the sync an application makes on a native filesystem
    /// (fsync of the file, or of the directory for names) must be in it.
    @Suite
    struct PowerLossTests {
        static func mountImage(_ image: String, on directory: String) throws {
            let mounted = try run("/bin/mount", ["-o", "loop,commit=600", image, directory])
            try #require(mounted.succeeded, "mounting an ext4 image on a loop device: \(mounted)")
        }

        /// Unmounts the storage filesystem once the daemon, which holds it open, has exited.
        static func unmountStorage(_ fixture: MountFixture, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(fixture.waitForDaemonsToExit(timeout: 15), "the daemon still runs after minifo umount", sourceLocation: sourceLocation)
            let unmounted = try run("/bin/umount", [fixture.storage])
            try #require(unmounted.succeeded, "unmounting the storage filesystem: \(unmounted)", sourceLocation: sourceLocation)
        }

        static func sync(_ path: RawPath, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let fd = try Sys.open(path, O_RDONLY)
            defer { close(fd) }
            #expect(fsync(fd) == 0, "fsync \(path): errno \(errno)", sourceLocation: sourceLocation)
        }

        @Test func synchronizedChangesSurviveAPowerLoss() throws {
            try MountFixture.with { fixture in
                let image = fixture.root + "/storage.img"
                let made = try shell(#"truncate -s 64M "$1" && mkfs.ext4 -q -F "$1""#, [image])
                try #require(made.succeeded, "making an ext4 image: \(made)")
                try Self.mountImage(image, on: fixture.storage)
                defer {
                    if MountEnvironment.isMounted(fixture.mountPoint) { _ = try? fixture.runUnmount() }
                    _ = try? run("/bin/umount", ["-l", fixture.storage])
                }
                let b = fixture.baseRaw
                for name in ["copied", "mode", "xattr", "gone"] { try Sys.writeFile(b.appending(name), Array("\(name)\n".utf8)) }
                try Sys.mkdir(b.appending("olddir"))
                try Sys.writeFile(b.appending("olddir/inside"), Array("inside\n".utf8))
                try Sys.mkdir(b.appending("sub"))
                try fixture.mount()
                let m = fixture.mountRaw

                // Each change with the sync that makes it durable natively, a power loss right
                // after it (a copy of the image), and what must be there after that loss.
                let steps: [(String, () throws -> Void, () -> Bool)] = [
                    ("a copy-up, fsync'ed", {
                        let fd = try Sys.open(m.appending("copied"), O_WRONLY | O_APPEND)
                        #expect(write(fd, "more\n", 5) == 5 && fsync(fd) == 0)
                        close(fd)
                    }, { (try? Sys.readFile(m.appending("copied"))) == Array("copied\nmore\n".utf8) }),
                    ("a new directory and file, fsync'ed with their directories", {
                        try Sys.mkdir(m.appending("newdir"))
                        try Self.sync(m)
                        let fd = try Sys.open(m.appending("newdir/file"), O_WRONLY | O_CREAT, 0o644)
                        #expect(write(fd, "data\n", 5) == 5 && fsync(fd) == 0)
                        close(fd)
                        try Self.sync(m.appending("newdir"))
                    }, { (try? Sys.readFile(m.appending("newdir/file"))) == Array("data\n".utf8) }),
                    ("a chmod of a base file, fsync'ed", {
                        #expect(chmod(m.appending("mode").string, 0o600) == 0)
                        try Self.sync(m.appending("mode"))
                    }, { (try? Sys.lstat(m.appending("mode")))?.st_mode == 0o100600 }),
                    ("an xattr of a base file, fsync'ed", {
                        #expect(Xattr.setErrno(m.appending("xattr"), "user.k", Array("v".utf8)) == 0)
                        try Self.sync(m.appending("xattr"))
                    }, { (try? Xattr.get(m.appending("xattr"), Array("user.k".utf8))) == Array("v".utf8) }),
                    ("a directory rename, the parent fsync'ed", {
                        #expect(rename(m.appending("olddir").string, m.appending("renamed").string) == 0)
                        try Self.sync(m)
                    }, {
                        (try? Sys.readFile(m.appending("renamed/inside"))) == Array("inside\n".utf8)
                            && Sys.statResult(m.appending("olddir")).errnoValue == ENOENT
                    }),
                    ("a removal, the parent fsync'ed", {
                        #expect(unlink(m.appending("gone").string) == 0)
                        try Self.sync(m)
                    }, { Sys.statResult(m.appending("gone")).errnoValue == ENOENT }),
                    ("a new name in a subdirectory, only the directory fsync'ed", {
                        close(try Sys.open(m.appending("sub/only-the-directory-synced"), O_WRONLY | O_CREAT, 0o644))
                        try Self.sync(m.appending("sub"))
                    }, { Sys.statResult(m.appending("sub/only-the-directory-synced")).errnoValue == 0 }),
                ]
                var images: [String] = []
                for (index, step) in steps.enumerated() {
                    try step.1()
                    images.append(fixture.root + "/power-loss-\(index).img")
                    let copy = try run("/bin/cp", ["--sparse=always", image, images[index]])
                    try #require(copy.succeeded, "\(copy)")
                }
                // The control: nothing syncs this one, so a power loss must drop it.
                try Sys.writeFile(m.appending("never-synced"), Array("lost\n".utf8))
                let control = fixture.root + "/power-loss-control.img"
                try #require(try run("/bin/cp", ["--sparse=always", image, control]).succeeded)
                let unmount = try fixture.runUnmount()
                try #require(unmount.succeeded, "\(unmount)")
                try Self.unmountStorage(fixture)

                for (index, image) in (images + [control]).enumerated() {
                    try Self.mountImage(image, on: fixture.storage)
                    try fixture.mount()
                    let lossAfter = index < steps.count ? steps[index].0 : "the unsynced control"
                    for (what, _, isThere) in steps.prefix(index + 1) where !isThere() {
                        Issue.record("after a power loss right after \(lossAfter): \(what) is lost")
                    }
                    if index == steps.count {
                        #expect(Sys.statResult(m.appending("never-synced")).errnoValue == ENOENT,
                                "an unsynced file survived: the simulated power loss dropped nothing, so the rest proves nothing")
                    }
                    let again = try fixture.runUnmount()
                    try #require(again.succeeded, "\(again)")
                    let check = try run(MountEnvironment.minifo, ["check", fixture.storage])
                    #expect(check.succeeded, "minifo check after a power loss right after \(lossAfter) and a mount: \(check.stdout)")
                    try Self.unmountStorage(fixture)
                }
            }
        }
    }
}
