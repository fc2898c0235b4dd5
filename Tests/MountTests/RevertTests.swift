import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// `minifo revert` on a mounted storage directory, through its daemon, and on an unmounted one.
    @Suite
    struct RevertTests {
        private static func look(_ fixture: MountFixture, _ paths: [String]) throws -> [String] {
            try paths.map { path in
                let result = try shell("""
                    p="$1/$2"; if [ -d "$p" ]; then ls "$p" | tr '\\n' ' '; elif [ -e "$p" ]; then printf '%s ' "$(stat -c %a "$p")"; cat "$p"; \
                    getfattr --only-values -n user.k "$p" 2>/dev/null || true; else echo -; fi
                    """, [fixture.mountPoint, path])
                return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }

        @Test func revertThroughTheMountShowsAtOnce() throws {
            try MountFixture.with { fixture in
                try ChangeScenario.makeBase(fixture)
                // An hour's cache: without the daemon's notifications the kernel would keep
                // showing what it cached before the revert.
                try fixture.mount(options: ["timeout=3600"])
                try #require(try ChangeScenario.inMount(ChangeScenario.everyKind, fixture).succeeded)
                let paths = ["etc/x", "etc/y", "a", "a/b", "usr/z", "old/sub/f", "new/sub/f", "d", "h1", "h2", "xa"]
                let changed = try Self.look(fixture, paths)
                #expect(changed == ["644 l1\nL2\nl3", "600 y", "b", "644 new", "-", "-", "644 f", "", "644 h\nmore", "644 h\nmore", "644 xa\nv"])

                let reverted = try ChangeScenario.minifo(["revert", fixture.storage, "etc", "a", "usr/z", "new", "d", "h2", "xa"])
                #expect(reverted.succeeded, "\(reverted)")
                #expect(reverted.stdout == """
                    reverted created  a
                    reverted created  a/b
                    reverted opaque   d
                    reverted modified etc/x (replaced)
                    reverted metadata etc/y (mode 0644 -> 0600)
                    reverted modified h1
                    reverted modified h2
                    reverted renamed  old -> new
                    reverted deleted  usr/z
                    reverted metadata xa (xattr user.k set)

                    """)
                #expect(try Self.look(fixture, paths) == ["644 l1\nl2\nl3", "644 y", "-", "-", "644 z", "644 f", "-", "g", "644 h", "644 h", "644 xa"])
                #expect(try ChangeScenario.minifo(["status", fixture.storage]).stdout.isEmpty)
                let links = try shell("stat -c %h \"$1\" \"$2\"", [fixture.mountPoint, fixture.base]).stdout.split(separator: "\n")
                #expect(links.count == 2 && links[0] == links[1], "the root's link count counts the directories back: \(links)")

                // Bad input changes nothing, mounted or not.
                let none = try ChangeScenario.minifo(["revert", fixture.storage, "etc/x"])
                #expect(none.status == 1 && none.stderrLines == ["minifo: etc/x has no change to revert; `minifo status STORAGE` lists the changes"],
                        "\(none)")
                try #require(try ChangeScenario.inMount("echo again >> etc/x; rm -r old", fixture).succeeded)
                let inside = try ChangeScenario.minifo(["revert", fixture.storage, "etc/x", "old/sub/f"])
                #expect(inside.status == 1 && inside.stderrLines.count == 1 && inside.stderr.contains("part of `deleted  old`"), "\(inside)")
                #expect(try Self.look(fixture, ["etc/x"]) == ["644 l1\nl2\nl3\nagain"])

                try #require(try fixture.runUnmount().succeeded)
                let offline = try ChangeScenario.minifo(["revert", fixture.storage, "/"])
                #expect(offline.stdout == "reverted modified etc/x\nreverted deleted  old\n", "\(offline)")
                try fixture.mount()
                #expect(try Self.look(fixture, ["etc/x", "old/sub/f"]) == ["644 l1\nl2\nl3", "644 f"])
            }
        }

        @Test func aReadOnlyMountIsNotReverted() throws {
            try MountFixture.with { fixture in
                try ChangeScenario.makeBase(fixture)
                try fixture.mount()
                try #require(try ChangeScenario.inMount("rm etc/y", fixture).succeeded)
                try #require(try fixture.runUnmount().succeeded)
                try fixture.mount(options: ["ro"])
                let refused = try ChangeScenario.minifo(["revert", fixture.storage, "etc/y"])
                #expect(refused.status == 1 && refused.stderrLines.count == 1 && refused.stderr.contains("read-only"), "\(refused)")
                #expect(try Self.look(fixture, ["etc/y"]) == ["-"])
            }
        }
    }
}
