import TestSupport
import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// The daemon killed with SIGKILL at random moments of a mixed workload, then mounted again:
    /// every change that was acknowledged is there, the change in flight is there whole or not
    /// at all, the META file loads, and the base is untouched.
    ///
    /// Long variant (200 kills): `MINIFO_LONG=1 swift test --filter CrashTests`
    @Suite
    struct CrashTests {
        static func buildBase(_ base: RawPath, _ random: inout SeededRandom) throws {
            func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) } }
            try Sys.writeFile(base.appending("big"), bytes(3 << 20))
            try Sys.writeFile(base.appending("small"), bytes(100))
            for top in ["a", "b", "c"] {
                let dir = base.appending(top)
                try Sys.mkdir(dir)
                for i in 0..<4 { try Sys.writeFile(dir.appending("f\(i)"), bytes(Int.random(in: 0...30_000, using: &random))) }
                try Sys.mkdir(dir.appending("s"))
                try Sys.mkdir(dir.appending("s/t"))
                try Sys.writeFile(dir.appending("s/g"), bytes(500))
                try Sys.writeFile(dir.appending("s/t/h"), bytes(70_000))
            }
            try Sys.symlink(Array("f0".utf8), base.appending("a/link"))
            try Xattr.set(base.appending("a/f1"), "user.base", Array("value".utf8))
            try Sys.chmod(base.appending("b/f1"), 0o600)
            try Sys.chmod(base.appending("c/s"), 0o750)
        }

        struct Figures: CustomStringConvertible {
            var rounds = 0, kills = 0, operations = 0, calls = 0
            var inFlightLanded = 0, inFlightLost = 0, tornAppends = 0
            var description: String {
                "\(rounds) rounds, \(kills) kills, \(operations) operations (\(calls) system calls); the call in flight at a kill "
                    + "landed \(inFlightLanded) times and was lost \(inFlightLost) times; \(tornAppends) torn META appends dropped"
            }
        }

        @Test func killedDaemonKeepsEveryAcknowledgedChange() throws {
            let rounds = Reliability.isLong ? 200 : 12
            let seed = Reliability.seed
            try MountFixture.with(timeLimit: Reliability.isLong ? 3600 : 300) { fixture in
                var random = SeededRandom(seed: seed)
                try Self.buildBase(fixture.baseRaw, &random)
                let baseFingerprint = try TreeWalk.fingerprint(fixture.baseRaw)
                let baseModel = try TreeModel.observe(fixture.baseRaw)
                var workload = Workload(mount: fixture.mountRaw, seed: seed &+ 1)
                var figures = Figures()
                // The states the mount may show: the last one acknowledged, and, when the daemon
                // died during a call, the one that call makes.
                var candidates = [baseModel]
                var inFlight: String?

                for round in 1...rounds + 1 {
                    if round % 25 == 0 {
                        // A fresh storage directory now and then, so that base files and
                        // directories keep being copied up and renamed.
                        try Self.empty(fixture.storageRaw)
                        candidates = [baseModel]
                        inFlight = nil
                    }
                    let child = try fixture.mountForeground()
                    let observed = try TreeModel.observe(fixture.mountRaw)
                    guard let index = candidates.firstIndex(where: { $0.matches(observed) }) else {
                        let differences = candidates.last!.differences(from: observed)
                        Issue.record("""
                            round \(round) (seed \(seed)): after the kill during \(inFlight ?? "nothing"), the mount shows \
                            neither the state before nor after it; against the \(candidates.count == 1 ? "acknowledged" : "later") \
                            state: \(differences.joined(separator: "; "))
                            """)
                        return
                    }
                    if candidates.count > 1 {
                        if index == 0 { figures.inFlightLost += 1 } else { figures.inFlightLanded += 1 }
                    }
                    if round > rounds {
                        let unmount = try fixture.runUnmount()
                        #expect(unmount.succeeded, "\(unmount)")
                        let check = try run(MountEnvironment.minifo, ["check", fixture.storage])
                        #expect(check.succeeded, "minifo check after the last clean unmount: \(check)")
                        break
                    }
                    var model = candidates[index].learningInodes(from: observed)

                    let killed = DispatchSemaphore(value: 0)
                    let delay = useconds_t(Int.random(in: 0...150_000, using: &random))
                    let pid = child.pid
                    DispatchQueue.global().async {
                        usleep(delay)
                        kill(pid, SIGKILL)
                        killed.signal()
                    }
                    candidates = [model]
                    inFlight = nil
                    var done: [String] = []
                    work: while true {
                        let operation = workload.next(model)
                        defer { operation.cleanup() }
                        figures.operations += 1
                        done.append(operation.description)
                        for step in operation.steps {
                            var after = model
                            step.apply(&after)
                            figures.calls += 1
                            let result = step.call()
                            if result == 0 {
                                model = after
                                continue
                            }
                            if result == ENOTCONN || result == ECONNABORTED {
                                candidates = [model, after]
                                inFlight = "\(step.description) of \(operation.description)"
                            } else {
                                Issue.record("""
                                    round \(round) (seed \(seed)): \(step.description) of \(operation.description) failed: \
                                    \(String(cString: strerror(result))); the round's operations before it: \(done.dropLast().joined(separator: "; "))
                                    """)
                                candidates = [model]
                            }
                            break work
                        }
                    }
                    killed.wait()
                    let exit = child.finish(timeout: 10)
                    #expect(exit.signaled && exit.status == SIGKILL, "round \(round): the daemon was to die of SIGKILL: \(exit)")
                    figures.kills += 1
                    figures.rounds = round
                    figures.tornAppends += exit.stderr.components(separatedBy: "dropped the last").count - 1
                    let unmount = try fixture.runUnmount()
                    try #require(unmount.succeeded, "round \(round): minifo umount of the dead mount: \(unmount)")
                    // A kill may leave a torn META append or a half-built copy, which the next mount
                    // clears; `minifo check` must find nothing else.
                    let check = try run(MountEnvironment.minifo, ["check", fixture.storage])
                    let unexpected = check.stdout.split(separator: "\n").filter {
                        $0.hasPrefix("problem: ") && !$0.contains("cut short by a crash") && !$0.contains("half-built in the work directory")
                    }
                    #expect(unexpected.isEmpty && !check.signaled, "round \(round): minifo check after the kill: \(unexpected.joined(separator: "; "))")
                    TreeWalk.expectSame(baseFingerprint, try TreeWalk.fingerprint(fixture.baseRaw), "base after round \(round)")
                }
                print("crash test (seed \(seed)): \(figures)")
            }
        }

        /// Removes everything in a directory.
        static func empty(_ directory: RawPath) throws {
            for entry in try Sys.listDirectory(directory) {
                try FileManager.default.removeItem(atPath: directory.appending(entry.name).string)
            }
        }
    }
}
