import Foundation
import Glibc
import Testing

// The two trees side by side (DiffSession), one seed's run (DiffRunner), the minimizer and
// the reproducer it prints.

/// Where the mount and the reference first disagreed.
struct DiffDivergence {
    /// Index into the operation list that was run.
    var index: Int
    var op: DiffOp
    /// What differed, without paths or values, e.g. `rename: result` or `tree: content`;
    /// the minimizer keeps this the same while it shrinks the sequence.
    var signature: String
    var detail: String
}

/// The base every seed starts from: nested directories, files with random content, a
/// hard-linked pair across directories, symlinks to a directory and to a file, xattrs on a
/// file and a directory, an owner other than root, and old fixed times on everything.
enum DiffBase {
    static func build(at base: String, seed: UInt64, hardLinks: Bool = true) throws {
        func p(_ relative: String) -> RawPath { RawPath(base + "/" + relative) }
        try Sys.mkdir(p("a"))
        try Sys.mkdir(p("a/c"))
        try Sys.mkdir(p("a/c/a"))
        try Sys.mkdir(p("d"))
        try Sys.writeFile(p("a/b"), DiffData.bytes(seed ^ 1, 5000))
        try Sys.chmod(p("a/b"), 0o640)
        try Sys.writeFile(p("a/c/d"), DiffData.bytes(seed ^ 2, 20_000))
        try Sys.chmod(p("a/c/d"), 0o755)
        if hardLinks {
            try Sys.link(p("a/c/d"), p("d/a"))
        } else {
            try Sys.writeFile(p("d/a"), DiffData.bytes(seed ^ 2, 20_000))
            try Sys.chmod(p("d/a"), 0o755)
        }
        try Sys.writeFile(p("b"), DiffData.bytes(seed ^ 3, 70_000))
        try Sys.lchown(p("b"), 1000, 100)
        try Xattr.set(p("b"), "user.a", Array("alpha".utf8))
        try Xattr.set(p("b"), "user.b", Array(repeating: UInt8(ascii: "x"), count: 300))
        try Xattr.set(p("a"), "user.c", Array("dir value".utf8))
        try Sys.symlink(Array("a/c".utf8), p("c"))
        try Sys.symlink(Array("c".utf8), p("d/b"))
        try Sys.writeFile(p("d/c"), [], mode: 0o600)
        try Sys.chmod(p("d/c"), 0o600)
        // Old times, children before their directories, the root last.
        let order = ["a/b", "a/c/a", "a/c/d", "a/c", "a", "b", "c", "d/b", "d/c", "d/a", "d"]
        for (i, relative) in order.enumerated() {
            try Sys.setTimes(p(relative), atime: (1_000_000_000 + 1000 * i, 0), mtime: (1_000_000_000 + 1000 * i, 100 * i + 7))
        }
        try Sys.setTimes(RawPath(base), atime: (1_050_000_000, 0), mtime: (1_050_000_000, 42))
    }

    /// The same layout in shell (random content, old times), for reproducers.
    static func shell(hardLinks: Bool) -> String {
        hardLinks ? shellText : shellText.replacingOccurrences(of: "ln base/a/c/d base/d/a", with: "cp -a base/a/c/d base/d/a")
    }

    private static let shellText = """
        mkdir -p base/a/c/a base/d storage mnt
        head -c 5000 /dev/urandom > base/a/b; chmod 640 base/a/b
        head -c 20000 /dev/urandom > base/a/c/d; chmod 755 base/a/c/d; ln base/a/c/d base/d/a
        head -c 70000 /dev/urandom > base/b; chown 1000:100 base/b
        setfattr -n user.a -v alpha base/b; setfattr -n user.b -v "$(printf 'x%.0s' $(seq 300))" base/b
        setfattr -n user.c -v 'dir value' base/a
        ln -s a/c base/c; ln -s c base/d/b; : > base/d/c; chmod 600 base/d/c
        find base -depth -exec touch -h -d @1000000000 {} +
        cp -a base ref
        """
}

/// The mount and the reference tree, one operation at a time. Ops run on the mount first.
final class DiffSession {
    let fixture: MountFixture
    let directory: String
    let storage: String
    let mount: DiffSide
    let reference: DiffSide
    let ignoring: Set<String>
    let options: [String]
    let selfTest: Bool
    private(set) var mounted = false
    var treeChecks = 0
    var remounts = 0

