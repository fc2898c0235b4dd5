import TestSupport
import Glibc

// The operations of the differential test (see DifferentialTests.swift): a seeded generator
// and concrete operations that replay the same on any tree.

/// SeededRandom: small, fast and the same on every machine and every run.
struct DiffRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (bound > 0).
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    mutating func within(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `percent`/100.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// One of `choices`, each with its weight.
    mutating func weighted<T>(_ choices: [(Int, T)]) -> T {
        var roll = below(choices.reduce(0) { $0 + $1.0 })
        for (weight, value) in choices {
            if roll < weight { return value }
            roll -= weight
        }
        return choices[choices.count - 1].1
    }
}

/// The bytes an operation writes: `count` bytes expanded from a seed, so an operation is
/// small to keep and replays with the same data.
enum DiffData {
    static func bytes(_ seed: UInt64, _ count: Int) -> [UInt8] {
        var rng = DiffRandom(seed: seed)
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            var i = 0
            while i < count {
                var word = rng.next()
                let n = min(8, count - i)
                withUnsafeBytes(of: &word) { w in
                    for k in 0..<n { raw[i + k] = w[k] }
                }
                i += n
            }
        }
        return out
    }
}

/// A time for utimensat: a fixed old time, now, or left alone.
enum DiffTimeSpec: Sendable, Equatable, CustomStringConvertible {
    case fixed(Int, Int)
    case now
    case omit

    static let utimeNow = (1 << 30) - 1
    static let utimeOmit = (1 << 30) - 2

    var timespec: timespec {
        switch self {
        case let .fixed(s, ns): Glibc.timespec(tv_sec: s, tv_nsec: ns)
        case .now: Glibc.timespec(tv_sec: 0, tv_nsec: DiffTimeSpec.utimeNow)
        case .omit: Glibc.timespec(tv_sec: 0, tv_nsec: DiffTimeSpec.utimeOmit)
        }
    }

    var description: String {
        switch self {
        case let .fixed(s, ns): "\(s).\(String(ns).leftPadded(to: 9))"
        case .now: "NOW"
        case .omit: "OMIT"
        }
    }

    var python: String {
        switch self {
        case let .fixed(s, ns): "(\(s), \(ns))"
        case .now: "NOW"
        case .omit: "OMIT"
        }
    }
}

/// Flag values the operations use, spelled out where Glibc's module does not export them.
enum DiffFlags {
    static let renameNoReplace: UInt32 = 1
    static let renameExchange: UInt32 = 2
    static let xattrCreate: Int32 = 1
    static let xattrReplace: Int32 = 2
    static let seekData: Int32 = 3
    static let seekHole: Int32 = 4

    static func open(_ flags: Int32) -> String {
        var parts: [String] = []
        switch flags & O_ACCMODE {
        case O_RDONLY: parts.append("O_RDONLY")
        case O_WRONLY: parts.append("O_WRONLY")
        default: parts.append("O_RDWR")
        }
        for (bit, name) in [(O_CREAT, "O_CREAT"), (O_EXCL, "O_EXCL"), (O_TRUNC, "O_TRUNC"), (O_APPEND, "O_APPEND")]
        where flags & bit != 0 {
            parts.append(name)
        }
        return parts.joined(separator: "|")
    }

    static func openPython(_ flags: Int32) -> String {
        open(flags).split(separator: "|").map { "os.\($0)" }.joined(separator: "|")
    }

    static func rename(_ flags: UInt32) -> String {
        switch flags {
        case 0: ""
        case renameNoReplace: " NOREPLACE"
        case renameExchange: " EXCHANGE"
        default: " flags \(flags)"
        }
    }

    static func whence(_ whence: Int32) -> String {
        switch whence {
        case SEEK_SET: "SEEK_SET"
        case SEEK_CUR: "SEEK_CUR"
        case SEEK_END: "SEEK_END"
        case seekData: "SEEK_DATA"
        case seekHole: "SEEK_HOLE"
        default: "\(whence)"
        }
    }

    static func xattr(_ flags: Int32) -> String {
        switch flags {
        case 0: ""
        case xattrCreate: " CREATE"
        case xattrReplace: " REPLACE"
        default: " flags \(flags)"
        }
    }
}

