import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// The control channel and the storage lock against an ordinary user who gets there first:
    /// a fake daemon on the control socket's name, a flock on the storage directory. Root's
    /// `minifo revert`, mounts, `merge` and `check --repair` go on as if neither were there,
    /// and a daemon that is not to be trusted gets nothing and prints nothing raw.
    @Suite
    struct ControlChannelTests {
        /// A scratch directory under the fixture that the ordinary user may write.
        static func userScratch(_ fixture: MountFixture) throws -> String {
            let path = fixture.root + "/user"
            try Sys.mkdir(RawPath(path))
            try Sys.chmod(RawPath(path), 0o777)
            return path
        }

        /// `minifo ARGUMENTS` with the control channel's reply timeout at `timeout` seconds.
        static func minifo(_ arguments: [String], timeout: Int = 3) throws -> CommandResult {
            try run("/usr/bin/env", ["MINIFO_CONTROL_TIMEOUT=\(timeout)", MountEnvironment.minifo] + arguments, timeout: 30)
        }

        /// Makes `file` in the base and changes it in storage through a mount, then unmounts.
        static func changeOffline(_ fixture: MountFixture) throws {
            try Sys.writeFile(fixture.baseRaw.appending("file"), Array("base\n".utf8))
            try fixture.mount()
            try Sys.writeFile(fixture.mountRaw.appending("file"), Array("changed\n".utf8))
            try #require(try fixture.runUnmount().succeeded)
            #expect(fixture.waitForDaemonsToExit())
        }

        @Test func anotherUserCannotTakeTheControlChannelFirst() throws {
            let user = try TestUser()
            defer { user.remove() }
            try MountFixture.with { fixture in
                MultiUserTests.openUp(fixture)
                try Sys.writeFile(fixture.baseRaw.appending("file"), Array("base\n".utf8))
                let fake = try FakeDaemon(storage: fixture.storage, scratch: try Self.userScratch(fixture), replies: [.lie], lock: false, user: user)
                defer { fake.stop() }
                try fixture.mount()
                try Sys.writeFile(fixture.mountRaw.appending("file"), Array("changed\n".utf8))
                let status = try ChangeScenario.minifo(["status", fixture.storage, "file"])
                try #require(status.succeeded && status.stdout == "modified file\n", "\(status)")

                let reverted = try Self.minifo(["revert", fixture.storage, "file"])
                #expect(reverted.succeeded && reverted.stdout == "reverted " + status.stdout, "\(reverted)")
                #expect(try Sys.readFile(fixture.mountRaw.appending("file")) == Array("base\n".utf8), "the mount after the revert")
                #expect(!fake.logLines.contains { $0.hasPrefix("connection") }, "root's revert talked to the fake daemon: \(fake.logLines)")
            }
        }

        @Test func anotherUsersFlockBlocksNothing() throws {
            let user = try TestUser()
            defer { user.remove() }
            try MountFixture.with { fixture in
                MultiUserTests.openUp(fixture)
                let scratch = try Self.userScratch(fixture)
                let held = scratch + "/held"
                let holder = try Child("/usr/bin/setpriv", [
                    "--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "/usr/bin/python3", "-c",
                    "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_SH); "
                        + "open(sys.argv[2], 'w').close(); time.sleep(600)",
                    fixture.storage, held,
                ])
                defer {
                    holder.signal(SIGKILL)
                    _ = holder.finish(timeout: 10)
                }
                try #require(MountEnvironment.waitUntil(timeout: 20) { FileManager.default.fileExists(atPath: held) },
                             "the ordinary user's flock of the storage directory: \(holder.finish(timeout: 1))")

                try Self.changeOffline(fixture)
                let work = fixture.storage + "/" + BaseTree.metaName + ".work"
                for how in ["-s", "-x"] {
                    let lock = try user.shell(#"exec 3< "$1" && flock -n "$2" 3"#, [work, how])
                    #expect(!lock.succeeded && lock.stderr.contains("Permission denied"),
                            "the ordinary user took flock \(how) of the work directory: \(lock)")
                }

                let status = try ChangeScenario.minifo(["status", fixture.storage, "file"])
                let reverted = try Self.minifo(["revert", fixture.storage, "file"])
                #expect(reverted.succeeded && reverted.stdout == "reverted " + status.stdout, "offline revert: \(reverted)")

                try fixture.mount(options: ["ro"])
                try #require(try fixture.runUnmount().succeeded)
                #expect(fixture.waitForDaemonsToExit())
                try Self.changeOffline(fixture)
                let repair = try ChangeScenario.minifo(["check", "--repair", fixture.storage])
                #expect(repair.succeeded, "\(repair)")
                let merge = try ChangeScenario.minifo(["merge", fixture.storage])
                #expect(merge.succeeded, "\(merge)")
                #expect(try Sys.readFile(fixture.baseRaw.appending("file")) == Array("changed\n".utf8), "the base after the merge")
            }
        }

        /// Storage that belongs to an ordinary user: root's revert may reach that user's
        /// daemon, which may be anything the user runs. Its lies come out escaped, its silence
        /// ends in a timeout and its claim of a 4 GiB reply is refused unread.
        @Test func theOwnersDaemonIsHeldToTimeoutsSizesAndEscaping() throws {
            let user = try TestUser()
            defer { user.remove() }
            try MountFixture.with { fixture in
                MultiUserTests.openUp(fixture)
                try Self.changeOffline(fixture)
                try #require(try shell(#"chown -R "$1:$2" "$3""#, ["\(user.uid)", "\(user.gid)", fixture.storage]).succeeded)
                let fake = try FakeDaemon(storage: fixture.storage, scratch: try Self.userScratch(fixture),
                                          replies: [.lie, .hang, .huge], lock: true, user: user)
                defer { fake.stop() }

                let lie = try Self.minifo(["revert", fixture.storage, "file"])
                let printed = lie.stdout + lie.stderr
                #expect(printed.contains(#"\x1b]0;owned\x07\x1b[2J\x1b[31mall\xc2\x9b1m well\xff"#), "\(lie)")
                let raw = printed.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
                #expect(raw.isEmpty, "control characters printed raw: \(raw.map { String($0.value, radix: 16) })")

                let started = Date()
                let hang = try Self.minifo(["revert", fixture.storage, "file"])
                #expect(!hang.timedOut && hang.status == 1 && hang.stderr.contains("did not answer within 3 s"), "\(hang)")
                #expect(Date().timeIntervalSince(started) < 15)

                let huge = try Self.minifo(["revert", fixture.storage, "file"])
                #expect(!huge.timedOut && huge.status == 1 && huge.stderr.contains("4294967295 bytes"), "\(huge)")
                #expect(MountEnvironment.waitUntil(timeout: 10) { fake.logLines.filter { $0.hasPrefix("connection") }.count == 3 },
                        "\(fake.logLines)")
            }
        }

        /// A control socket in the work directory whose listener is neither root nor the
        /// storage's owner (made here by root binding it and handing it to the ordinary user
        /// before listen(2)): root's revert refuses it before sending a byte.
        @Test func aDaemonOfAnotherUserIsRefusedBeforeAnythingIsSent() throws {
            let user = try TestUser()
            defer { user.remove() }
            try MountFixture.with { fixture in
                MultiUserTests.openUp(fixture)
                try Self.changeOffline(fixture)
                let fake = try FakeDaemon(storage: fixture.storage, scratch: try Self.userScratch(fixture), replies: [.lie], lock: true,
                                          dropTo: user)
                defer { fake.stop() }
                let revert = try Self.minifo(["revert", fixture.storage, "file"])
                #expect(revert.status == 1 && revert.stdout.isEmpty && revert.stderrLines.count == 1
                        && revert.stderr.contains("uid \(user.uid)"), "\(revert)")
                let heard = MountEnvironment.waitUntil(timeout: 10) { fake.logLines.contains { $0.hasPrefix("connection") } }
                #expect(heard && fake.logLines.contains("connection: 0 bytes of request, answered lie"), "\(fake.logLines)")
            }
        }
    }
}
