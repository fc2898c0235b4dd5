import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// Storage that someone other than the user and root controls (owns, or may write) is
    /// refused, as ssh's StrictModes refuses such a ~/.ssh: by the mount and by every command
    /// that writes storage, with one line that says what to run; the commands that only read
    /// it still work.
    @Suite
    struct StorageOwnershipTests {
        struct Case: CustomStringConvertible, Sendable {
            let what: String
            /// Shell snippet: `$1` the storage directory, `$2` the ordinary user's uid.
            let make: String
            let undo: String
            /// What the refusal must say to run, on the storage directory followed by `on`.
            let fix: String
            var on = ""
            var description: String { what }
        }

        static let meta = BaseTree.metaName
        static let cases = [
            Case(what: "storage writable by others", make: #"chmod 777 "$1""#, undo: #"chmod 755 "$1""#,
                 fix: "chmod go-w"),
            Case(what: "storage writable by its group", make: #"chmod 775 "$1""#, undo: #"chmod 755 "$1""#,
                 fix: "chmod go-w"),
            Case(what: "storage owned by another user", make: #"chown "$2" "$1""#, undo: #"chown 0 "$1""#,
                 fix: "chown root"),
            Case(what: "META writable by others", make: #"chmod 666 "$1/\#(meta)""#, undo: #"chmod 600 "$1/\#(meta)""#,
                 fix: "chmod go-w", on: "/\(meta)"),
            Case(what: "META owned by another user", make: #"chown "$2" "$1/\#(meta)""#, undo: #"chown 0 "$1/\#(meta)""#,
                 fix: "chown root", on: "/\(meta)"),
            Case(what: "work directory open to others", make: #"chmod 755 "$1/\#(meta).work""#, undo: #"chmod 700 "$1/\#(meta).work""#,
                 fix: "chmod 700", on: "/\(meta).work"),
            Case(what: "work directory owned by another user", make: #"chown "$2" "$1/\#(meta).work""#,
                 undo: #"chown 0 "$1/\#(meta).work""#, fix: "chown root", on: "/\(meta).work"),
        ]

        @Test func storageSomeoneElseControlsIsRefused() throws {
            let user = try TestUser()
            defer { user.remove() }
            try MountFixture.with { fixture in
                try Sys.writeFile(fixture.baseRaw.appending("file"), Array("base\n".utf8))
                try fixture.mount()
                try Sys.writeFile(fixture.mountRaw.appending("file"), Array("changed\n".utf8))
                try #require(try fixture.runUnmount().succeeded)
                #expect(fixture.waitForDaemonsToExit())
                for c in Self.cases {
                    try #require(try shell(c.make, [fixture.storage, "\(user.uid)"]).succeeded)
                    defer { _ = try? shell(c.undo, [fixture.storage, "\(user.uid)"]) }
                    let mount = try fixture.runMount()
                    #expect(mount.status != 0 && !MountEnvironment.isMounted(fixture.mountPoint), "\(c): \(mount)")
                    #expect(mount.stderrLines.count == 1 && mount.stderr.contains("`\(c.fix) \(fixture.storage)\(c.on)`"), "\(c): \(mount)")
                    if MountEnvironment.isMounted(fixture.mountPoint) { _ = try fixture.runUnmount() }
                    for command in [["revert", fixture.storage, "file"], ["merge", fixture.storage], ["check", "--repair", fixture.storage],
                                    ["import-legacy", "--base", fixture.base, fixture.storage]] {
                        let result = try ChangeScenario.minifo(command)
                        #expect(result.status == 1 && result.stderrLines.count == 1 && result.stderr.contains("`\(c.fix) \(fixture.storage)\(c.on)`"),
                                "\(c), \(command[0]): \(result)")
                    }
                    let status = try ChangeScenario.minifo(["status", fixture.storage])
                    #expect(status.succeeded && status.stdout == "modified file\n", "\(c), status only reads: \(status)")
                }
                #expect(try Sys.readFile(fixture.baseRaw.appending("file")) == Array("base\n".utf8), "the base")
                try fixture.mount()
                #expect(try Sys.readFile(fixture.mountRaw.appending("file")) == Array("changed\n".utf8), "put back, storage mounts again")
            }
        }
    }
}