/// One operation, concrete enough to replay on any tree: paths are relative to the tree's
/// root, data is a seed and a length, descriptors are numbered slots.
enum DiffOp: Sendable, CustomStringConvertible {
    /// open(O_WRONLY|flags), pwrite, close.
    case write(path: String, offset: Int, length: Int, data: UInt64, flags: Int32)
    /// open(O_WRONLY|O_APPEND[|O_CREAT]), write, close.
    case append(path: String, length: Int, data: UInt64, create: Bool)
    case truncate(path: String, size: Int)
    /// open(O_CREAT|O_WRONLY[|O_EXCL][|O_TRUNC], mode), close.
    case create(path: String, mode: UInt32, exclusive: Bool, truncate: Bool)
    case mkfifo(path: String, mode: UInt32)
    case unlink(path: String)
    case mkdir(path: String, mode: UInt32)
    case rmdir(path: String)
    case rename(from: String, to: String, flags: UInt32)
    case link(from: String, to: String)
    case symlink(target: String, path: String)
    case chmod(path: String, mode: UInt32)
    case chown(path: String, uid: UInt32, gid: UInt32, follow: Bool)
    case utimes(path: String, atime: DiffTimeSpec, mtime: DiffTimeSpec, follow: Bool)
    case setxattr(path: String, name: String, length: Int, data: UInt64, flags: Int32)
    case removexattr(path: String, name: String)
    case getxattr(path: String, name: String)
    case listxattr(path: String)
    /// open(O_RDONLY), pread, close.
    case read(path: String, offset: Int, length: Int)
    case stat(path: String, follow: Bool)
    case readlink(path: String)
    case listdir(path: String)
    /// Opens a descriptor into `slot` (closing what was there) and holds it.
    case open(slot: Int, path: String, flags: Int32, mode: UInt32)
    /// pwrite at `offset`, or write at the descriptor's position when nil.
    case fdWrite(slot: Int, offset: Int?, length: Int, data: UInt64)
    case fdRead(slot: Int, offset: Int?, length: Int)
    case fdTruncate(slot: Int, size: Int)
    case fdSeek(slot: Int, offset: Int, whence: Int32)
    case fdStat(slot: Int)
    case fdChmod(slot: Int, mode: UInt32)
    case fdSync(slot: Int)
    case close(slot: Int)
    /// Compare the whole trees.
    case checkTree
    /// Close every held descriptor, unmount, mount again, compare the whole trees.
    case remount

    static let slotCount = 4

    /// The operation's name, for grouping divergences.
    var kind: String {
        switch self {
        case .write: "write"
        case .append: "append"
        case .truncate: "truncate"
        case .create: "create"
        case .mkfifo: "mkfifo"
        case .unlink: "unlink"
        case .mkdir: "mkdir"
        case .rmdir: "rmdir"
        case let .rename(_, _, flags): "rename" + DiffFlags.rename(flags).lowercased().replacingSpaces()
        case .link: "link"
        case .symlink: "symlink"
        case .chmod: "chmod"
        case .chown: "chown"
        case .utimes: "utimes"
        case .setxattr: "setxattr"
        case .removexattr: "removexattr"
        case .getxattr: "getxattr"
        case .listxattr: "listxattr"
        case .read: "read"
        case .stat: "stat"
        case .readlink: "readlink"
        case .listdir: "listdir"
        case .open: "open"
        case .fdWrite: "fd-write"
        case .fdRead: "fd-read"
        case .fdTruncate: "fd-truncate"
        case .fdSeek: "fd-seek"
        case .fdStat: "fd-stat"
        case .fdChmod: "fd-chmod"
        case .fdSync: "fd-sync"
        case .close: "close"
        case .checkTree: "check-tree"
        case .remount: "remount"
        }
    }

    /// Whether the operation may change a tree (the minimizer compares trees after these).
    var changes: Bool {
        switch self {
        case .getxattr, .listxattr, .read, .stat, .readlink, .listdir, .fdRead, .fdSeek, .fdStat, .checkTree:
            false
        default:
            true
        }
    }