    init(fixture: MountFixture, name: String, config: DiffConfig, options: [String]) throws {
        self.fixture = fixture
        self.options = options
        ignoring = config.ignoring
        directory = fixture.root + "/" + name
        storage = directory + "/storage"
        try Sys.mkdir(RawPath(directory))
        try Sys.mkdir(RawPath(storage))
        let copy = try run("/bin/cp", ["-a", fixture.base, directory + "/reference"])
        if !copy.succeeded { throw MountTestError("copying the base: \(copy)") }
        selfTest = config.selfTest
        if selfTest {
            // Checks the test itself: a second plain copy stands in for the mount.
            let second = try run("/bin/cp", ["-a", fixture.base, directory + "/second-copy"])
            if !second.succeeded { throw MountTestError("copying the base: \(second)") }
            mount = DiffSide(root: directory + "/second-copy", name: "second copy")
        } else {
            mount = DiffSide(root: fixture.mountPoint, name: "mount")
        }
        reference = DiffSide(root: directory + "/reference", name: "reference")
        if let error = mountNow() { throw MountTestError(error) }
    }

    /// Mounts base and this session's storage; an error message on failure.
    func mountNow() -> String? {
        if selfTest { return nil }
        do {
            let result = try fixture.runMount(options: options, storage: storage)
            if !result.succeeded { return "minifo mount failed: \(result)" }
        } catch {
            return "minifo mount could not run: \(error)"
        }
        if !MountEnvironment.isMounted(fixture.mountPoint) { return "minifo mount exited 0 but \(fixture.mountPoint) is not mounted" }
        mounted = true
        return nil
    }

    /// `minifo umount`; an error message on failure.
    func unmountNow() -> String? {
        guard mounted else { return nil }
        do {
            let result = try fixture.runUnmount()
            if !result.succeeded { return "minifo umount failed: \(result)" }
        } catch {
            return "minifo umount could not run: \(error)"
        }
        if MountEnvironment.isMounted(fixture.mountPoint) { return "minifo umount exited 0 but \(fixture.mountPoint) is still mounted" }
        mounted = false
        return nil
    }

    /// Closes every descriptor and unmounts (lazily, if `minifo umount` fails; the fixture's
    /// close then reports and cleans up what is left); removes the session's directories.
    func close() {
        mount.closeAll()
        reference.closeAll()
        if mounted, unmountNow() != nil {
            _ = try? run("/bin/umount", ["-l", fixture.mountPoint], timeout: 10)
            mounted = MountEnvironment.isMounted(fixture.mountPoint)
        }
        if !mounted { _ = try? run("/bin/rm", ["-rf", "--one-file-system", directory], timeout: 60) }
    }

    /// Runs one operation on both trees and compares; with `strictTrees`, also compares the
    /// whole trees after every operation that may change them.
    func step(_ op: DiffOp, index: Int, strictTrees: Bool = false) -> DiffDivergence? {
        func diverged(_ signature: String, _ detail: String) -> DiffDivergence {
            DiffDivergence(index: index, op: op, signature: signature, detail: detail)
        }
        switch op {
        case .checkTree:
            treeChecks += 1
            return compareTrees().map { diverged("tree: \($0.0)", $0.1) }
        case .remount:
            return remount().map { diverged($0.0, $0.1) }
        default:
            let m = mount.execute(op)
            let r = reference.execute(op)
            if let d = compare(m, r) { return diverged("\(op.kind): \(d.0)", d.1) }
        }
        if strictTrees && op.changes, let d = compareTrees() {
            return diverged("tree: \(d.0)", d.1)
        }
        return nil
    }

    /// The first difference between the two outcomes, as (field, detail).
    private func compare(_ m: DiffOutcome, _ r: DiffOutcome) -> (String, String)? {
        if m.rc != r.rc {
            return ("result", "result: mount \(m.resultDescription), reference \(r.resultDescription)")
        }
        if m.data != r.data {
            let a = m.data ?? [], b = r.data ?? []
            let looksLikeText = (a + b).allSatisfy { $0 < 0x80 } && a.count + b.count < 2000
            let detail = looksLikeText
                ? "mount \(DiffTree.describe(m.data)), reference \(DiffTree.describe(r.data))"
                : DiffTree.describeDifference(a, b)
            return ("data", "data returned differs: \(detail)")
        }
        for ((label, mp), (_, rp)) in zip(m.probes, r.probes) where mp != rp {
            let verb = label.split(separator: " ").first.map(String.init) ?? label
            let field: String
            switch (mp, rp) {
            case let (.found(a), .found(b)):
                let fields = a.differences(b, ignoring: ignoring)
                if fields.isEmpty { continue }
                field = fields.joined(separator: ",")
            default: field = "errno"
            }
            return ("\(verb) \(field)", "after it, \(label): mount \(mp), reference \(rp)")
        }
        return nil
    }

