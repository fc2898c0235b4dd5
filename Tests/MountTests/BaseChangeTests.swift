import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// The base changed behind a mount's back (it should not be, but it happens): what the
    /// mount shows follows the README's "Reliability" section, the daemon keeps serving, and
    /// storage changes only through the mount.
    @Suite
    struct BaseChangeTests {
        @Test func baseChangesShowAsDocumentedAndNeverReachStorage() throws {
            try MountFixture.with { fixture in
                let b = fixture.baseRaw
                for name in ["changed", "copied", "removed", "deleted", "chmodded", "becomes-dir", "open"] {
                    try Sys.writeFile(b.appending(name), Array("\(name) before\n".utf8))
                }
                for name in ["dir", "renamed", "becomes-link"] { try Sys.mkdir(b.appending(name)) }
                try Sys.writeFile(b.appending("dir/inside"), Array("inside\n".utf8))
                try fixture.mount(options: ["timeout=0.2"])
                let m = fixture.mountRaw
                try Sys.writeFile(m.appending("copied"), Array("copied up\n".utf8))
                #expect(rename(m.appending("renamed").string, m.appending("moved").string) == 0)
                #expect(unlink(m.appending("deleted").string) == 0)
                #expect(chmod(m.appending("chmodded").string, 0o600) == 0)
                _ = try TreeModel.observe(m)  // the kernel now caches every entry
                // and a missing name, which the base makes below.
                #expect(Sys.statResult(m.appending("added")).errnoValue == ENOENT)
                let held = try Sys.open(m.appending("open"), O_RDONLY)
                var heldOpen = true
                defer { if heldOpen { close(held) } }
                let storageBefore = try TreeWalk.fingerprint(fixture.storageRaw)

                // Readers keep walking the mount while the base changes underneath.
                let stop = Locked(false)
                let walker = Foundation.Thread {
                    while !stop.withLock({ $0 }) { _ = try? TreeModel.observe(m) }
                }
                walker.start()
                try Sys.writeFile(b.appending("changed"), Array("changed after, and longer\n".utf8))
                try Sys.writeFile(b.appending("copied"), Array("base after\n".utf8))
                try Sys.writeFile(b.appending("added"), Array("added\n".utf8))
                #expect(unlink(b.appending("removed").string) == 0)
                try Sys.writeFile(b.appending("deleted"), Array("deleted, made again\n".utf8))
                #expect(unlink(b.appending("chmodded").string) == 0)
                try Sys.writeFile(b.appending("chmodded"), Array("a new file\n".utf8))
                #expect(unlink(b.appending("becomes-dir").string) == 0)
                try Sys.mkdir(b.appending("becomes-dir"))
                #expect(rmdir(b.appending("becomes-link").string) == 0)
                try Sys.symlink(Array("/".utf8), b.appending("becomes-link"))
                try Sys.writeFile(b.appending("renamed/new inside"), Array("new inside\n".utf8))
                #expect(unlink(b.appending("dir/inside").string) == 0)
                try Sys.writeFile(b.appending("dir/later"), Array("later\n".utf8))
                try Sys.writeFile(b.appending("open"), Array("open, rewritten\n".utf8))
                usleep(400_000)  // past the 0.2 s cache timeout
                stop.withLock { $0 = true }
                while walker.isExecuting { usleep(10_000) }

                func expectDocumentedView(_ when: String) throws {
                    // Objects still in the base show the base as it is now.
                    #expect(try Sys.readFile(m.appending("changed")) == Array("changed after, and longer\n".utf8), "changed \(when)")
                    #expect(try Sys.readFile(m.appending("added")) == Array("added\n".utf8), "added \(when)")
                    #expect(Sys.statResult(m.appending("removed")).errnoValue == ENOENT, "removed \(when)")
                    #expect(Sys.statResult(m.appending("dir/inside")).errnoValue == ENOENT, "dir/inside \(when)")
                    // A listing the kernel kept is checked against the directory's new mtime.
                    #expect(try FileManager.default.contentsOfDirectory(atPath: m.appending("dir").string) == ["later"], "dir \(when)")
                    #expect(FileType(mode: try Sys.lstat(m.appending("becomes-dir")).st_mode) == .directory, "becomes-dir \(when)")
                    #expect(FileType(mode: try Sys.lstat(m.appending("becomes-link")).st_mode) == .symlink, "becomes-link \(when)")
                    // A renamed directory shows its base directory, changes included.
                    #expect(try Sys.readFile(m.appending("moved/new inside")) == Array("new inside\n".utf8), "moved/new inside \(when)")
                    // Changes recorded for a name apply to what the base has under it now.
                    #expect(try Sys.lstat(m.appending("chmodded")).st_mode & 0o7777 == 0o600, "chmodded \(when)")
                    #expect(try Sys.readFile(m.appending("chmodded")) == Array("a new file\n".utf8), "chmodded \(when)")
                    // Copied-up objects and deletions are storage's and META's, whatever the base does.
                    #expect(try Sys.readFile(m.appending("copied")) == Array("copied up\n".utf8), "copied \(when)")
                    #expect(Sys.statResult(m.appending("deleted")).errnoValue == ENOENT, "deleted \(when)")
                }
                try expectDocumentedView("after the base changed")
                // A descriptor opened before reads the base file it opened, as natively.
                #expect(try Sys.pread(held, count: 100, offset: 0, path: m.appending("open")) == Array("open, rewritten\n".utf8))
                #expect(!fixture.liveDaemons.isEmpty, "the daemon died")
                TreeWalk.expectSame(storageBefore, try TreeWalk.fingerprint(fixture.storageRaw), "storage, while only the base changed")

                close(held)
                heldOpen = false
                let unmount = try fixture.runUnmount()
                try #require(unmount.succeeded, "\(unmount)")
                let check = try run(MountEnvironment.minifo, ["check", fixture.storage])
                #expect(check.succeeded, "minifo check after the base changed: \(check.stdout)")
                try fixture.mount()
                try expectDocumentedView("after a remount")
            }
        }
    }
}
