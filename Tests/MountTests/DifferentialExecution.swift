import Glibc

// Running one DiffOp on one tree and recording everything that can be compared.

/// The l*xattr calls with flags and errno, and renameat2, looked up with dlsym (Glibc's
/// Swift module imports neither <sys/xattr.h> nor renameat2).
enum DiffCalls {
    private typealias GetFn = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int
    private typealias SetFn = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32
    private typealias ListFn = @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<CChar>?, Int) -> Int
    private typealias RemoveFn = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>) -> Int32
    private typealias Rename2Fn = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    private static func symbol<T>(_ name: String, as: T.Type) -> T {
        guard let sym = dlsym(nil, name) else { fatalError("dlsym(\(name)) failed") }
        return unsafeBitCast(sym, to: T.self)
    }

    private static let lgetxattrFn = symbol("lgetxattr", as: GetFn.self)
    private static let lsetxattrFn = symbol("lsetxattr", as: SetFn.self)
    private static let llistxattrFn = symbol("llistxattr", as: ListFn.self)
    private static let lremovexattrFn = symbol("lremovexattr", as: RemoveFn.self)
    private static let renameat2Fn = symbol("renameat2", as: Rename2Fn.self)

    /// The value, or -errno.
    static func getxattr(_ path: String, _ name: String) -> Result<[UInt8], DiffErrno> {
        var buffer = [UInt8](repeating: 0, count: 70_000)
        let n = buffer.withUnsafeMutableBytes { b in lgetxattrFn(path, name, b.baseAddress, b.count) }
        if n < 0 { return .failure(DiffErrno(errno)) }
        return .success(Array(buffer[0..<n]))
    }

    /// Names, sorted, or errno.
    static func listxattr(_ path: String) -> Result<[[UInt8]], DiffErrno> {
        var buffer = [UInt8](repeating: 0, count: 70_000)
        let n = buffer.withUnsafeMutableBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { llistxattrFn(path, $0.baseAddress, $0.count) }
        }
        if n < 0 { return .failure(DiffErrno(errno)) }
        return .success(buffer[0..<n].split(separator: 0).map(Array.init).sorted { $0.lexicographicallyPrecedes($1) })
    }

    static func setxattr(_ path: String, _ name: String, _ value: [UInt8], _ flags: Int32) -> Int {
        let rc = value.withUnsafeBytes { lsetxattrFn(path, name, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), value.count, flags) }
        return rc == 0 ? 0 : -Int(errno)
    }

    static func removexattr(_ path: String, _ name: String) -> Int {
        lremovexattrFn(path, name) == 0 ? 0 : -Int(errno)
    }

    static func renameat2(_ from: String, _ to: String, _ flags: UInt32) -> Int {
        renameat2Fn(AT_FDCWD, from, AT_FDCWD, to, flags) == 0 ? 0 : -Int(errno)
    }
}

struct DiffErrno: Error, Equatable {
    var code: Int32
    init(_ code: Int32) { self.code = code }
}

/// An errno as its name, e.g. `ENOENT`.
func diffErrnoName(_ code: Int32) -> String {
    let known: [(Int32, String)] = [
        (EPERM, "EPERM"), (ENOENT, "ENOENT"), (EIO, "EIO"), (EBADF, "EBADF"), (EAGAIN, "EAGAIN"), (ENOMEM, "ENOMEM"),
        (EACCES, "EACCES"), (EBUSY, "EBUSY"), (EEXIST, "EEXIST"), (EXDEV, "EXDEV"), (ENODEV, "ENODEV"), (ENOTDIR, "ENOTDIR"),
        (EISDIR, "EISDIR"), (EINVAL, "EINVAL"), (ENFILE, "ENFILE"), (EMFILE, "EMFILE"), (ETXTBSY, "ETXTBSY"), (EFBIG, "EFBIG"),
        (ENOSPC, "ENOSPC"), (ESPIPE, "ESPIPE"), (EROFS, "EROFS"), (EMLINK, "EMLINK"), (ERANGE, "ERANGE"),
        (ENAMETOOLONG, "ENAMETOOLONG"), (ENOSYS, "ENOSYS"), (ENOTEMPTY, "ENOTEMPTY"), (ELOOP, "ELOOP"), (ENODATA, "ENODATA"),
        (EOPNOTSUPP, "EOPNOTSUPP"), (ENXIO, "ENXIO"), (ESTALE, "ESTALE"), (EOVERFLOW, "EOVERFLOW"), (E2BIG, "E2BIG"),
        (EINTR, "EINTR"),
    ]
    return known.first { $0.0 == code }?.1 ?? "errno \(code)"
}