    /// The first difference of the whole trees, with up to 12 of them in the detail.
    func compareTrees() -> (String, String)? {
        let m: [String: DiffEntry]
        let r: [String: DiffEntry]
        do {
            m = try DiffTree.snapshot(mount.root)
        } catch {
            return ("walk", "walking the mount failed: \(error)")
        }
        do {
            r = try DiffTree.snapshot(reference.root)
        } catch {
            return ("walk", "walking the reference failed (test bug?): \(error)")
        }
        let differences = DiffTree.compare(mount: m, reference: r, ignoring: ignoring)
        guard let first = differences.first else { return nil }
        var lines = differences.prefix(12).map { "  " + $0.1 }
        if differences.count > 12 { lines.append("  ... and \(differences.count - 12) more") }
        return (first.0, "the trees differ:\n" + lines.joined(separator: "\n"))
    }

    /// Closes the descriptors, unmounts, mounts again and compares: the trees, and the inode
    /// numbers the mount showed before (they must be stable across a remount).
    private func remount() -> (String, String)? {
        remounts += 1
        mount.closeAll()
        reference.closeAll()
        let before = try? DiffTree.snapshot(mount.root)
        if let error = unmountNow() { return ("remount: unmount", error) }
        if let error = mountNow() { return ("remount: mount", error) }
        if let d = compareTrees() { return ("tree after remount: \(d.0)", d.1) }
        if let before, let after = try? DiffTree.snapshot(mount.root) {
            let changed = before.keys.sorted().compactMap { p -> String? in
                guard let old = before[p]?.inode, let new = after[p]?.inode, old != new else { return nil }
                return "'\(p.isEmpty ? "." : p)' \(old) -> \(new)"
            }
            if !changed.isEmpty {
                return ("remount: inode numbers", "inode numbers changed across the remount: " + changed.prefix(12).joined(separator: ", "))
            }
        }
        return nil
    }
}

/// The settings, from the environment (see DifferentialTests.swift).
struct DiffConfig: Sendable {
    var operations = 400
    var checkEvery = 100
    var minimizeSeconds = 60.0
    /// Fields not compared (exploration aid only; see DifferentialTests.swift).
    var ignoring: Set<String> = []
    /// `-o` options for every seed, when set; else `mountOptions(seed:)` alternates.
    var fixedMountOptions: [String]?
    /// Whether the base has its hard-linked pair (exploration aid: MINIFO_DIFF_BASE_HARDLINKS=0).
    var baseHardLinks = true
    /// MINIFO_DIFF_SELFTEST=1: compare two plain copies, no mount (checks the test itself).
    var selfTest = false
    /// MINIFO_DIFF_STRICT=1: compare the whole trees after every operation that may change them.
    var strictTrees = false
    /// MINIFO_DIFF_DEBUG=1: print each replay of the minimizer.
    var debug = false
    /// Operation weight overrides (exploration aid: MINIFO_DIFF_WEIGHTS=open:0,rename:20).
    var weights: [String: Int] = [:]

    /// Odd seeds mount with minifo's defaults (the kernel caches names and attributes for a
    /// second, as users run it); even seeds with timeout=0, so every stat reaches the daemon
    /// and what it says shows at once, the same on every run.
    func mountOptions(seed: UInt64) -> [String] {
        fixedMountOptions ?? (seed % 2 == 0 ? ["timeout=0"] : [])
    }

    static let ciSeeds: [UInt64] = [1, 2, 3]

