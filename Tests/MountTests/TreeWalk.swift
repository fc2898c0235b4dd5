import Glibc
import Testing

/// Walking the base and the mount side by side, and fingerprinting a tree.
enum TreeWalk {
    /// Visits the root, then every entry of the two trees, comparing each directory's
    /// listing (names and d_type) on the way. Each entry is visited before it is listed, so a
    /// visit sees atimes that no readdir of this walk has touched yet.
    /// `visit(relative, basePath, mountPath, baseStat)` runs for entries present on both sides.
    static func pairs(
        base: RawPath,
        mount: RawPath,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ visit: (RawPath, RawPath, RawPath, stat) throws -> Void
    ) throws {
        let rootStat = try Sys.lstat(base)
        try visit(RawPath(bytes: []), base, mount, rootStat)
        var pending: [RawPath] = [RawPath(bytes: [])]
        while let relative = pending.popLast() {
            let baseDir = relative.bytes.isEmpty ? base : base.appending(relative.bytes)
            let mountDir = relative.bytes.isEmpty ? mount : mount.appending(relative.bytes)
            let baseEntries = try Sys.listDirectory(baseDir)
            let mountEntries: [Sys.DirEntry]
            do {
                mountEntries = try Sys.listDirectory(mountDir)
            } catch {
                Issue.record("listing \(mountDir) failed: \(error)", sourceLocation: sourceLocation)
                continue
            }
            compareListings(relative, baseEntries, mountEntries, sourceLocation: sourceLocation)
            let mountNames = Set(mountEntries.map(\.name))
            for entry in baseEntries where mountNames.contains(entry.name) {
                let child = relative.appending(entry.name)
                let baseStat = try Sys.lstat(base.appending(child.bytes))
                try visit(child, base.appending(child.bytes), mount.appending(child.bytes), baseStat)
                if FileType(mode: baseStat.st_mode) == .directory { pending.append(child) }
            }
        }
    }

    static func compareListings(
        _ relative: RawPath,
        _ base: [Sys.DirEntry],
        _ mount: [Sys.DirEntry],
        sourceLocation: SourceLocation
    ) {
        let where_ = relative.bytes.isEmpty ? "the root" : "\(relative)"
        #expect(mount.count == base.count, "entry count of \(where_)", sourceLocation: sourceLocation)
        let mountNames = Set(mount.map(\.name))
        #expect(mountNames.count == mount.count, "duplicate names in \(where_) through the mount", sourceLocation: sourceLocation)
        let baseTypes = Dictionary(base.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        let mountTypes = Dictionary(mount.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        let missing = base.map(\.name).filter { mountTypes[$0] == nil }
        let extra = mount.map(\.name).filter { baseTypes[$0] == nil }
        if !missing.isEmpty {
            Issue.record("missing from \(where_) through the mount: \(describe(missing))", sourceLocation: sourceLocation)
        }
        if !extra.isEmpty {
            Issue.record("extra in \(where_) through the mount: \(describe(extra))", sourceLocation: sourceLocation)
        }
        let typeMismatches = base.compactMap { entry -> String? in
            guard let type = mountTypes[entry.name], type != entry.type else { return nil }
            return "\(RawPath(bytes: entry.name)): d_type \(entry.type) in base, \(type) through the mount"
        }
        if !typeMismatches.isEmpty {
            Issue.record("d_type differs in \(where_): \(typeMismatches.prefix(10).joined(separator: "; "))", sourceLocation: sourceLocation)
        }
    }

    static func describe(_ names: [[UInt8]]) -> String {
        let shown = names.prefix(10).map { RawPath(bytes: $0).description }.joined(separator: ", ")
        return names.count > 10 ? "\(shown) and \(names.count - 10) more" : shown
    }

    /// One entry of a tree as `fingerprint` records it: everything but atime and ctime.
    struct Entry: Equatable, CustomStringConvertible {
        var mode: UInt32
        var uid: UInt32
        var gid: UInt32
        var size: Int
        var mtime: (Int, Int)
        var nlink: UInt
        var ino: UInt64
        var rdev: UInt64
        var linkTarget: [UInt8]?
        var xattrs: [[UInt8]: [UInt8]]
        var contentHash: UInt64?

        static func == (a: Entry, b: Entry) -> Bool {
            a.mode == b.mode && a.uid == b.uid && a.gid == b.gid && a.size == b.size && a.mtime == b.mtime
                && a.nlink == b.nlink && a.ino == b.ino && a.rdev == b.rdev && a.linkTarget == b.linkTarget
                && a.xattrs == b.xattrs && a.contentHash == b.contentHash
        }

        var description: String {
            "mode \(String(mode, radix: 8)) \(uid):\(gid) size \(size) mtime \(mtime) nlink \(nlink) ino \(ino) hash \(contentHash.map(String.init) ?? "-")"
        }
    }

    /// Every entry of a tree (relative path → `Entry`), reading every regular file.
    static func fingerprint(_ root: RawPath) throws -> [RawPath: Entry] {
        var result: [RawPath: Entry] = [:]
        var pending: [RawPath] = [RawPath(bytes: [])]
        while let relative = pending.popLast() {
            let path = relative.bytes.isEmpty ? root : root.appending(relative.bytes)
            let st = try Sys.lstat(path)
            let type = FileType(mode: st.st_mode)
            var xattrs: [[UInt8]: [UInt8]] = [:]
            if type != .symlink {
                for name in try Xattr.list(path) { xattrs[name] = try Xattr.get(path, name) }
            }
            result[relative] = Entry(
                mode: st.st_mode, uid: st.st_uid, gid: st.st_gid, size: Int(st.st_size),
                mtime: (st.st_mtim.tv_sec, st.st_mtim.tv_nsec), nlink: UInt(st.st_nlink), ino: UInt64(st.st_ino),
                rdev: UInt64(st.st_rdev),
                linkTarget: type == .symlink ? try Sys.readLink(path) : nil,
                xattrs: xattrs,
                contentHash: type == .regular ? fnv1a(try Sys.readFile(path)) : nil
            )
            if type == .directory {
                for entry in try Sys.listDirectory(path) { pending.append(relative.appending(entry.name)) }
            }
        }
        return result
    }

    /// Records one issue per entry that differs between two fingerprints.
    static func expectSame(
        _ before: [RawPath: Entry],
        _ after: [RawPath: Entry],
        _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (path, old) in before.sorted(by: { $0.key < $1.key }) {
            guard let new = after[path] else {
                Issue.record("\(what): \(path) disappeared", sourceLocation: sourceLocation)
                continue
            }
            if new != old { Issue.record("\(what): \(path) changed from \(old) to \(new)", sourceLocation: sourceLocation) }
        }
        for path in after.keys.sorted() where before[path] == nil {
            Issue.record("\(what): \(path) appeared", sourceLocation: sourceLocation)
        }
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        return hash
    }
}