    var description: String {
        func q(_ s: String) -> String { "'\(s)'" }
        func o(_ mode: UInt32) -> String { "0" + String(mode, radix: 8) }
        switch self {
        case let .write(p, off, len, _, flags):
            return "write \(q(p)) \(len) bytes at \(off) (\(DiffFlags.open(O_WRONLY | flags)))"
        case let .append(p, len, _, create):
            return "append \(len) bytes to \(q(p))\(create ? " (O_CREAT)" : "")"
        case let .truncate(p, size): return "truncate \(q(p)) to \(size)"
        case let .create(p, mode, excl, trunc):
            return "create \(q(p)) mode \(o(mode))\(excl ? " O_EXCL" : "")\(trunc ? " O_TRUNC" : "")"
        case let .mkfifo(p, mode): return "mkfifo \(q(p)) \(o(mode))"
        case let .unlink(p): return "unlink \(q(p))"
        case let .mkdir(p, mode): return "mkdir \(q(p)) \(o(mode))"
        case let .rmdir(p): return "rmdir \(q(p))"
        case let .rename(f, t, flags): return "rename\(DiffFlags.rename(flags)) \(q(f)) -> \(q(t))"
        case let .link(f, t): return "link \(q(f)) -> \(q(t))"
        case let .symlink(target, p): return "symlink \(q(p)) -> \(q(target))"
        case let .chmod(p, mode): return "chmod \(o(mode)) \(q(p))"
        case let .chown(p, u, g, follow): return "\(follow ? "chown" : "lchown") \(u):\(g) \(q(p))"
        case let .utimes(p, a, m, follow):
            return "utimensat \(q(p)) atime \(a) mtime \(m)\(follow ? "" : " NOFOLLOW")"
        case let .setxattr(p, name, len, _, flags):
            return "setxattr \(q(p)) \(name) (\(len) bytes)\(DiffFlags.xattr(flags))"
        case let .removexattr(p, name): return "removexattr \(q(p)) \(name)"
        case let .getxattr(p, name): return "getxattr \(q(p)) \(name)"
        case let .listxattr(p): return "listxattr \(q(p))"
        case let .read(p, off, len): return "read \(q(p)) \(len) bytes at \(off)"
        case let .stat(p, follow): return "\(follow ? "stat" : "lstat") \(q(p))"
        case let .readlink(p): return "readlink \(q(p))"
        case let .listdir(p): return "list \(q(p))"
        case let .open(slot, p, flags, mode): return "fd\(slot) = open \(q(p)) \(DiffFlags.open(flags)) \(o(mode))"
        case let .fdWrite(slot, off, len, _):
            return off.map { "pwrite fd\(slot) \(len) bytes at \($0)" } ?? "write fd\(slot) \(len) bytes"
        case let .fdRead(slot, off, len):
            return off.map { "pread fd\(slot) \(len) bytes at \($0)" } ?? "read fd\(slot) \(len) bytes"
        case let .fdTruncate(slot, size): return "ftruncate fd\(slot) to \(size)"
        case let .fdSeek(slot, off, whence): return "lseek fd\(slot) \(off) \(DiffFlags.whence(whence))"
        case let .fdStat(slot): return "fstat fd\(slot)"
        case let .fdChmod(slot, mode): return "fchmod fd\(slot) \(o(mode))"
        case let .fdSync(slot): return "fsync fd\(slot)"
        case let .close(slot): return "close fd\(slot)"
        case .checkTree: return "compare trees"
        case .remount: return "close all descriptors, unmount, mount again"
        }
    }