    static var current: DiffConfig {
        let env = ProcessInfo.processInfo.environment
        var config = DiffConfig()
        if let n = env["MINIFO_DIFF_OPS"].flatMap({ Int($0) }), n > 0 { config.operations = n }
        if let n = env["MINIFO_DIFF_CHECK_EVERY"].flatMap({ Int($0) }), n > 0 { config.checkEvery = n }
        if let s = env["MINIFO_DIFF_MINIMIZE"].flatMap({ Double($0) }), s >= 0 { config.minimizeSeconds = s }
        if let options = env["MINIFO_DIFF_MOUNT_OPTIONS"] {
            config.fixedMountOptions = options.isEmpty ? [] : [options]
        }
        config.baseHardLinks = env["MINIFO_DIFF_BASE_HARDLINKS"] != "0"
        config.selfTest = env["MINIFO_DIFF_SELFTEST"] == "1"
        config.strictTrees = env["MINIFO_DIFF_STRICT"] == "1"
        config.debug = env["MINIFO_DIFF_DEBUG"] == "1"
        for item in (env["MINIFO_DIFF_WEIGHTS"] ?? "").split(separator: ",") {
            let parts = item.split(separator: ":")
            if parts.count == 2, let w = Int(parts[1]), w >= 0 { config.weights[String(parts[0])] = w }
        }
        if let list = env["MINIFO_DIFF_IGNORE"] {
            config.ignoring = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        return config
    }

    /// `MINIFO_DIFF_SEEDS`: a count N (seeds 1...N) or a comma-separated list (`7,` is seed 7 alone).
    static var seeds: [UInt64] {
        guard let text = ProcessInfo.processInfo.environment["MINIFO_DIFF_SEEDS"], !text.isEmpty else { return ciSeeds }
        if !text.contains(","), let n = UInt64(text), n > 0 { return Array(1...n) }
        let list = text.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        return list.isEmpty ? ciSeeds : list
    }
}

/// What one seed's run found.
struct DiffReport {
    var seed: UInt64
    var generated = 0
    var ran: [DiffOp] = []
    var treeChecks = 0
    var remounts = 0
    var divergence: DiffDivergence?
    var options: [String] = []
    var selfTest = false
    var minimized: (ops: [DiffOp], divergence: DiffDivergence, trials: Int, complete: Bool, options: [String])?
    var minimizeNote: String?

    var summary: String {
        let how = selfTest ? "self-test, two plain copies" : options.isEmpty ? "default options" : "-o " + options.joined(separator: ",")
        var text = "seed \(seed) (\(how)): \(generated) operations, \(treeChecks) tree comparisons, \(remounts) remounts"
        if let divergence {
            text += "; DIVERGED at operation #\(divergence.index) (\(divergence.signature))"
        } else {
            text += "; no divergence"
        }
        return text
    }
}

/// One seed: generate, run, compare, remount; on a divergence stop, then shrink it.
struct DiffRunner {
    let fixture: MountFixture
    let seed: UInt64
    let config: DiffConfig

    func run() throws -> DiffReport {
        // A write to a FIFO without a reader must fail with EPIPE on both sides, not end the test run.
        signal(SIGPIPE, SIG_IGN)
        var report = DiffReport(seed: seed)
        try DiffBase.build(at: fixture.base, seed: seed, hardLinks: config.baseHardLinks)
        let baseBefore = try TreeWalk.fingerprint(fixture.baseRaw)

        let options = config.mountOptions(seed: seed)
        report.options = options
        report.selfTest = config.selfTest
        let session = try DiffSession(fixture: fixture, name: "run", config: config, options: options)
        defer { session.close() }  // on a throw; closing twice is harmless
        var ran: [DiffOp] = []
        var divergence: DiffDivergence?
        func perform(_ op: DiffOp) -> Bool {
            ran.append(op)
            divergence = session.step(op, index: ran.count - 1, strictTrees: config.strictTrees)
            return divergence == nil
        }
        var generator = DiffGenerator(seed: seed, weights: config.weights)
        var checkpoints = 0
        if perform(.checkTree) {
            for i in 1...config.operations {
                let op = generator.next(existing: session.reference.existingPaths(), held: session.reference.held)
                report.generated = i
                guard perform(op) else { break }
                if i % config.checkEvery == 0 || i == config.operations {
                    checkpoints += 1
                    guard perform(.checkTree) else { break }
                    if checkpoints % 2 == 1 || i == config.operations {
                        guard perform(.remount) else { break }
                    }
                }
            }
        }
        session.close()
        report.ran = ran
        report.divergence = divergence
        report.treeChecks = session.treeChecks
        report.remounts = session.remounts

        if let divergence, config.minimizeSeconds > 0 {
            var minimizer = DiffMinimizer(fixture: fixture, config: config, options: options,
                                          deadline: Date().addingTimeInterval(config.minimizeSeconds))
            switch minimizer.minimize(Array(ran[0...divergence.index])) {
            case let .success(result): report.minimized = result
            case let .failure(note): report.minimizeNote = note.description
            }
        }

        // The base must come out exactly as it went in, whatever went on through the mount.
        let baseAfter = try TreeWalk.fingerprint(fixture.baseRaw)
        TreeWalk.expectSame(baseBefore, baseAfter, "seed \(seed): base after the run")
        return report
    }
}

/// Delta debugging over a failing sequence: replays candidates on a fresh mount and copy of
/// the base, comparing the whole trees after every changing operation, and keeps the
/// shortest one that still diverges the same way.
struct DiffMinimizer {
    let fixture: MountFixture
    let config: DiffConfig
    var options: [String]
    let deadline: Date

