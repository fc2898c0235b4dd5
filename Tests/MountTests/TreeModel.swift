import Glibc
import Testing

/// What a tree should show, path by path, for tests that change a mount and then check every
/// object in it: type, permission bits, data, symlink target, `user.*` xattrs and, once seen,
/// the inode number (which must survive copy-up, rename and remount).
struct TreeModel: Equatable {
    struct Node: Equatable {
        enum Kind: Equatable { case file, directory, symlink }
        var kind: Kind
        var mode: UInt32
        var content: [UInt8] = []
        var target: [UInt8] = []
        var xattrs: [[UInt8]: [UInt8]] = [:]
        /// nil until the object has been seen through the mount.
        var inode: UInt64?

        /// Equal apart from an inode number one side does not know yet.
        func matches(_ other: Node) -> Bool {
            kind == other.kind && mode == other.mode && content == other.content && target == other.target
                && xattrs == other.xattrs && (inode == nil || other.inode == nil || inode == other.inode)
        }

        var summary: String {
            let what: String
            switch kind {
            case .file: what = "file of \(content.count) bytes, hash \(TreeWalk.fnv1a(content))"
            case .directory: what = "directory"
            case .symlink: what = "symlink to \(RawPath(bytes: target))"
            }
            let names = xattrs.keys.map { RawPath(bytes: $0).description }.sorted()
            return "\(what), mode \(String(mode, radix: 8))\(names.isEmpty ? "" : ", xattrs \(names)"), ino \(inode.map(String.init) ?? "?")"
        }
    }

    /// Relative path (no leading slash; the root is not listed) to node.
    var nodes: [RawPath: Node] = [:]

    /// Reads a whole tree, through a mount or not.
    static func observe(_ root: RawPath) throws -> TreeModel {
        var model = TreeModel()
        var pending: [RawPath] = [RawPath(bytes: [])]
        while let relative = pending.popLast() {
            let directory = relative.bytes.isEmpty ? root : root.appending(relative.bytes)
            for entry in try Sys.listDirectory(directory) {
                let child = relative.appending(entry.name)
                let path = root.appending(child.bytes)
                let st = try Sys.lstat(path)
                var node: Node
                switch FileType(mode: st.st_mode) {
                case .regular: node = Node(kind: .file, mode: st.st_mode & 0o7777, content: try Sys.readFile(path))
                case .directory: node = Node(kind: .directory, mode: st.st_mode & 0o7777)
                case .symlink: node = Node(kind: .symlink, mode: 0o777, target: try Sys.readLink(path))
                default: throw MountTestError("\(path): a type this model does not know (mode \(String(st.st_mode, radix: 8)))")
                }
                if node.kind != .symlink {
                    for name in try Xattr.list(path) where name.starts(with: Array("user.".utf8)) {
                        node.xattrs[name] = try Xattr.get(path, name)
                    }
                }
                node.inode = UInt64(st.st_ino)
                model.nodes[child] = node
                if node.kind == .directory { pending.append(child) }
            }
        }
        return model
    }

    /// Whether `observed` shows exactly this tree (inode numbers compared where known).
    func matches(_ observed: TreeModel) -> Bool {
        nodes.count == observed.nodes.count && nodes.allSatisfy { path, node in
            observed.nodes[path].map(node.matches) ?? false
        }
    }

    /// This model with the inode numbers `observed` shows filled in.
    func learningInodes(from observed: TreeModel) -> TreeModel {
        var model = self
        for (path, node) in observed.nodes where model.nodes[path] != nil {
            model.nodes[path]!.inode = node.inode
        }
        return model
    }

    /// The differences, one line each, at most `limit`.
    func differences(from observed: TreeModel, limit: Int = 12) -> [String] {
        var lines: [String] = []
        for path in Set(nodes.keys).union(observed.nodes.keys).sorted() {
            switch (nodes[path], observed.nodes[path]) {
            case (let want?, nil): lines.append("\(path) missing (want \(want.summary))")
            case (nil, let got?): lines.append("\(path) unexpected (\(got.summary))")
            case (let want?, let got?) where !want.matches(got): lines.append("\(path): want \(want.summary), got \(got.summary)")
            default: break
            }
        }
        return lines.count > limit ? Array(lines.prefix(limit)) + ["and \(lines.count - limit) more"] : lines
    }

    // MARK: Changes, as the system calls that make them would

    func children(of directory: RawPath) -> [RawPath] {
        nodes.keys.filter { $0.parent == directory }
    }

    /// Every path at or below `path`.
    func subtree(_ path: RawPath) -> [RawPath] {
        nodes.keys.filter { $0 == path || $0.isBelow(path) }
    }

    mutating func remove(_ path: RawPath) {
        for key in subtree(path) { nodes[key] = nil }
    }

    /// rename(2): the subtree at `from` replaces whatever was at `to`.
    mutating func move(_ from: RawPath, to: RawPath) {
        if from == to { return }
        let moving = subtree(from).map { ($0, nodes[$0]!) }
        remove(to)
        remove(from)
        for (path, node) in moving {
            nodes[RawPath(bytes: to.bytes + path.bytes.dropFirst(from.bytes.count))] = node
        }
    }
}

extension RawPath {
    /// The containing directory of a relative path; empty for a top-level name.
    var parent: RawPath {
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return RawPath(bytes: []) }
        return RawPath(bytes: Array(bytes[..<slash]))
    }

    var lastComponent: [UInt8] {
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return bytes }
        return Array(bytes[(slash + 1)...])
    }

    /// Whether this relative path lies strictly below `ancestor` (the empty path is the root).
    func isBelow(_ ancestor: RawPath) -> Bool {
        if ancestor.bytes.isEmpty { return !bytes.isEmpty }
        return bytes.count > ancestor.bytes.count && bytes.starts(with: ancestor.bytes)
            && bytes[ancestor.bytes.count] == UInt8(ascii: "/")
    }
}
