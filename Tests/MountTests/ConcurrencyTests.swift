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
        /// Found by the test below (mkdir answered ESTALE now and then): storage gives a removed
        /// object's inode number to the next object it makes, and the kernel, still holding the
        /// removed object's node, was given the same node ID for the new one, so the two were
        /// one inode to it.
        @Test func aNewObjectNeverTakesTheNodeOfARemovedOne() throws {
            try MountFixture.with { fixture in
                try fixture.mount()
                let m = fixture.mountRaw
                try Sys.mkdir(m.appending("old"))
                let held = try Sys.open(m.appending("old"), 0o10000000 /* O_PATH */ | O_DIRECTORY)
                defer { close(held) }
                var st = stat()
                fstat(held, &st)
                let oldInode = st.st_ino
                try #require(m.appending("old").withCString { rmdir($0) } == 0)
                var reused = false
                for i in 0..<200 where !reused {
                    let made = m.appending("new-\(i)").withCString { mkdir($0, 0o755) } == 0 ? 0 : errno
                    #expect(made == 0, "mkdir new-\(i): \(String(cString: strerror(made)))")
                    let found = Sys.statResult(m.appending("new-\(i)"))
                    #expect(found.errnoValue == 0, "stat new-\(i): \(found)")
                    if case .success(let new) = found, new.st_ino == oldInode {
                        reused = true
                        #expect((try? Sys.listDirectory(m.appending("new-\(i)"))) == [])
                    }
                }
                #expect(reused, "storage never gave the removed directory's inode number to a new one; nothing was tested")
                // The held descriptor still shows the removed directory, as natively: no links.
                #expect(fstat(held, &st) == 0 && FileType(mode: st.st_mode) == .directory && st.st_nlink == 0,
                        "the removed directory, held open: nlink \(st.st_nlink)")
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
    }
}