    final class Counter { var trials = 0; var setupFailure: String? }
    private var setupFailure: String? {
        get { counter.setupFailure }
        nonmutating set { counter.setupFailure = newValue }
    }
    private let counter = Counter()

    /// Runs `ops` on a fresh session; the first divergence, if any. `strict` compares the
    /// whole trees after every operation that may change them.
    func replay(_ ops: [DiffOp], strict: Bool) -> DiffDivergence? {
        counter.trials += 1
        let session: DiffSession
        do {
            session = try DiffSession(fixture: fixture, name: "trial-\(counter.trials)", config: config, options: options)
        } catch {
            return DiffDivergence(index: 0, op: .checkTree, signature: "setup", detail: "\(error)")
        }
        defer { session.close() }
        var found: DiffDivergence?
        for (i, op) in ops.enumerated() {
            if let d = session.step(op, index: i, strictTrees: strict) { found = d; break }
        }
        if config.debug {
            print("differential: replay \(counter.trials) of \(ops.count) operations\(strict ? " (strict)" : ""): "
                + (found.map { "diverged at #\($0.index) (\($0.signature))" } ?? "no divergence"))
        }
        return found
    }

    /// Shrinks `ops` in two passes: first replayed as the run did (fast), keeping the same
    /// kind of divergence; then with the trees compared after every change, which finds the
    /// operation where the trees first went apart, and shrinks again from there. When a
    /// replay with the run's options does not diverge again (a divergence that shows once the
    /// kernel's attribute cache expires), it tries timeout=0.
    mutating func minimize(_ ops: [DiffOp]) -> Result<(ops: [DiffOp], divergence: DiffDivergence, trials: Int, complete: Bool, options: [String]), MountTestError> {
        var found = replay(ops, strict: config.strictTrees)
        if found == nil && !options.contains("timeout=0") {
            options.append("timeout=0")
            found = replay(ops, strict: config.strictTrees)
        }
        guard let first = found else {
            return .failure(MountTestError("replaying the \(ops.count) operations on a fresh mount did not diverge again (timing-dependent?); not minimized"))
        }
        if first.signature == "setup" { return .failure(MountTestError("could not set up a replay: \(first.detail)")) }
        var current = Array(ops[0...first.index])
        var best = first
        // Most divergences need only the last few operations: try short suffixes first.
        var k = 1
        while k < current.count && Date() < deadline {
            let suffix = Array(current.suffix(k))
            if let d = replay(suffix, strict: config.strictTrees), d.signature == first.signature {
                current = Array(suffix[0...d.index])
                best = d
                break
            }
            k *= 2
        }
        var complete = shrink(&current, &best, strict: config.strictTrees)
        if Date() < deadline, let strictFirst = replay(current, strict: true), strictFirst.signature != "setup" {
            current = Array(current[0...strictFirst.index])
            best = strictFirst
            complete = shrink(&current, &best, strict: true) && complete
        }
        if let failure = setupFailure {
            return .failure(MountTestError("a replay could not be set up (\(failure)); stopped at \(current.count) operations: \(current.map(\.description))"))
        }
        return .success((current, best, counter.trials, complete, options))
    }