    /// The operation as a line of the Python reproducer (`DiffReproducer.prelude` defines the helpers).
    var python: String {
        func q(_ s: String) -> String { "'\(s)'" }
        func o(_ mode: UInt32) -> String { "0o" + String(mode, radix: 8) }
        let call: String
        switch self {
        case let .write(p, off, len, _, flags): call = "write(\(q(p)), \(off), \(len), \(DiffFlags.openPython(O_WRONLY | flags)))"
        case let .append(p, len, _, create): call = "append(\(q(p)), \(len), \(create ? "True" : "False"))"
        case let .truncate(p, size): call = "os.truncate(\(q(p)), \(size))"
        case let .create(p, mode, excl, trunc):
            let flags = ["os.O_CREAT|os.O_WRONLY", excl ? "os.O_EXCL" : nil, trunc ? "os.O_TRUNC" : nil].compactMap { $0 }
            call = "create(\(q(p)), \(flags.joined(separator: "|")), \(o(mode)))"
        case let .mkfifo(p, mode): call = "os.mkfifo(\(q(p)), \(o(mode)))"
        case let .unlink(p): call = "os.unlink(\(q(p)))"
        case let .mkdir(p, mode): call = "os.mkdir(\(q(p)), \(o(mode)))"
        case let .rmdir(p): call = "os.rmdir(\(q(p)))"
        case let .rename(f, t, flags):
            call = flags == 0 ? "os.rename(\(q(f)), \(q(t)))" : "renameat2(\(q(f)), \(q(t)), \(flags))"
        case let .link(f, t): call = "os.link(\(q(f)), \(q(t)), follow_symlinks=False)"
        case let .symlink(target, p): call = "os.symlink(\(q(target)), \(q(p)))"
        case let .chmod(p, mode): call = "os.chmod(\(q(p)), \(o(mode)))"
        case let .chown(p, u, g, follow): call = "os.chown(\(q(p)), \(u), \(g), follow_symlinks=\(follow ? "True" : "False"))"
        case let .utimes(p, a, m, follow): call = "utimens(\(q(p)), \(a.python), \(m.python), \(follow ? "True" : "False"))"
        case let .setxattr(p, name, len, _, flags):
            call = "os.setxattr(\(q(p)), \(q(name)), rnd(\(len)), \(flags), follow_symlinks=False)"
        case let .removexattr(p, name): call = "os.removexattr(\(q(p)), \(q(name)), follow_symlinks=False)"
        case let .getxattr(p, name): call = "os.getxattr(\(q(p)), \(q(name)), follow_symlinks=False)"
        case let .listxattr(p): call = "sorted(os.listxattr(\(q(p)), follow_symlinks=False))"
        case let .read(p, off, len): call = "read(\(q(p)), \(off), \(len))"
        case let .stat(p, follow): call = "st(os.stat(\(q(p)), follow_symlinks=\(follow ? "True" : "False")))"
        case let .readlink(p): call = "os.readlink(\(q(p)))"
        case let .listdir(p): call = "sorted(os.listdir(\(q(p.isEmpty ? "." : p))))"
        case let .open(slot, p, flags, mode): call = "hold(\(slot), \(q(p)), \(DiffFlags.openPython(flags)), \(o(mode)))"
        case let .fdWrite(slot, off, len, _):
            call = off.map { "os.pwrite(fds[\(slot)], rnd(\(len)), \($0))" } ?? "os.write(fds[\(slot)], rnd(\(len)))"
        case let .fdRead(slot, off, len):
            call = off.map { "len(os.pread(fds[\(slot)], \(len), \($0)))" } ?? "len(os.read(fds[\(slot)], \(len)))"
        case let .fdTruncate(slot, size): call = "os.ftruncate(fds[\(slot)], \(size))"
        case let .fdSeek(slot, off, whence): call = "os.lseek(fds[\(slot)], \(off), \(whence))"
        case let .fdStat(slot): call = "st(os.fstat(fds[\(slot)]))"
        case let .fdChmod(slot, mode): call = "os.fchmod(fds[\(slot)], \(o(mode)))"
        case let .fdSync(slot): call = "os.fsync(fds[\(slot)])"
        case let .close(slot): call = "os.close(fds.pop(\(slot)))"
        case .checkTree: return "# compare the trees here"
        case .remount: return "remount()"
        }
        return "do(\(q(description.replacingOccurrences(of: "'", with: "")))," + " lambda: \(call))"
    }
}

extension String {
    fileprivate func replacingSpaces() -> String { String(map { $0 == " " ? "-" : $0 }) }

    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// Makes the random sequence. Paths come from a few names at depth up to 3, so operations
/// collide often; about two thirds name something that exists in the reference tree now.
/// The generator looks only at the reference tree, so a seed gives the same sequence on
/// every run (up to the first divergence, where the run stops).
struct DiffGenerator {
    static let names = ["a", "b", "c", "d"]
    static let xattrNames = ["user.a", "user.b", "user.c"]
    static let fileModes: [UInt32] = [0o644, 0o600, 0o755, 0o666, 0o640, 0o444, 0o700]
    static let chmodModes: [UInt32] = [0o644, 0o600, 0o755, 0o700, 0o444, 0o000, 0o4755, 0o2755, 0o1777, 0o2775, 0o640]
    static let dirModes: [UInt32] = [0o755, 0o700, 0o777, 0o2775, 0o1777, 0o750]
    static let owners: [UInt32] = [0, 1000, 65534]
    static let holdFlags: [Int32] = [
        O_RDWR, O_WRONLY, O_RDWR | O_APPEND, O_WRONLY | O_APPEND, O_RDWR | O_CREAT, O_RDWR | O_CREAT | O_TRUNC,
        O_WRONLY | O_CREAT | O_EXCL, O_RDWR | O_TRUNC,
    ]
    static let times: [DiffTimeSpec] = [
        .fixed(1_000_000_000, 0), .fixed(1_100_000_000, 123_456_789), .fixed(999_999_999, 999_999_999),
        .fixed(1_200_000_000, 500), .now, .omit,
    ]

