import TestSupport
import Glibc

/// A random mix of changing operations on a mount, each a short list of system calls with the
/// change each call makes to a `TreeModel` when it returns success: new files written, base
/// files overwritten (copy-up) and truncated, chmod, xattrs, renames of files and directories,
/// deletions of files and whole trees, mkdir and symlinks.
struct Workload {
    /// One system call: 0 or the errno it failed with, and its effect on the model.
    struct Step {
        var description: String
        var call: () -> Int32
        var apply: (inout TreeModel) -> Void
    }

    struct Operation {
        var description: String
        var steps: [Step]
        /// Closes whatever descriptor the steps left open (after a failure part way).
        var cleanup: () -> Void = {}
    }

    let mount: RawPath
    var random: SeededRandom
    private var counter = 0

    init(mount: RawPath, seed: UInt64) {
        self.mount = mount
        random = SeededRandom(seed: seed)
    }

    /// A new operation that is valid on `model`.
    mutating func next(_ model: TreeModel) -> Operation {
        let files = model.nodes.filter { $0.value.kind == .file }.map(\.key).sorted()
        let directories = [RawPath(bytes: [])] + model.nodes.filter { $0.value.kind == .directory }.map(\.key).sorted()
        let movable = directories.dropFirst()
        while true {
            switch Int.random(in: 0..<20, using: &random) {
            case 0..<3: return create(in: pick(directories))
            case 3..<7 where !files.isEmpty: return overwrite(pick(files), model)
            case 7 where !files.isEmpty: return truncate(pick(files), model)
            case 8 where !files.isEmpty: return chmod(pick(files + movable), model)
            case 9 where !files.isEmpty: return setXattr(pick(files + movable))
            case 10..<12 where !files.isEmpty: return renameFile(pick(files), model, directories)
            case 12..<14 where !movable.isEmpty: return renameDirectory(pick(Array(movable)), directories)
            case 14..<16 where !files.isEmpty: return unlink(pick(files))
            case 16 where !movable.isEmpty: return removeTree(pick(Array(movable)), model)
            case 17: return mkdir(in: pick(directories))
            case 18: return symlink(in: pick(directories))
            default: continue
            }
        }
    }

    private mutating func pick<C: Collection>(_ items: C) -> C.Element {
        items[items.index(items.startIndex, offsetBy: Int.random(in: 0..<items.count, using: &random))]
    }

    private mutating func newName(in directory: RawPath) -> RawPath {
        counter += 1
        return directory.appending("n\(counter)-\(random.next() % 1000)")
    }