    /// Delta debugging (removing chunks, then single operations) while a replay still gives
    /// `best`'s signature; false when the deadline cut it short.
    private func shrink(_ current: inout [DiffOp], _ best: inout DiffDivergence, strict: Bool) -> Bool {
        let signature = best.signature
        var granularity = 2
        while Date() < deadline {
            if current.count < 2 { return true }
            let n = min(granularity, current.count)
            let size = (current.count + n - 1) / n
            var reduced = false
            // Remove one chunk at a time, last chunk first (later operations depend on earlier ones).
            for start in stride(from: (n - 1) * size, through: 0, by: -size) where Date() < deadline {
                let end = min(start + size, current.count)
                if start >= end { continue }
                var candidate = current
                candidate.removeSubrange(start..<end)
                if candidate.isEmpty { continue }
                let outcome = replay(candidate, strict: strict)
                if let d = outcome, d.signature == "setup" {
                    setupFailure = d.detail
                    return false
                }
                if let d = outcome, d.signature == signature {
                    current = Array(candidate[0...d.index])
                    best = d
                    granularity = max(granularity - 1, 2)
                    reduced = true
                    break
                }
            }
            if !reduced {
                if n >= current.count { return Date() < deadline }
                granularity = min(current.count, granularity * 2)
            }
        }
        return false
    }
}

enum DiffReproducer {
    static let prelude = #"""
        import os, ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        fds = {}
        NOW, OMIT = (0, (1 << 30) - 1), (0, (1 << 30) - 2)
        def rnd(n): return os.urandom(n)
        def do(what, f):
            try: r = f()
            except OSError as e: r = os.strerror(e.errno)
            print(f"{what}: {r}")
        def check(rc):
            if rc != 0:
                e = ctypes.get_errno(); raise OSError(e, os.strerror(e))
        def renameat2(a, b, flags): check(libc.renameat2(-100, a.encode(), -100, b.encode(), flags))
        class ts(ctypes.Structure): _fields_ = [("s", ctypes.c_long), ("ns", ctypes.c_long)]
        def utimens(p, a, m, follow): check(libc.utimensat(-100, p.encode(), (ts * 2)(ts(*a), ts(*m)), 0 if follow else 0x100))
        def write(p, off, n, flags):
            fd = os.open(p, flags | os.O_NONBLOCK, 0o644)
            try: return os.pwrite(fd, rnd(n), off)
            finally: os.close(fd)
        def append(p, n, create):
            fd = os.open(p, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | (os.O_CREAT if create else 0), 0o644)
            try: return os.write(fd, rnd(n))
            finally: os.close(fd)
        def create(p, flags, mode): os.close(os.open(p, flags | os.O_NONBLOCK, mode))
        def read(p, off, n):
            fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
            try: return len(os.pread(fd, n, off))
            finally: os.close(fd)
        def hold(slot, p, flags, mode):
            if slot in fds: os.close(fds.pop(slot))
            fds[slot] = os.open(p, flags | os.O_NONBLOCK, mode)
        def st(s): return f"mode {s.st_mode:o} size {s.st_size} nlink {s.st_nlink} owner {s.st_uid}:{s.st_gid} mtime {s.st_mtime_ns}"
        def remount():  # in the mount: REMOUNT='minifo umount MNT && minifo mount BASE STORAGE MNT'
            for fd in fds.values(): os.close(fd)
            fds.clear()
            here = os.getcwd(); os.chdir("/"); os.system(os.environ.get("REMOUNT", "true")); os.chdir(here)
        """#

    /// A script that builds the base and runs the operations in the mount and in the copy.
    static func script(_ ops: [DiffOp], options: [String], hardLinks: Bool) -> String {
        let o = options.isEmpty ? "" : "-o \(options.joined(separator: ",")) "
        var lines = ["# in an empty directory, as root:", DiffBase.shell(hardLinks: hardLinks),
                     "minifo mount \(o)base storage mnt",
                     "cat > ops.py <<'EOF'", prelude]
        lines += ops.filter { if case .checkTree = $0 { return false } else { return true } }.map(\.python)
        lines += ["EOF",
                  "(cd mnt && REMOUNT=\"minifo umount $PWD && minifo mount \(o)$(dirname $PWD)/base $(dirname $PWD)/storage $PWD\" python3 ../ops.py) > mount.out",
                  "(cd ref && python3 ../ops.py) > ref.out",
                  "diff mount.out ref.out; diff -r mnt ref"]
        return lines.joined(separator: "\n")
    }

    static func listing(_ ops: [DiffOp], from: Int = 0) -> String {
        ops.enumerated().map { "  #\(from + $0.offset) \($0.element)" }.joined(separator: "\n")
    }
}