    var rng: DiffRandom
    /// The name each held descriptor was opened by, to aim renames and unlinks at it.
    private var slotPaths: [String?] = Array(repeating: nil, count: DiffOp.slotCount)

    /// Weight overrides by kind (MINIFO_DIFF_WEIGHTS), e.g. ["open": 0].
    let weightOverrides: [String: Int]

    init(seed: UInt64, weights: [String: Int] = [:]) {
        rng = DiffRandom(seed: seed)
        weightOverrides = weights
    }

    /// The operation kinds and their weights.
    static let kinds: [(Int, String)] = [
        (12, "write"), (5, "append"), (5, "truncate"), (7, "create"), (1, "mkfifo"), (7, "unlink"),
        (7, "mkdir"), (5, "rmdir"), (13, "rename"), (4, "link"), (4, "symlink"), (3, "chmod"),
        (2, "chown"), (3, "utimes"), (4, "setxattr"), (2, "removexattr"), (2, "getxattr"),
        (1, "listxattr"), (4, "read"), (3, "stat"), (1, "readlink"), (2, "listdir"), (5, "open"),
        (5, "fdWrite"), (3, "fdRead"), (1, "fdTruncate"), (1, "fdSeek"), (2, "fdStat"), (1, "fdChmod"),
        (1, "fdSync"), (2, "close"),
    ]

    mutating func randomPath() -> String {
        let depth = rng.weighted([(30, 1), (40, 2), (30, 3)])
        return (0..<depth).map { _ in rng.pick(Self.names) }.joined(separator: "/")
    }

    /// A path: an existing one with probability `existing` percent, else a random one;
    /// sometimes the name a held descriptor was opened by.
    mutating func path(_ existingPaths: [String], existing: Int = 65, held: Int = 0) -> String {
        let heldPaths = slotPaths.compactMap { $0 }
        if !heldPaths.isEmpty && rng.chance(held) { return rng.pick(heldPaths) }
        if !existingPaths.isEmpty && rng.chance(existing) { return rng.pick(existingPaths) }
        return randomPath()
    }

    mutating func offset() -> Int {
        rng.weighted([(20, 0), (30, rng.below(4096)), (30, rng.below(70_000)), (20, rng.below(262_144))])
    }

    mutating func length() -> Int {
        rng.weighted([(5, 0), (25, rng.within(1...16)), (40, rng.within(1...4096)), (30, rng.within(0...65_536))])
    }

    mutating func size() -> Int {
        rng.weighted([(20, 0), (40, rng.below(5000)), (40, rng.below(300_000))])
    }

    /// A symlink target: relative, made of the same names, never with `..`, so it never
    /// points out of the tree wherever the link is moved.
    mutating func linkTarget() -> String {
        let depth = rng.weighted([(50, 1), (35, 2), (15, 3)])
        return (0..<depth).map { _ in rng.pick(Self.names) }.joined(separator: "/")
    }