/// When a time was set: an exact old time (every base time and every time utimensat sets is
/// before 2017), or "recently" by the test itself. Two trees modified a few microseconds
/// apart agree on the class, and on the exact value for old times.
enum DiffMTime: Equatable, CustomStringConvertible {
    case old(Int, Int)
    case recent

    static let recentSince = 1_500_000_000

    init(_ t: timespec) {
        self = t.tv_sec >= DiffMTime.recentSince ? .recent : .old(t.tv_sec, t.tv_nsec)
    }

    var description: String {
        switch self {
        case let .old(s, ns): "\(s).\(String(ns).leftPadded(to: 9))"
        case .recent: "recent"
        }
    }
}

/// What the test compares of a stat: type and mode, size (not for directories: their size
/// is the storage filesystem's business), link count, owner, mtime class.
struct DiffStat: Equatable, CustomStringConvertible {
    var mode: UInt32
    var size: Int?
    var nlink: Int
    var uid: UInt32
    var gid: UInt32
    var mtime: DiffMTime

    init(_ st: stat) {
        mode = st.st_mode
        let isDirectory = FileType(mode: st.st_mode) == .directory
        size = isDirectory ? nil : Int(st.st_size)
        nlink = Int(st.st_nlink)
        uid = st.st_uid
        gid = st.st_gid
        mtime = DiffMTime(st.st_mtim)
    }

    var type: FileType? { FileType(mode: mode) }

    var description: String {
        let t = type.map(String.init(describing:)) ?? "?"
        return "\(t) mode \(String(mode & 0o7777, radix: 8)) size \(size.map(String.init) ?? "-") nlink \(nlink) owner \(uid):\(gid) mtime \(mtime)"
    }

    /// The fields that differ, named ("dir nlink" and "dir mtime" for directories), less
    /// those in `ignoring`.
    func differences(_ other: DiffStat, ignoring: Set<String> = []) -> [String] {
        var out: [String] = []
        let dir = type == .directory && other.type == .directory ? "dir " : ""
        if type != other.type { out.append("type") } else if mode != other.mode { out.append("mode") }
        if size != other.size { out.append("size") }
        if nlink != other.nlink { out.append(dir + "nlink") }
        if uid != other.uid || gid != other.gid { out.append("owner") }
        if mtime != other.mtime { out.append(dir + "mtime") }
        return out.filter { !ignoring.contains($0) }
    }
}

/// lstat/stat/fstat of something an operation touched.
enum DiffProbe: Equatable, CustomStringConvertible {
    case failed(Int32)
    case found(DiffStat)

    var description: String {
        switch self {
        case let .failed(e): diffErrnoName(e)
        case let .found(st): st.description
        }
    }
}

/// What one operation gave on one tree.
struct DiffOutcome {
    /// The return value, or -errno.
    var rc: Int
    /// Bytes read, a listing, a link target, an xattr value.
    var data: [UInt8]?
    /// Labelled stats of what the operation touched, taken right after it.
    var probes: [(String, DiffProbe)] = []

    var resultDescription: String {
        rc < 0 ? diffErrnoName(Int32(-rc)) : "\(rc)"
    }
}

/// One of the two trees: its root, and the descriptors the sequence holds open in it.
final class DiffSide {
    let root: String
    let name: String
    var fds: [Int32?] = Array(repeating: nil, count: DiffOp.slotCount)

    init(root: String, name: String) {
        self.root = root
        self.name = name
    }

    func path(_ relative: String) -> String { relative.isEmpty ? root : root + "/" + relative }

    func closeAll() {
        for slot in fds.indices {
            if let fd = fds[slot] { Glibc.close(fd) }
            fds[slot] = nil
        }
    }

    var held: [Bool] { fds.map { $0 != nil } }

    func probe(_ relative: String, follow: Bool = false) -> DiffProbe {
        var st = Glibc.stat()
        let rc = fstatat(AT_FDCWD, path(relative), &st, follow ? 0 : AT_SYMLINK_NOFOLLOW)
        return rc == 0 ? .found(DiffStat(st)) : .failed(errno)
    }

    func probe(slot: Int) -> DiffProbe {
        guard let fd = fds[slot] else { return .failed(EBADF) }
        var st = Glibc.stat()
        return fstat(fd, &st) == 0 ? .found(DiffStat(st)) : .failed(errno)
    }

