import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// Mounting and every way a mount ends: `minifo umount`, umount(8), SIGTERM, SIGINT. Each
    /// must leave nothing mounted and no daemon behind.
    @Suite
    struct LifecycleTests {
        static func seed(_ fixture: MountFixture) throws {
            try Sys.writeFile(fixture.baseRaw.appending("file"), Array("content\n".utf8))
            try Sys.mkdir(fixture.baseRaw.appending("dir"))
        }

        /// The mount serves the base, then ends as `end` makes it; it must be gone afterwards
        /// with no minifo process left for it.
        static func expectGone(_ fixture: MountFixture, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(!MountEnvironment.isMounted(fixture.mountPoint), "\(fixture.mountPoint) still in /proc/mounts", sourceLocation: sourceLocation)
            #expect(fixture.waitForDaemonsToExit(timeout: 10), "daemon still running 10 s after unmount: \(fixture.liveDaemons)", sourceLocation: sourceLocation)
            let left = ProcessRef.minifoProcesses(mountPoint: fixture.mountPoint)
            #expect(left.isEmpty, "minifo processes still naming the mount point: \(left.map { "\($0) \($0.commandLine)" })", sourceLocation: sourceLocation)
        }

        @Test func backgroundMountServesAndUmountEndsDaemon() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                try fixture.mount()
                #expect(try Sys.readFile(fixture.mountRaw.appending("file")) == Array("content\n".utf8))
                let daemons = fixture.liveDaemons
                try #require(!daemons.isEmpty, "no live minifo process has \(fixture.mountPoint) in its argv after `minifo mount` returned")

                // Detached: the daemon is in its own session, not the test's. It is the one
                // minifo binary, started under the name minifo-mountd.
                let mySession = ProcessRef.statFields(getpid()).map { $0[3] }
                let minifo = URL(fileURLWithPath: MountEnvironment.minifo).resolvingSymlinksInPath().path
                for daemon in daemons {
                    let session = ProcessRef.statFields(daemon.pid).map { $0[3] }
                    #expect(session != nil && session != mySession, "daemon \(daemon) shares the test's session \(mySession ?? "?")")
                    #expect(daemon.commandLine.first == "minifo-mountd", "daemon \(daemon) runs as \(daemon.commandLine)")
                    let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(daemon.pid)/exe")
                    #expect(executable == minifo, "daemon \(daemon) runs \(executable ?? "?"), not \(minifo)")
                }

                let result = try fixture.runUnmount()
                #expect(result.succeeded, "\(result)")
                #expect(result.stderr.isEmpty, "minifo umount printed to stderr: \(result.stderr)")
                Self.expectGone(fixture)
                for daemon in daemons { #expect(!daemon.isAlive, "\(daemon) still alive") }
            }
        }

        @Test func umountEndsForegroundMount() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                let child = try fixture.mountForeground()
                #expect(try Sys.readFile(fixture.mountRaw.appending("file")) == Array("content\n".utf8))
                let result = try fixture.runUnmount()
                #expect(result.succeeded, "\(result)")
                let exit = child.finish(timeout: 15)
                #expect(exit.succeeded, "minifo mount -f after minifo umount: \(exit)")
                Self.expectGone(fixture)
            }
        }

        @Test(arguments: [SIGTERM, SIGINT])
        func signalUnmountsCleanly(signal: Int32) throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                let child = try fixture.mountForeground()
                #expect(try Sys.lstat(fixture.mountRaw.appending("dir")).st_mode & FileType.mask == FileType.directory.rawValue)
                child.signal(signal)
                let exit = child.finish(timeout: 15)
                #expect(exit.succeeded, "minifo mount -f after signal \(signal): \(exit)")
                Self.expectGone(fixture)
            }
        }

        @Test func signalWhileFileIsOpenDetachesThenEnds() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                let child = try fixture.mountForeground()
                // A descriptor open through the mount makes a plain umount(2) busy. SIGTERM must
                // still take the mount away at once; the open file may go on being served, and
                // the daemon ends once it is closed.
                let fd = try Sys.open(fixture.mountRaw.appending("file"), O_RDONLY)
                var closed = false
                defer { if !closed { close(fd) } }
                child.signal(SIGTERM)
                #expect(
                    MountEnvironment.waitUntil(timeout: 10) { !MountEnvironment.isMounted(fixture.mountPoint) },
                    "\(fixture.mountPoint) still mounted 10 s after SIGTERM with a file open"
                )
                if child.isRunning {
                    let content = try? Sys.pread(fd, count: 100, offset: 0, path: fixture.mountRaw.appending("file"))
                    #expect(content == Array("content\n".utf8), "the open file, after SIGTERM")
                }
                close(fd)
                closed = true
                let exit = child.finish(timeout: 15)
                #expect(exit.succeeded, "minifo mount -f after SIGTERM and the last close: \(exit)")
                Self.expectGone(fixture)
            }
        }

        @Test func externalUmountEndsForegroundDaemon() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                let child = try fixture.mountForeground()
                _ = try Sys.listDirectory(fixture.mountRaw)
                let umount = try run("/bin/umount", [fixture.mountPoint])
                #expect(umount.succeeded, "\(umount)")
                let exit = child.finish(timeout: 15)
                #expect(exit.succeeded, "minifo mount -f after umount(8): \(exit)")
                Self.expectGone(fixture)
            }
        }

        @Test func externalUmountEndsBackgroundDaemon() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                try fixture.mount()
                _ = try Sys.listDirectory(fixture.mountRaw)
                try #require(!fixture.liveDaemons.isEmpty, "no live minifo process has \(fixture.mountPoint) in its argv")
                let umount = try run("/bin/umount", [fixture.mountPoint])
                #expect(umount.succeeded, "\(umount)")
                Self.expectGone(fixture)
            }
        }

        @Test func lazyUmountEndsDaemon() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                try fixture.mount()
                try #require(!fixture.liveDaemons.isEmpty, "no live minifo process has \(fixture.mountPoint) in its argv")
                let umount = try run("/bin/umount", ["-l", fixture.mountPoint])
                #expect(umount.succeeded, "\(umount)")
                Self.expectGone(fixture)
            }
        }

        @Test func umountCleansUpAfterTheDaemonDied() throws {
            // A daemon that died (crash, OOM kill) leaves a mount answering ENOTCONN;
            // `minifo umount` is how a user cleans it up.
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                try fixture.mount()
                let daemons = fixture.liveDaemons
                try #require(!daemons.isEmpty, "no live minifo process has \(fixture.mountPoint) in its argv")
                for daemon in daemons { kill(daemon.pid, SIGKILL) }
                #expect(fixture.waitForDaemonsToExit(timeout: 10))
                #expect(Sys.statResult(fixture.mountRaw.appending("file")).errnoValue == ENOTCONN)
                let result = try fixture.runUnmount()
                #expect(result.succeeded, "minifo umount of a mount whose daemon died: \(result)")
                #expect(!MountEnvironment.isMounted(fixture.mountPoint), "\(fixture.mountPoint) still mounted")
            }
        }

        /// `minifo umount` returns once the daemon has let go of the storage directory, so what
        /// needs it alone (`check --repair`, `merge`) can follow at once.
        @Test func umountWaitsForTheDaemonToLetGoOfStorage() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                for round in 1...5 {
                    try fixture.mount()
                    try Sys.writeFile(fixture.mountRaw.appending("new-\(round)"), Array("x".utf8))
                    try #require(try fixture.runUnmount().succeeded)
                    #expect(fixture.liveDaemons.isEmpty, "round \(round): the daemon still runs after minifo umount")
                    let repair = try run(MountEnvironment.minifo, ["check", "--repair", fixture.storage])
                    #expect(repair.succeeded, "round \(round): \(repair)")
                }
            }
        }

        /// After an unmount by other means than `minifo umount`, the old daemon may still be
        /// syncing META; the new mount waits for it instead of finding the storage in use.
        @Test func remountAfterUnmount() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                for round in 1...10 {
                    try fixture.mount()
                    #expect(try Sys.readFile(fixture.mountRaw.appending("file")) == Array("content\n".utf8), "round \(round)")
                    let result = try fixture.runUnmount()
                    #expect(result.succeeded, "round \(round): \(result)")
                    Self.expectGone(fixture)
                }
            }
        }

        /// Two daemons appending to one META file would corrupt it: a storage directory is
        /// mounted read-write once, or read-only any number of times.
        @Test func storageIsMountedReadWriteOnlyOnce() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                let second = fixture.root + "/second"
                try Sys.mkdir(RawPath(second))
                defer { if MountEnvironment.isMounted(second) { _ = try? run("/bin/umount", ["-l", second]) } }
                try fixture.mount()
                for options in [[], ["ro"]] {
                    let refused = try fixture.runMount(options: options, mountPoint: second)
                    #expect(refused.status == 1 && refused.stderrLines.count == 1 && refused.stderr.contains("is in use"), "\(refused)")
                    #expect(!MountEnvironment.isMounted(second))
                }
                try #require(try fixture.runUnmount().succeeded)

                try fixture.mount(options: ["ro"])
                let alongside = try fixture.runMount(options: ["ro"], mountPoint: second)
                #expect(alongside.succeeded, "\(alongside)")
                #expect(try Sys.readFile(RawPath(second + "/file")) == Array("content\n".utf8))
                let third = fixture.root + "/third"
                try Sys.mkdir(RawPath(third))
                let writable = try fixture.runMount(mountPoint: third)
                #expect(writable.status == 1 && writable.stderr.contains("is in use"), "\(writable)")
                if writable.succeeded { _ = try run(MountEnvironment.minifo, ["umount", third]) }
                #expect(try run(MountEnvironment.minifo, ["umount", second]).succeeded)
            }
        }

        @Test func mountReturnsWhenCallerPassesAPipe() throws {
            // A caller that hands `minifo mount` an open pipe (a shell pipeline's `3>&1`, make's
            // jobserver) waits for EOF on it; the background daemon must not keep it open.
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                let script = #"{ "$1" mount "$2" "$3" "$4" 3>&1; echo "exit $?"; } | cat"#
                let result = try shell(script, [MountEnvironment.minifo, fixture.base, fixture.storage, fixture.mountPoint], timeout: 20)
                #expect(result.succeeded, "`minifo mount ... 3>&1 | cat` did not finish: the daemon holds the pipe. \(result)")
                #expect(MountEnvironment.isMounted(fixture.mountPoint))
                #expect(result.stdout.contains("exit 0"), "\(result)")
                for daemon in ProcessRef.minifoProcesses(mountPoint: fixture.mountPoint) {
                    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/fd")) ?? []
                    let pipes = fds.compactMap { fd -> String? in
                        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(daemon.pid)/fd/\(fd)"),
                              target.hasPrefix("pipe:") else { return nil }
                        return "fd \(fd) → \(target)"
                    }
                    #expect(pipes.isEmpty, "daemon \(daemon) kept descriptors it inherited: \(pipes)")
                }
            }
        }

        @Test func debugOptionLogsInForeground() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                let child = try fixture.mountForeground(options: ["debug"])
                _ = try Sys.readFile(fixture.mountRaw.appending("file"))
                let result = try fixture.runUnmount()
                #expect(result.succeeded, "\(result)")
                let exit = child.finish(timeout: 15)
                #expect(exit.succeeded, "\(exit)")
                #expect(!exit.stderr.isEmpty, "-o debug -f logged nothing")
                Self.expectGone(fixture)
            }
        }
    }
}