    /// The next operation, given the reference tree's paths now and which slots hold a descriptor.
    mutating func next(existing: [String], held: [Bool]) -> DiffOp {
        let heldSlots = held.indices.filter { held[$0] }
        let freeSlots = held.indices.filter { !held[$0] }
        for slot in freeSlots { slotPaths[slot] = nil }
        while true {
            var choices = Self.kinds.map { (weightOverrides[$0.1] ?? $0.0, $0.1) }
            if choices.allSatisfy({ $0.0 == 0 }) { choices = Self.kinds }
            let kind = rng.weighted(choices)
            if kind.hasPrefix("fd") || kind == "close" {
                guard !heldSlots.isEmpty else { continue }
            }
            let slot = heldSlots.isEmpty ? 0 : rng.pick(heldSlots)
            switch kind {
            case "write":
                let flags = rng.weighted([(50, Int32(0)), (25, O_CREAT), (10, O_CREAT | O_TRUNC), (10, O_TRUNC), (5, O_CREAT | O_EXCL)])
                return .write(path: path(existing, held: 15), offset: offset(), length: length(), data: rng.next(), flags: flags)
            case "append":
                return .append(path: path(existing, held: 15), length: length(), data: rng.next(), create: rng.chance(30))
            case "truncate":
                return .truncate(path: path(existing, held: 15), size: size())
            case "create":
                return .create(path: path(existing, existing: 40), mode: rng.pick(Self.fileModes),
                               exclusive: rng.chance(35), truncate: rng.chance(35))
            case "mkfifo":
                return .mkfifo(path: path(existing, existing: 20), mode: rng.pick(Self.fileModes))
            case "unlink":
                return .unlink(path: path(existing, existing: 75, held: 25))
            case "mkdir":
                var m = rng.pick(Self.dirModes); if XXXEXPLORE, m & 0o2000 != 0 { m &= ~0o2000 } // XXX-EXPLORE
                return .mkdir(path: path(existing, existing: 30), mode: m)
            case "rmdir":
                return .rmdir(path: path(existing, existing: 75))
            case "rename":
                let flags = rng.weighted([(70, UInt32(0)), (15, DiffFlags.renameNoReplace), (15, DiffFlags.renameExchange)])
                return .rename(from: path(existing, existing: 75, held: 20), to: path(existing, existing: 50, held: 10), flags: flags)
            case "link":
                return .link(from: path(existing, existing: 80, held: 15), to: path(existing, existing: 30))
            case "symlink":
                return .symlink(target: linkTarget(), path: path(existing, existing: 25))
            case "chmod":
                var m = rng.pick(Self.chmodModes); if XXXEXPLORE, m & 0o2000 != 0 { m &= ~0o2000 } // XXX-EXPLORE
                return .chmod(path: path(existing, existing: 80), mode: m)
            case "chown":
                return .chown(path: path(existing, existing: 80), uid: rng.pick(Self.owners), gid: rng.pick(Self.owners), follow: rng.chance(50))
            case "utimes":
                return .utimes(path: path(existing, existing: 80), atime: rng.pick(Self.times), mtime: rng.pick(Self.times), follow: rng.chance(50))
            case "setxattr":
                let length = rng.weighted([(10, 0), (50, rng.within(1...32)), (40, rng.within(0...2000))])
                let flags = rng.weighted([(60, Int32(0)), (20, DiffFlags.xattrCreate), (20, DiffFlags.xattrReplace)])
                return .setxattr(path: path(existing, existing: 80), name: rng.pick(Self.xattrNames), length: length, data: rng.next(), flags: flags)
            case "removexattr":
                return .removexattr(path: path(existing, existing: 80), name: rng.pick(Self.xattrNames))
            case "getxattr":
                return .getxattr(path: rng.chance(5) ? "" : path(existing, existing: 80), name: rng.pick(Self.xattrNames))
            case "listxattr":
                return .listxattr(path: rng.chance(5) ? "" : path(existing, existing: 80))
            case "read":
                return .read(path: path(existing, existing: 80, held: 15), offset: rng.chance(50) ? 0 : offset(), length: rng.chance(50) ? 400_000 : length())
            case "stat":
                return .stat(path: rng.chance(5) ? "" : path(existing, existing: 80, held: 15), follow: rng.chance(40))
            case "readlink":
                return .readlink(path: path(existing, existing: 80))
            case "listdir":
                return .listdir(path: rng.chance(20) ? "" : path(existing, existing: 80))
            case "open":
                guard !freeSlots.isEmpty else { continue }
                let free = rng.pick(freeSlots)
                let p = path(existing, existing: 75)
                slotPaths[free] = p
                return .open(slot: free, path: p, flags: rng.pick(Self.holdFlags), mode: rng.pick(Self.fileModes))
            case "fdWrite":
                return .fdWrite(slot: slot, offset: rng.chance(70) ? offset() : nil, length: length(), data: rng.next())
            case "fdRead":
                return .fdRead(slot: slot, offset: rng.chance(70) ? (rng.chance(40) ? 0 : offset()) : nil,
                               length: rng.chance(40) ? 400_000 : length())
            case "fdTruncate":
                return .fdTruncate(slot: slot, size: size())
            case "fdSeek":
                let whence = rng.weighted([(20, SEEK_SET), (20, SEEK_CUR), (30, SEEK_END), (15, DiffFlags.seekData), (15, DiffFlags.seekHole)])
                let off = whence == SEEK_SET || whence >= DiffFlags.seekData ? offset() : rng.within(-100...100)
                return .fdSeek(slot: slot, offset: off, whence: whence)
            case "fdStat":
                return .fdStat(slot: slot)
            case "fdChmod":
                return .fdChmod(slot: slot, mode: rng.pick(Self.chmodModes))
            case "fdSync":
                return .fdSync(slot: slot)
            case "close":
                slotPaths[slot] = nil
                return .close(slot: slot)
            default:
                fatalError("unknown operation kind \(kind)")
            }
        }
    }
}

let XXXEXPLORE = getenv("MINIFO_DIFF_X_NOSGID") != nil // XXX-EXPLORE