    private mutating func randomBytes(_ range: ClosedRange<Int>) -> [UInt8] {
        (0..<Int.random(in: range, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    private func absolute(_ path: RawPath) -> RawPath { mount.appending(path.bytes) }

    private static func result(_ rc: Int32) -> Int32 { rc == 0 ? 0 : errno }
    private static func result(_ rc: Int) -> Int32 { rc >= 0 ? 0 : errno }

    // MARK: Operations

    private mutating func create(in directory: RawPath) -> Operation {
        let path = newName(in: directory)
        let data = randomBytes(0...20_000)
        let file = OpenFile()
        let target = absolute(path)
        return Operation(description: "create \(path) with \(data.count) bytes", steps: [
            Step(description: "open O_CREAT|O_EXCL", call: { file.open(target, O_WRONLY | O_CREAT | O_EXCL, 0o640) },
                 apply: { $0.nodes[path] = TreeModel.Node(kind: .file, mode: 0o640) }),
            Step(description: "write", call: { file.write(data, at: 0) }, apply: { $0.nodes[path]!.content = data }),
            Step(description: "close", call: { file.close() }, apply: { _ in }),
        ], cleanup: { _ = file.close() })
    }

    private mutating func overwrite(_ path: RawPath, _ model: TreeModel) -> Operation {
        let size = model.nodes[path]!.content.count
        let offset = Int.random(in: 0...size + 100, using: &random)
        let data = randomBytes(1...8192)
        let file = OpenFile()
        let target = absolute(path)
        return Operation(description: "overwrite \(data.count) bytes of \(path) at \(offset)", steps: [
            Step(description: "open O_WRONLY", call: { file.open(target, O_WRONLY, 0) }, apply: { _ in }),
            Step(description: "pwrite", call: { file.write(data, at: offset) }, apply: { model in
                var content = model.nodes[path]!.content
                if content.count < offset + data.count { content += [UInt8](repeating: 0, count: offset + data.count - content.count) }
                content.replaceSubrange(offset..<offset + data.count, with: data)
                model.nodes[path]!.content = content
            }),
            Step(description: "close", call: { file.close() }, apply: { _ in }),
        ], cleanup: { _ = file.close() })
    }

    private mutating func truncate(_ path: RawPath, _ model: TreeModel) -> Operation {
        let size = Int.random(in: 0...model.nodes[path]!.content.count + 1000, using: &random)
        let target = absolute(path)
        return Operation(description: "truncate \(path) to \(size)", steps: [
            Step(description: "truncate", call: { Self.result(target.withCString { Glibc.truncate($0, off_t(size)) }) }, apply: { model in
                var content = model.nodes[path]!.content
                if content.count > size { content.removeSubrange(size...) } else { content += [UInt8](repeating: 0, count: size - content.count) }
                model.nodes[path]!.content = content
            }),
        ])
    }

    private mutating func chmod(_ path: RawPath, _ model: TreeModel) -> Operation {
        let modes: [UInt32] = model.nodes[path]!.kind == .directory ? [0o755, 0o750, 0o700, 0o711] : [0o600, 0o644, 0o640, 0o755]
        let mode = pick(modes)
        let target = absolute(path)
        return Operation(description: "chmod \(String(mode, radix: 8)) \(path)", steps: [
            Step(description: "chmod", call: { Self.result(target.withCString { Glibc.chmod($0, mode_t(mode)) }) },
                 apply: { $0.nodes[path]!.mode = mode }),
        ])
    }

    private mutating func setXattr(_ path: RawPath) -> Operation {
        let name = "user.k\(Int.random(in: 0...2, using: &random))"
        let value = randomBytes(0...64)
        let target = absolute(path)
        return Operation(description: "setxattr \(name) on \(path)", steps: [
            Step(description: "setxattr", call: { Xattr.setErrno(target, name, value) },
                 apply: { $0.nodes[path]!.xattrs[Array(name.utf8)] = value }),
        ])
    }

    private mutating func renameFile(_ path: RawPath, _ model: TreeModel, _ directories: [RawPath]) -> Operation {
        let files = model.nodes.filter { $0.value.kind == .file && $0.key != path }.map(\.key).sorted()
        let destination = !files.isEmpty && Int.random(in: 0..<3, using: &random) == 0 ? pick(files) : newName(in: pick(directories))
        return rename(path, to: destination)
    }

    private mutating func renameDirectory(_ path: RawPath, _ directories: [RawPath]) -> Operation {
        let outside = directories.filter { $0 != path && !$0.isBelow(path) }
        return rename(path, to: newName(in: pick(outside)))
    }

    private func rename(_ from: RawPath, to: RawPath) -> Operation {
        let (source, target) = (absolute(from), absolute(to))
        return Operation(description: "rename \(from) to \(to)", steps: [
            Step(description: "rename", call: { Self.result(source.withCString { s in target.withCString { Glibc.rename(s, $0) } }) },
                 apply: { $0.move(from, to: to) }),
        ])
    }

    private func unlink(_ path: RawPath) -> Operation {
        let target = absolute(path)
        return Operation(description: "unlink \(path)", steps: [
            Step(description: "unlink", call: { Self.result(target.withCString { Glibc.unlink($0) }) }, apply: { $0.remove(path) }),
        ])
    }

    /// `rm -r`: every entry, deepest first, each its own unlink or rmdir.
    private func removeTree(_ path: RawPath, _ model: TreeModel) -> Operation {
        let entries = model.subtree(path).sorted { $0.bytes.count > $1.bytes.count }
        return Operation(description: "rm -r \(path) (\(entries.count) entries)", steps: entries.map { entry in
            let target = absolute(entry)
            let isDirectory = model.nodes[entry]!.kind == .directory
            return Step(description: "\(isDirectory ? "rmdir" : "unlink") \(entry)", call: {
                Self.result(target.withCString { isDirectory ? Glibc.rmdir($0) : Glibc.unlink($0) })
            }, apply: { $0.remove(entry) })
        })
    }

    private mutating func mkdir(in directory: RawPath) -> Operation {
        let path = newName(in: directory)
        let target = absolute(path)
        return Operation(description: "mkdir \(path)", steps: [
            Step(description: "mkdir", call: { Self.result(target.withCString { Glibc.mkdir($0, 0o755) }) },
                 apply: { $0.nodes[path] = TreeModel.Node(kind: .directory, mode: 0o755) }),
        ])
    }

    private mutating func symlink(in directory: RawPath) -> Operation {
        let path = newName(in: directory)
        let destination = Array("target-\(counter)".utf8)
        let target = absolute(path)
        return Operation(description: "symlink \(path)", steps: [
            Step(description: "symlink", call: { Self.result(RawPath(bytes: destination).withCString { d in target.withCString { Glibc.symlink(d, $0) } }) },
                 apply: { $0.nodes[path] = TreeModel.Node(kind: .symlink, mode: 0o777, target: destination) }),
        ])
    }
}

/// A descriptor shared by the steps of one operation.
final class OpenFile: @unchecked Sendable {
    private var fd: Int32 = -1

    func open(_ path: RawPath, _ flags: Int32, _ mode: mode_t) -> Int32 {
        fd = path.withCString { Glibc.open($0, flags, mode) }
        return fd >= 0 ? 0 : errno
    }

    func write(_ data: [UInt8], at offset: Int) -> Int32 {
        var done = 0
        while done < data.count {
            let n = data.withUnsafeBytes { Glibc.pwrite(fd, $0.baseAddress! + done, data.count - done, off_t(offset + done)) }
            if n < 0 { return errno }
            done += n
        }
        return 0
    }

    func close() -> Int32 {
        guard fd >= 0 else { return 0 }
        let rc = Glibc.close(fd)
        fd = -1
        return rc == 0 ? 0 : errno
    }
}