    /// Every path in the tree (not the root), sorted; for the generator.
    func existingPaths() -> [String] {
        var out: [String] = []
        var pending: [String] = [""]
        while let dir = pending.popLast() {
            guard let entries = try? Sys.listDirectory(RawPath(path(dir))) else { continue }
            for entry in entries {
                let name = String(decoding: entry.name, as: UTF8.self)
                let child = dir.isEmpty ? name : dir + "/" + name
                out.append(child)
                if entry.type == 4 /* DT_DIR */ && child.split(separator: "/").count < 6 { pending.append(child) }
            }
        }
        return out.sorted()
    }

    /// Runs `op` (not `.checkTree` or `.remount`, which the runner handles).
    func execute(_ op: DiffOp) -> DiffOutcome {
        func rc(_ result: Int32) -> Int { result == 0 ? 0 : -Int(errno) }
        func rc(_ result: Int) -> Int { result < 0 ? -Int(errno) : result }
        func parent(_ p: String) -> String {
            guard let slash = p.lastIndex(of: "/") else { return "" }
            return String(p[..<slash])
        }
        func probes(_ paths: String..., follow: Bool = false) -> [(String, DiffProbe)] {
            var out: [(String, DiffProbe)] = []
            for p in paths {
                out.append(("lstat '\(p)'", probe(p)))
                if follow { out.append(("stat '\(p)'", probe(p, follow: true))) }
                let up = parent(p)
                out.append(("lstat '\(up.isEmpty ? "." : up)'", probe(up)))
            }
            return out
        }
        func slotProbe(_ slot: Int) -> [(String, DiffProbe)] { [("fstat fd\(slot)", probe(slot: slot))] }

        switch op {
        case let .write(p, offset, length, data, flags):
            let fd = Glibc.open(path(p), O_WRONLY | O_NONBLOCK | flags, 0o644)
            if fd < 0 { return DiffOutcome(rc: -Int(errno), probes: probes(p)) }
            let bytes = DiffData.bytes(data, length)
            let n = rc(bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, length, off_t(offset)) })
            Glibc.close(fd)
            return DiffOutcome(rc: n, probes: probes(p, follow: true))
        case let .append(p, length, data, create):
            let fd = Glibc.open(path(p), O_WRONLY | O_APPEND | O_NONBLOCK | (create ? O_CREAT : 0), 0o644)
            if fd < 0 { return DiffOutcome(rc: -Int(errno), probes: probes(p)) }
            let bytes = DiffData.bytes(data, length)
            let n = rc(bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, length) })
            Glibc.close(fd)
            return DiffOutcome(rc: n, probes: probes(p, follow: true))
        case let .truncate(p, size):
            return DiffOutcome(rc: rc(Glibc.truncate(path(p), off_t(size))), probes: probes(p, follow: true))
        case let .create(p, mode, exclusive, truncate):
            let flags = O_CREAT | O_WRONLY | O_NONBLOCK | (exclusive ? O_EXCL : 0) | (truncate ? O_TRUNC : 0)
            let fd = Glibc.open(path(p), flags, mode_t(mode))
            if fd < 0 { return DiffOutcome(rc: -Int(errno), probes: probes(p)) }
            var st = Glibc.stat()
            let fst: DiffProbe = fstat(fd, &st) == 0 ? .found(DiffStat(st)) : .failed(errno)
            Glibc.close(fd)
            return DiffOutcome(rc: 0, probes: [("fstat of the new descriptor", fst)] + probes(p, follow: true))
        case let .mkfifo(p, mode):
            return DiffOutcome(rc: rc(Glibc.mkfifo(path(p), mode_t(mode))), probes: probes(p))
        case let .unlink(p):
            return DiffOutcome(rc: rc(Glibc.unlink(path(p))), probes: probes(p))
        case let .mkdir(p, mode):
            return DiffOutcome(rc: rc(Glibc.mkdir(path(p), mode_t(mode))), probes: probes(p))
        case let .rmdir(p):
            return DiffOutcome(rc: rc(Glibc.rmdir(path(p))), probes: probes(p))
        case let .rename(from, to, flags):
            let result = flags == 0 ? rc(Glibc.rename(path(from), path(to))) : DiffCalls.renameat2(path(from), path(to), flags)
            return DiffOutcome(rc: result, probes: probes(from, to))
        case let .link(from, to):
            return DiffOutcome(rc: rc(Glibc.link(path(from), path(to))), probes: probes(from, to))
        case let .symlink(target, p):
            return DiffOutcome(rc: rc(Glibc.symlink(target, path(p))), probes: probes(p))
        case let .chmod(p, mode):
            return DiffOutcome(rc: rc(Glibc.chmod(path(p), mode_t(mode))), probes: probes(p, follow: true))
        case let .chown(p, uid, gid, follow):
            let result = follow ? Glibc.chown(path(p), uid, gid) : Glibc.lchown(path(p), uid, gid)
            return DiffOutcome(rc: rc(result), probes: probes(p, follow: follow))
        case let .utimes(p, atime, mtime, follow):
            var times = [atime.timespec, mtime.timespec]
            let result = utimensat(AT_FDCWD, path(p), &times, follow ? 0 : AT_SYMLINK_NOFOLLOW)
            return DiffOutcome(rc: rc(result), probes: probes(p, follow: follow))
        case let .setxattr(p, name, length, data, flags):
            let result = DiffCalls.setxattr(path(p), name, DiffData.bytes(data, length), flags)
            return DiffOutcome(rc: result, probes: probes(p))
        case let .removexattr(p, name):
            return DiffOutcome(rc: DiffCalls.removexattr(path(p), name), probes: probes(p))
        case let .getxattr(p, name):
            switch DiffCalls.getxattr(path(p), name) {
            case let .success(value): return DiffOutcome(rc: value.count, data: value)
            case let .failure(e): return DiffOutcome(rc: -Int(e.code))
            }
        case let .listxattr(p):
            switch DiffCalls.listxattr(path(p)) {
            case let .success(names): return DiffOutcome(rc: names.count, data: Array(names.joined(separator: [0])))
            case let .failure(e): return DiffOutcome(rc: -Int(e.code))
            }
        case let .read(p, offset, length):
            let fd = Glibc.open(path(p), O_RDONLY | O_NONBLOCK)
            if fd < 0 { return DiffOutcome(rc: -Int(errno)) }
            defer { Glibc.close(fd) }
            return readAll(fd, offset: offset, length: length)
        case let .stat(p, follow):
            let st = probe(p, follow: follow)
            if case let .failed(e) = st { return DiffOutcome(rc: -Int(e)) }
            return DiffOutcome(rc: 0, probes: [("\(follow ? "stat" : "lstat") '\(p)'", st)])
        case let .readlink(p):
            do {
                let target = try Sys.readLink(RawPath(path(p)))
                return DiffOutcome(rc: target.count, data: target)
            } catch let error as SysError {
                return DiffOutcome(rc: -Int(error.errno))
            } catch {
                return DiffOutcome(rc: -Int(EIO))
            }
        case let .listdir(p):
            do {
                let entries = try Sys.listDirectory(RawPath(path(p)))
                let listing = entries.map { $0.name + [UInt8(ascii: "/"), $0.type] }.sorted { $0.lexicographicallyPrecedes($1) }
                return DiffOutcome(rc: entries.count, data: Array(listing.joined(separator: [0])))
            } catch let error as SysError {
                return DiffOutcome(rc: -Int(error.errno))
            } catch {
                return DiffOutcome(rc: -Int(EIO))
            }
        case let .open(slot, p, flags, mode):
            if let old = fds[slot] { Glibc.close(old) }
            fds[slot] = nil
            let fd = Glibc.open(path(p), flags | O_NONBLOCK, mode_t(mode))
            if fd < 0 { return DiffOutcome(rc: -Int(errno), probes: probes(p)) }
            fds[slot] = fd
            return DiffOutcome(rc: 0, probes: slotProbe(slot) + probes(p, follow: true))
        case let .fdWrite(slot, offset, length, data):
            guard let fd = fds[slot] else { return DiffOutcome(rc: -Int(EBADF)) }
            let bytes = DiffData.bytes(data, length)
            let n = rc(bytes.withUnsafeBytes { raw in
                if let offset { return pwrite(fd, raw.baseAddress, length, off_t(offset)) }
                return Glibc.write(fd, raw.baseAddress, length)
            })
            return DiffOutcome(rc: n, probes: slotProbe(slot))
        case let .fdRead(slot, offset, length):
            guard let fd = fds[slot] else { return DiffOutcome(rc: -Int(EBADF)) }
            if let offset { return readAll(fd, offset: offset, length: length) }
            var buffer = [UInt8](repeating: 0, count: length)
            let n = rc(buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, length) })
            return DiffOutcome(rc: n, data: n >= 0 ? Array(buffer[0..<n]) : nil)
        case let .fdTruncate(slot, size):
            guard let fd = fds[slot] else { return DiffOutcome(rc: -Int(EBADF)) }
            return DiffOutcome(rc: rc(ftruncate(fd, off_t(size))), probes: slotProbe(slot))
        case let .fdSeek(slot, offset, whence):
            guard let fd = fds[slot] else { return DiffOutcome(rc: -Int(EBADF)) }
            let result = lseek(fd, off_t(offset), whence)
            return DiffOutcome(rc: result < 0 ? -Int(errno) : Int(result))
        case let .fdStat(slot):
            guard fds[slot] != nil else { return DiffOutcome(rc: -Int(EBADF)) }
            let st = probe(slot: slot)
            if case let .failed(e) = st { return DiffOutcome(rc: -Int(e)) }
            return DiffOutcome(rc: 0, probes: [("fstat fd\(slot)", st)])
        case let .fdChmod(slot, mode):
            guard let fd = fds[slot] else { return DiffOutcome(rc: -Int(EBADF)) }
            return DiffOutcome(rc: rc(fchmod(fd, mode_t(mode))), probes: slotProbe(slot))
        case let .fdSync(slot):
            guard let fd = fds[slot] else { return DiffOutcome(rc: -Int(EBADF)) }
            return DiffOutcome(rc: rc(fsync(fd)), probes: slotProbe(slot))
        case let .close(slot):
            guard let fd = fds[slot] else { return DiffOutcome(rc: -Int(EBADF)) }
            fds[slot] = nil
            return DiffOutcome(rc: rc(Glibc.close(fd)))
        case .checkTree, .remount:
            fatalError("\(op) is run by the runner")
        }
    }

    /// preads up to `length` bytes from `offset` until end of file or `length`.
    private func readAll(_ fd: Int32, offset: Int, length: Int) -> DiffOutcome {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 17)
        while out.count < length {
            let want = min(buffer.count, length - out.count)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(offset + out.count)) }
            if n < 0 {
                if errno == EINTR { continue }
                return DiffOutcome(rc: -Int(errno), data: out)
            }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return DiffOutcome(rc: out.count, data: out)
    }
}

