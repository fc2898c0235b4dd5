import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// `minifo status`, `diff`, `export` and `check` on a storage directory a real mount changed.
    @Suite
    struct ChangeCommandTests {
        private static let changes = ChangeScenario.everyKind + "; ln a/b a/b-link"

        @Test func statusDiffAndExportShowExactlyWhatTheMountChanged() throws {
            try MountFixture.with { fixture in
                try ChangeScenario.makeBase(fixture)
                try fixture.mount()
                let changed = try ChangeScenario.inMount(Self.changes, fixture)
                try #require(changed.succeeded, "\(changed)")
                let whileMounted = try ChangeScenario.minifo(["status", fixture.storage])
                #expect(whileMounted.succeeded, "\(whileMounted)")
                let view = try TreeWalk.fingerprint(fixture.mountRaw)
                try #require(try fixture.runUnmount().succeeded)

                let status = try ChangeScenario.minifo(["status", fixture.storage])
                #expect(status.succeeded, "\(status)")
                #expect(status.stdout == """
                    created  a
                    created  a/b
                    created  a/b-link
                    opaque   d
                    modified etc/x (replaced)
                    metadata etc/y (mode 0644 -> 0600)
                    modified h1
                    modified h2
                    renamed  old -> new
                    deleted  usr/z
                    metadata xa (xattr user.k set)

                    """)
                #expect(whileMounted.stdout == status.stdout)
                let json = try ChangeScenario.minifo(["status", "--json", fixture.storage, "etc"])
                let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
                #expect(parsed?.compactMap { $0["path"] as? String } == ["etc/x", "etc/y"])

                let diff = try ChangeScenario.minifo(["diff", fixture.storage])
                #expect(diff.succeeded, "\(diff)")
                for expected in ["--- base/etc/x\t", "+++ storage/etc/x\t", "-l2\n+L2\n", "  mode 0644 -> 0600\n",
                                 "  xattr user.k (none) -> \"v\"\n", "+++ /dev/null\t", "-z\n", "--- /dev/null\t", "+new\n"] {
                    #expect(diff.stdout.contains(expected), "diff lacks \(expected.debugDescription):\n\(diff.stdout)")
                }

                // The tar archive extracted over a copy of the base, with the deletions that a
                // plain tar cannot carry applied from `status --json`, is what the mount showed.
                let archive = fixture.root + "/changes.tar"
                let export = try ChangeScenario.minifo(["export", fixture.storage, "-o", archive])
                #expect(export.succeeded, "\(export)")
                #expect(export.stderr.contains("deletions"), "\(export)")
                let again = try ChangeScenario.minifo(["export", fixture.storage, "-o", archive])
                #expect(again.status == 1 && again.stderrLines.count == 1 && again.stderr.contains("--force"), "\(again)")
                #expect(try ChangeScenario.minifo(["export", fixture.storage, "-o", archive, "--force"]).succeeded)
                let copy = fixture.root + "/copy"
                let listing = try ChangeScenario.minifo(["status", "--json", fixture.storage])
                let removals = (try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]] ?? [])
                    .compactMap { change -> String? in
                        switch change["kind"] as? String {
                        case "deleted", "opaque": return change["path"] as? String
                        case "renamed": return change["base"] as? String
                        case "modified" where (change["differs"] as? [String])?.contains("replaced") == true: return change["path"] as? String
                        default: return nil
                        }
                    }
                let applied = try shell("""
                    set -e; cp -a "$1" "$2"; cd "$2"; archive="$3"; shift 3; for p in "$@"; do rm -rf -- "$p"; done
                    tar --xattrs --xattrs-include='*' -xpf "$archive"
                    """, [fixture.base, copy, archive] + removals)
                #expect(applied.succeeded, "\(applied)")
                let extracted = try TreeWalk.fingerprint(RawPath(copy))
                #expect(Set(extracted.keys) == Set(view.keys), "extracted \(extracted.keys.sorted()) mount \(view.keys.sorted())")
                for (path, shown) in view {
                    guard let got = extracted[path] else { continue }
                    let isDirectory = shown.mode & 0o170000 == 0o040000
                    #expect(got.mode == shown.mode && got.uid == shown.uid && got.gid == shown.gid, "\(path): \(got) vs \(shown)")
                    #expect(got.contentHash == shown.contentHash && got.linkTarget == shown.linkTarget && got.xattrs == shown.xattrs,
                            "\(path): \(got) vs \(shown)")
                    if !isDirectory && !path.bytes.isEmpty { #expect(got.mtime == shown.mtime, "\(path): \(got) vs \(shown)") }
                }
                #expect(extracted[RawPath("a/b")]?.nlink == 2, "the hard link stayed a hard link")

                let oci = try ChangeScenario.minifo(["export", fixture.storage, "-o", fixture.root + "/layer.tar", "--format", "oci"])
                #expect(oci.succeeded && oci.stderr.isEmpty, "\(oci)")
                let members = try run("/usr/bin/tar", ["-tf", fixture.root + "/layer.tar"])
                for member in ["usr/.wh.z", ".wh.old", "d/.wh..wh..opq", "new/sub/f"] {
                    #expect(members.stdout.split(separator: "\n").contains(Substring(member)), "\(members.stdout)")
                }
                #expect(try ChangeScenario.minifo(["check", fixture.storage]).succeeded)
            }
        }

        @Test func checkFindsDamageAndRepairFixesIt() throws {
            try MountFixture.with { fixture in
                try ChangeScenario.makeBase(fixture)
                try fixture.mount()
                try #require(try ChangeScenario.inMount(Self.changes + "; echo g > gone; rm usr/../etc/y", fixture).succeeded)
                let mountedRepair = try ChangeScenario.minifo(["check", "--repair", fixture.storage])
                #expect(mountedRepair.status == 1 && mountedRepair.stderr.contains("is mounted"), "\(mountedRepair)")
                try #require(try fixture.runUnmount().succeeded)
                let statusBefore = try ChangeScenario.minifo(["status", fixture.storage]).stdout

                // A whiteout whose base file is gone, a half-built copy-up, a torn append.
                try #require(try shell("""
                    set -e; rm "$1/usr/z"; mkdir "$2/META_dAfFgHE39ktF3HD2sr.work/copy-42"; echo x > "$2/META_dAfFgHE39ktF3HD2sr.work/copy-42/f"
                    printf '\\021\\000\\000\\000\\001' >> "$2/META_dAfFgHE39ktF3HD2sr"
                    """, [fixture.base, fixture.storage]).succeeded)
                let check = try ChangeScenario.minifo(["check", fixture.storage])
                #expect(check.status == 1, "\(check)")
                for expected in ["cut short by a crash", "copy-42 half-built", "META records usr/z deleted, but the base has no usr/z"] {
                    #expect(check.stdout.contains(expected), "\(check)")
                }
                let repair = try ChangeScenario.minifo(["check", "--repair", fixture.storage])
                #expect(repair.succeeded, "\(repair)")
                #expect(repair.stdout.contains("repaired: "), "\(repair)")
                let clean = try ChangeScenario.minifo(["check", fixture.storage])
                #expect(clean.succeeded && clean.stdout.hasSuffix("clean\n"), "\(clean)")
                let statusAfter = try ChangeScenario.minifo(["status", fixture.storage]).stdout
                #expect(statusAfter == statusBefore.replacingOccurrences(of: "deleted  usr/z\n", with: ""), "\(statusAfter)")
                try fixture.mount()
                #expect(FileManager.default.fileExists(atPath: fixture.mountPoint + "/new/sub/f"))
            }
        }

        @Test func badInputIsOneLineAndChangesNothing() throws {
            try MountFixture.with { fixture in
                try ChangeScenario.makeBase(fixture)
                for command in [["status"], ["diff"], ["export", "-o", fixture.root + "/x.tar"], ["check"]] {
                    let result = try ChangeScenario.minifo(command + [fixture.base])
                    #expect(result.status == 1 && result.stderrLines.count == 1 && result.stderr.contains("not a minifo storage directory"),
                            "\(result)")
                }
                #expect(!FileManager.default.fileExists(atPath: fixture.root + "/x.tar"))
                try fixture.mount()
                try #require(try fixture.runUnmount().succeeded)
                try FileManager.default.moveItem(atPath: fixture.base, toPath: fixture.root + "/moved")
                let missing = try ChangeScenario.minifo(["status", fixture.storage])
                #expect(missing.status == 1 && missing.stderrLines.count == 1 && missing.stderr.contains("no longer exists"), "\(missing)")
            }
        }
    }
}
