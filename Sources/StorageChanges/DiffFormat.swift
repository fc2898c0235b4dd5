import MinifoSystem
import OverlayCore

/// `minifo diff`: for each change its status line, then what differs spelled out: mode, owner,
/// times, xattrs and symlink targets one per line, text files as `diff -u` hunks under
/// `--- base/PATH` and `+++ storage/PATH` headers (`/dev/null` for a side that has no file),
/// and binary files as their sizes and SHA-256 digests.
public struct DiffFormat {
    let storage: StorageDirectory
    /// Larger files are summed up, not diffed.
    static let textLimit: Int64 = 8 << 20
    /// A NUL byte in this much of a file's start makes it binary, as diff and git decide.
    static let binaryProbe = 8000

    public init(_ storage: StorageDirectory) { self.storage = storage }

    public func diff(_ change: StorageChange) throws(Errno) -> [UInt8] {
        var out = Array((StatusFormat.line(change) + "\n").utf8)
        for line in details(change) { out += Array(("  " + line + "\n").utf8) }
        try data(change, into: &out)
        return out
    }

    private func details(_ change: StorageChange) -> [String] {
        let d = change.differences
        var lines: [String] = []
        switch change.kind {
        case .deleted where change.fileType == .directory: lines.append("a directory, with everything below it")
        case .opaque: lines.append("hides every base entry below it")
        default: break
        }
        guard let before = change.before, let after = change.after else { return lines }
        if d.type { lines.append("type \(TextFormatting.typeName(before.fileType)) -> \(TextFormatting.typeName(after.fileType))") }
        if d.mode { lines.append("mode \(TextFormatting.mode(before.mode)) -> \(TextFormatting.mode(after.mode))") }
        if d.owner { lines.append("owner \(before.uid):\(before.gid) -> \(after.uid):\(after.gid)") }
        if d.modificationTime {
            lines.append("mtime \(TextFormatting.time(before.modificationTime, nanoseconds: true)) -> "
                + TextFormatting.time(after.modificationTime, nanoseconds: true))
        }
        if d.accessTime {
            lines.append("atime \(TextFormatting.time(before.accessTime, nanoseconds: true)) -> "
                + TextFormatting.time(after.accessTime, nanoseconds: true))
        }
        for xattr in d.xattrs {
            lines.append("xattr \(TextFormatting.escaped(xattr.name)) \(value(xattr.before)) -> \(value(xattr.after))")
        }
        return lines
    }

    /// An xattr value: quoted text when it is printable UTF-8 (a trailing NUL dropped), hex
    /// otherwise, `(none)` when absent.
    private func value(_ bytes: [UInt8]?) -> String {
        guard var bytes else { return "(none)" }
        if bytes.last == 0 { bytes.removeLast() }
        if UTF8Validation.isValid(bytes) && !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return "\"" + String(decoding: bytes, as: UTF8.self).replacing("\"", with: "\\\"") + "\""
        }
        return "0x" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    private func data(_ change: StorageChange, into out: inout [UInt8]) throws(Errno) {
        let d = change.differences
        guard change.kind != .metadata, change.kind != .opaque || d.type else { return }
        if change.kind == .renamed && !d.data && !d.type { return }
        let old = change.kind == .created ? nil : change.before.flatMap { (stat) -> LayerObject? in
            change.basePath.map { LayerObject(root: storage.overlay.base.root.readOnly, path: $0, stat: stat) }
        }
        let new = change.after.flatMap { (stat) -> LayerObject? in
            if let path = change.storagePath { return LayerObject(root: storage.overlay.storage.root.readOnly, path: path, stat: stat) }
            return change.basePath.map { LayerObject(root: storage.overlay.base.root.readOnly, path: $0, stat: stat) }
        }
        let oldType = old?.stat.fileType, newType = new?.stat.fileType
        if oldType == .symlink || newType == .symlink {
            let before = try old.map { (o) throws(Errno) in oldType == .symlink ? try readlinkat(o.root, o.path.bytes) : [] }
            let after = try new.map { (n) throws(Errno) in newType == .symlink ? try readlinkat(n.root, n.path.bytes) : [] }
            out += Array("  target \(before.map { TextFormatting.escaped($0) } ?? "(none)") -> \(after.map { TextFormatting.escaped($0) } ?? "(none)")\n".utf8)
        }
        if [FileType.characterDevice, .blockDevice].contains(oldType) || [FileType.characterDevice, .blockDevice].contains(newType) {
            out += Array("  device \(old.map { device($0.stat) } ?? "(none)") -> \(new.map { device($0.stat) } ?? "(none)")\n".utf8)
        }
        let oldFile = oldType == .regular ? old : nil, newFile = newType == .regular ? new : nil
        guard oldFile != nil || newFile != nil else { return }
        let oldLabel = oldFile.map { "base/" + TextFormatting.path($0.path) } ?? "/dev/null"
        let newLabel = newFile.map { _ in "storage/" + TextFormatting.path(change.path) } ?? "/dev/null"
        let before = try oldFile.map { (file) throws(Errno) in try FileSummary(file) }
        let after = try newFile.map { (file) throws(Errno) in try FileSummary(file) }
        if before?.text == nil && oldFile != nil || after?.text == nil && newFile != nil {
            out += Array("Binary files \(oldLabel) and \(newLabel) differ: \(before?.description ?? "nothing") -> \(after?.description ?? "nothing")\n".utf8)
            return
        }
        let hunks = UnifiedDiff.hunks(before?.text ?? [], after?.text ?? [])
        guard !hunks.isEmpty else { return }
        out += Array("--- \(oldLabel)\t\(oldFile.map { timestamp($0.stat) } ?? epoch)\n".utf8)
        out += Array("+++ \(newLabel)\t\(newFile.map { timestamp($0.stat) } ?? epoch)\n".utf8)
        for hunk in hunks { out += hunk }
    }

    private var epoch: String { TextFormatting.time(Timespec(seconds: 0, nanoseconds: 0), nanoseconds: true) + " +0000" }

    private func timestamp(_ stat: FileStat) -> String {
        TextFormatting.time(stat.modificationTime, nanoseconds: true) + " +0000"
    }

    private func device(_ stat: FileStat) -> String {
        let major = (stat.rdev >> 8) & 0xFFF | (stat.rdev >> 32) & ~0xFFF
        let minor = stat.rdev & 0xFF | (stat.rdev >> 12) & ~0xFF
        return "\(major):\(minor)"
    }
}

/// A regular file's contents as the diff needs them: the bytes if it is text, else its size
/// and SHA-256 digest.
private struct FileSummary: CustomStringConvertible {
    var text: [UInt8]?
    var size: Int64
    var digest: String

    init(_ file: LayerObject) throws(Errno) {
        let fd = try openForReading(file)
        var hash = SHA256()
        var all: [UInt8] = []
        var buffer = uninitializedBuffer(count: 256 * 1024)
        var offset: Int64 = 0
        var binary = file.stat.size > DiffFormat.textLimit
        while true {
            let count = try pread(fd.descriptor, into: &buffer, count: buffer.count, offset: offset)
            if count == 0 { break }
            let chunk = buffer[0..<count]
            hash.update(chunk)
            if !binary {
                if offset < DiffFormat.binaryProbe && chunk.prefix(DiffFormat.binaryProbe - Int(offset)).contains(0) { binary = true }
                all += chunk
            }
            offset += Int64(count)
        }
        text = binary ? nil : all
        size = offset
        digest = hash.hexDigest()
    }

    var description: String { "\(size) bytes, sha256 \(digest)" }
}
