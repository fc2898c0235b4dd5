import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// `minifo merge` into a copy of the base that a mount changed: the merged base is what the
    /// mount showed, an interrupted merge is finished by the next one, and bad input is refused.
    @Suite
    struct MergeTests {
        private static func minifo(_ arguments: [String], environment: [String] = []) throws -> CommandResult {
            try run("/usr/bin/env", environment + [MountEnvironment.minifo] + arguments, timeout: 120)
        }

        /// A base with every file type, owners, modes, old times, xattrs, hard links across
        /// directories and a sparse file, and the copy of it (`fixture.root/copy`) the tests mount.
        private static func makeBase(_ fixture: MountFixture) throws -> String {
            let made = try shell("""
                set -e; cd "$1"; mkdir -p etc usr old/sub d p q dir1/inner/deep tree/a/b dirm sub
                printf 'l1\\nl2\\nl3\\n' > etc/x; echo y > etc/y; echo o > etc/owned; echo t > etc/timed
                echo z > usr/z; echo f > old/sub/f; echo f2 > old/sub/f2; echo g > d/g; echo p > p/pf; echo q > q/qf
                echo i > dir1/inner/deep/i; echo t > tree/a/b/t; echo h > h1; ln h1 sub/h2; echo xa > xa; echo xg > xg
                echo r > rfile; ln -s etc/x link; mkfifo fifo; mknod null c 1 3; chown 1000:100 etc/owned dirm
                truncate -s 8M sparse; printf data | dd of=sparse bs=1 seek=4000000 conv=notrunc 2>/dev/null
                setfattr -n user.gone -v 1 xg; setfattr -n user.dir -v d dirm; touch -d 2001-02-03 etc/timed etc
                """, [fixture.base])
            try #require(made.succeeded, "\(made)")
            let copy = fixture.root + "/copy"
            try #require(try shell("cp -a \"$1\" \"$2\"", [fixture.base, copy]).succeeded)
            return copy
        }

        /// A change of every kind, renames of every shape (a directory swap, a directory moved
        /// out of a renamed one), and changes below a renamed directory.
        private static let changes = """
            set -e; cd "$1"; sed -i 's/l2/L2/' etc/x; chmod 600 etc/y; chown 2000:200 etc/owned; touch -d 2002-02-02 etc/timed
            mkdir a; echo new > a/b; ln a/b a/b-link; ln -s ../etc/y a/sym; mkfifo a/fifo; mknod a/null c 1 3
            rm usr/z; mv old new; echo added > new/sub/added; rm new/sub/f2; rm d/g; rmdir d; mkdir d; echo n > d/n
            echo more >> h1; setfattr -n user.k -v v xa; setfattr -x user.gone xg; mv rfile rfile2
            mv p tmp; mv q p; mv tmp q; mv dir1 dir2; mv dir2/inner top-inner; rm -r tree; chmod 700 dirm
            printf more | dd of=sparse bs=1 seek=6000000 conv=notrunc 2>/dev/null; rm link; ln -s usr link
            """

        /// A merged storage directory: its META file, and its work directory (the storage
        /// lock's), empty.
        private static func expectEmpty(_ storage: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: storage).sorted()) ?? []
            #expect(names == ["META_dAfFgHE39ktF3HD2sr", "META_dAfFgHE39ktF3HD2sr.work"], sourceLocation: sourceLocation)
            let work = try? FileManager.default.contentsOfDirectory(atPath: storage + "/META_dAfFgHE39ktF3HD2sr.work")
            #expect(work == [], "left in the work directory: \(work ?? [])", sourceLocation: sourceLocation)
        }

        /// Every entry of the two trees the same but for inode numbers.
        private static func expectSameTree(_ merged: [RawPath: TreeWalk.Entry], _ shown: [RawPath: TreeWalk.Entry],
                                           sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(Set(merged.keys) == Set(shown.keys), "merged \(merged.keys.sorted()) mount \(shown.keys.sorted())",
                    sourceLocation: sourceLocation)
            for (path, view) in shown.sorted(by: { $0.key < $1.key }) {
                guard var got = merged[path] else { continue }
                got.ino = view.ino
                #expect(got == view, "\(path): merged \(got), the mount showed \(view)", sourceLocation: sourceLocation)
            }
        }

        /// Mounts the copy, makes the changes, and returns what the mount showed, unmounted.
        private static func changedView(_ fixture: MountFixture, copy: String) throws -> [RawPath: TreeWalk.Entry] {
            try fixture.mount(base: copy)
            let changed = try shell(changes, [fixture.mountPoint])
            try #require(changed.succeeded, "\(changed)")
            let view = try TreeWalk.fingerprint(fixture.mountRaw)
            try #require(try fixture.runUnmount().succeeded)
            return view
        }

        @Test func theMergedBaseIsWhatTheMountShowed() throws {
            try MountFixture.with { fixture in
                let copy = try Self.makeBase(fixture)
                let view = try Self.changedView(fixture, copy: copy)
                let status = try Self.minifo(["status", fixture.storage])

                let dryRun = try Self.minifo(["merge", "--dry-run", fixture.storage])
                #expect(dryRun.succeeded, "\(dryRun)")
                for line in ["set aside old", "remove   usr/z", "move     old -> new", "write    etc/x", "link     a/b-link = a/b",
                             "link     sub/h2 = h1", "metadata etc/y", "metadata dirm"] {
                    #expect(dryRun.stdout.split(separator: "\n").contains(Substring(line)), "\(line) in \(dryRun.stdout)")
                }
                #expect(try Self.minifo(["status", fixture.storage]).stdout == status.stdout, "--dry-run changed storage")

                let merged = try Self.minifo(["merge", fixture.storage])
                #expect(merged.succeeded, "\(merged)")
                #expect(merged.stdout.split(separator: "\n").dropLast() == dryRun.stdout.split(separator: "\n"),
                        "off a terminal each step is one line, as --dry-run listed it")
                #expect(merged.stdout.hasSuffix("is empty\n"), "\(merged)")
                Self.expectSameTree(try TreeWalk.fingerprint(RawPath(copy)), view)
                let sparse = try Sys.lstat(RawPath(copy + "/sparse"))
                #expect(sparse.st_blocks * 512 < 1 << 20, "the sparse file kept its holes: \(sparse.st_blocks) blocks")

                Self.expectEmpty(fixture.storage)
                #expect(try Self.minifo(["status", fixture.storage]).stdout.isEmpty)
                #expect(try Self.minifo(["check", fixture.storage]).succeeded)
                try fixture.mount(base: copy)
                Self.expectSameTree(try TreeWalk.fingerprint(fixture.mountRaw), view)
            }
        }

        @Test func anInterruptedMergeIsFinishedByTheNextOne() throws {
            try MountFixture.with { fixture in
                let copy = try Self.makeBase(fixture)
                let view = try Self.changedView(fixture, copy: copy)
                let total = try Self.minifo(["merge", "--dry-run", fixture.storage]).stdout.split(separator: "\n").count
                try #require(total > 20)

                // Stopped before any progress is recorded, then past the first record (every 16 steps).
                for stop in [3, 20] {
                    let stopped = try Self.minifo(["merge", fixture.storage], environment: ["MINIFO_MERGE_STOP_AFTER=\(stop)"])
                    #expect(stopped.status == 1 && stopped.stderr.contains("partly merged"), "\(stopped)")
                    #expect(FileManager.default.fileExists(atPath: fixture.storage + "/META_dAfFgHE39ktF3HD2sr.merge"))
                }
                let pending = try Self.minifo(["merge", "--dry-run", fixture.storage])
                #expect(pending.stdout.hasPrefix("would finish the interrupted merge of \(fixture.storage) into \(copy) (16 of "),
                        "\(pending)")
                for command in [["status", fixture.storage], ["revert", fixture.storage, "etc/x"]] {
                    let refused = try Self.minifo(command)
                    #expect(refused.status == 1 && refused.stderrLines.count == 1 && refused.stderr.contains("was interrupted"),
                            "\(refused)")
                }
                let mount = try fixture.runMount(base: copy)
                #expect(!mount.succeeded && mount.stderr.contains("run `minifo merge \(fixture.storage)` to finish it"), "\(mount)")

                let finished = try Self.minifo(["merge", fixture.storage])
                #expect(finished.succeeded && finished.stdout.hasPrefix("finishing the interrupted merge"), "\(finished)")
                Self.expectSameTree(try TreeWalk.fingerprint(RawPath(copy)), view)
                Self.expectEmpty(fixture.storage)
            }
        }

        @Test func badInputIsRefusedAndChangesNothing() throws {
            try MountFixture.with { fixture in
                let copy = try Self.makeBase(fixture)
                try fixture.mount(base: copy)
                try #require(try shell(Self.changes, [fixture.mountPoint]).succeeded)
                let base = try TreeWalk.fingerprint(RawPath(copy))
                let storage = try TreeWalk.fingerprint(fixture.storageRaw)
                let mounted = try Self.minifo(["merge", fixture.storage])
                #expect(mounted.status == 1 && mounted.stderrLines.count == 1 && mounted.stderr.contains("is mounted"), "\(mounted)")
                try #require(try fixture.runUnmount().succeeded)

                let notStorage = try Self.minifo(["merge", fixture.base])
                #expect(notStorage.status == 1 && notStorage.stderrLines.count == 1 && notStorage.stderr.contains("not a minifo storage"),
                        "\(notStorage)")
                TreeWalk.expectSame(base, try TreeWalk.fingerprint(RawPath(copy)), "the base")
                TreeWalk.expectSame(storage, try TreeWalk.fingerprint(fixture.storageRaw), "storage")

                let meta = URL(fileURLWithPath: fixture.storage + "/META_dAfFgHE39ktF3HD2sr")
                var damaged = try Data(contentsOf: meta)
                damaged[20 + Int(damaged[12]) + 5] ^= 0xFF  // the first record, which others follow
                try damaged.write(to: meta)
                let refused = try Self.minifo(["merge", fixture.storage])
                #expect(refused.status == 1 && refused.stderrLines.count == 1 && refused.stderr.contains("is damaged at byte offset"),
                        "\(refused)")
                #expect(try Data(contentsOf: meta) == damaged)
                TreeWalk.expectSame(base, try TreeWalk.fingerprint(RawPath(copy)), "the base")
            }
        }
    }
}