/// One entry of a tree as the whole-tree comparison sees it.
struct DiffEntry {
    var stat: DiffStat
    /// The d_type its directory's listing gave (nil for the root).
    var direntType: UInt8?
    var linkTarget: [UInt8]?
    var xattrs: Result<[[UInt8]: [UInt8]], DiffErrno>
    var content: [UInt8]?
    /// The other names of the same inode, sorted (hard links).
    var sameInode: [String] = []
    /// The inode number: compared only against the same tree after a remount.
    var inode: UInt64
}

enum DiffTree {
    /// Every entry of the tree under `root`, by relative path ("" is the root).
    static func snapshot(_ root: String) throws -> [String: DiffEntry] {
        var result: [String: DiffEntry] = [:]
        var byInode: [UInt64: [String]] = [:]
        var pending: [(String, UInt8?)] = [("", nil)]
        while let (relative, direntType) = pending.popLast() {
            let full = relative.isEmpty ? root : root + "/" + relative
            let raw = RawPath(full)
            let st = try Sys.lstat(raw)
            let type = FileType(mode: st.st_mode)
            var xattrs: Result<[[UInt8]: [UInt8]], DiffErrno>
            switch DiffCalls.listxattr(full) {
            case let .failure(e): xattrs = .failure(e)
            case let .success(names):
                var values: [[UInt8]: [UInt8]] = [:]
                for name in names {
                    switch DiffCalls.getxattr(full, String(decoding: name, as: UTF8.self)) {
                    case let .success(v): values[name] = v
                    case let .failure(e): values[name] = Array("<getxattr failed: \(diffErrnoName(e.code))>".utf8)
                    }
                }
                xattrs = .success(values)
            }
            result[relative] = DiffEntry(
                stat: DiffStat(st),
                direntType: direntType,
                linkTarget: type == .symlink ? try Sys.readLink(raw) : nil,
                xattrs: xattrs,
                content: type == .regular ? try Sys.readFile(raw) : nil,
                inode: UInt64(st.st_ino)
            )
            if type != .directory { byInode[UInt64(st.st_ino), default: []].append(relative) }
            if type == .directory {
                for entry in try Sys.listDirectory(raw) {
                    let name = String(decoding: entry.name, as: UTF8.self)
                    pending.append((relative.isEmpty ? name : relative + "/" + name, entry.type))
                }
            }
        }
        for (_, names) in byInode where names.count > 1 {
            for name in names { result[name]?.sameInode = names.filter { $0 != name }.sorted() }
        }
        return result
    }

    /// The differences between the two trees, each as (field, message), in path order.
    static func compare(mount: [String: DiffEntry], reference: [String: DiffEntry], ignoring: Set<String> = []) -> [(String, String)] {
        compareAll(mount: mount, reference: reference, ignoring: ignoring).filter { !ignoring.contains($0.0) }
    }

    private static func compareAll(mount: [String: DiffEntry], reference: [String: DiffEntry], ignoring: Set<String>) -> [(String, String)] {
        var out: [(String, String)] = []
        func show(_ p: String) -> String { p.isEmpty ? "the root" : "'\(p)'" }
        for p in Set(mount.keys).union(reference.keys).sorted() {
            guard let m = mount[p] else {
                out.append(("missing", "\(show(p)) (\(reference[p]!.stat)) is missing through the mount"))
                continue
            }
            guard let r = reference[p] else {
                out.append(("extra", "\(show(p)) (\(m.stat)) exists through the mount only"))
                continue
            }
            for field in m.stat.differences(r.stat, ignoring: ignoring) {
                out.append((field, "\(show(p)): \(field) differs: mount \(m.stat), reference \(r.stat)"))
            }
            if m.direntType != r.direntType {
                out.append(("d_type", "\(show(p)): d_type in its directory's listing: mount \(m.direntType.map(String.init) ?? "-"), reference \(r.direntType.map(String.init) ?? "-")"))
            }
            if m.linkTarget != r.linkTarget {
                out.append(("symlink target", "\(show(p)): symlink target: mount \(describe(m.linkTarget)), reference \(describe(r.linkTarget))"))
            }
            if m.content != r.content {
                out.append(("content", "\(show(p)): content differs: \(describeDifference(m.content ?? [], r.content ?? []))"))
            }
            if m.sameInode != r.sameInode {
                out.append(("hard links", "\(show(p)): other names of the same inode: mount \(m.sameInode), reference \(r.sameInode)"))
            }
            switch (m.xattrs, r.xattrs) {
            case let (.success(mx), .success(rx)) where mx != rx:
                out.append(("xattrs", "\(show(p)): xattrs: mount \(describe(mx)), reference \(describe(rx))"))
            case let (.failure(me), .failure(re)) where me != re:
                out.append(("xattrs", "\(show(p)): listxattr: mount \(diffErrnoName(me.code)), reference \(diffErrnoName(re.code))"))
            case let (.failure(me), .success(rx)):
                out.append(("xattrs", "\(show(p)): listxattr: mount \(diffErrnoName(me.code)), reference \(describe(rx))"))
            case let (.success(mx), .failure(re)):
                out.append(("xattrs", "\(show(p)): listxattr: mount \(describe(mx)), reference \(diffErrnoName(re.code))"))
            default:
                break
            }
        }
        return out
    }

    static func describe(_ bytes: [UInt8]?) -> String {
        guard let bytes else { return "none" }
        if bytes.count > 48 { return "\(bytes.count) bytes, fnv1a \(String(TreeWalk.fnv1a(bytes), radix: 16))" }
        return "'\(RawPath(bytes: bytes))'"
    }

    static func describe(_ xattrs: [[UInt8]: [UInt8]]) -> String {
        let parts = xattrs.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { "\(RawPath(bytes: $0))=\(describe(xattrs[$0]))" }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    /// Sizes and the first differing offset of two byte strings.
    static func describeDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        var text = "mount \(a.count) bytes, reference \(b.count) bytes, first difference at offset \(first)"
        if first < a.count && first < b.count {
            let end = min(first + 8, a.count, b.count)
            text += " (mount \(a[first..<end].map { String($0, radix: 16) }), reference \(b[first..<end].map { String($0, radix: 16) }))"
            let zerosInMount = a[first..<min(a.count, first + 4096)].allSatisfy { $0 == 0 }
            if zerosInMount { text += "; the mount reads zeros there" }
        }
        return text
    }
}
