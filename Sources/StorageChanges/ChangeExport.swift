import MinifoSystem
import OverlayCore

/// How `minifo export` writes changes.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// Every created, modified, metadata-changed, renamed or opaque object as the mount shows
    /// it, to extract over the base. Deletions (and a rename's old name, an opaque directory's
    /// hidden base entries) cannot be said in a plain tar; they are counted in the warnings.
    case tar
    /// An OCI image layer: the same, plus `.wh.NAME` for a deletion or a rename's old name,
    /// `DIR/.wh..wh..opq` for an opaque directory, and the parent directories of every member.
    /// A renamed directory is its old name's whiteout and its whole new content.
    case oci
}

/// Writes changes as a tar archive of the mount's view of each changed path.
public struct ChangeExport {
    let overlay: Overlay
    public let format: ExportFormat
    /// What the archive could not hold, in words, for the caller to print.
    public private(set) var warnings: [String] = []

    private var writer: TarWriter
    private var written: Set<RelativePath> = []
    /// The first archived name of each multiply-linked file, by mount inode number.
    private var linked: [UInt64: [UInt8]] = [:]

    public init(_ storage: StorageDirectory, format: ExportFormat, fd: Int32) {
        overlay = storage.overlay
        self.format = format
        writer = TarWriter(fd: fd)
    }

    /// Writes `changes` (in path order, as `StorageDirectory.changes` gives them) and ends the
    /// archive.
    public mutating func write(_ changes: [StorageChange]) throws(Errno) {
        var whole: [RelativePath] = []
        var unsaid = 0
        for change in changes {
            if change.path.isRoot {
                warnings.append("the root's own mode, owner and xattrs are not in the archive")
                continue
            }
            if whole.contains(where: { change.path != $0 && change.path.isWithin($0) }) { continue }
            switch change.kind {
            case .deleted:
                if format == .oci { try whiteout(change.path) } else { unsaid += 1 }
            case .renamed:
                if format == .oci { try whiteout(change.oldPath ?? change.basePath!) } else { unsaid += 1 }
                if change.fileType == .directory {
                    try tree(change.path)
                    whole.append(change.path)
                } else {
                    try member(change.path)
                }
            case .opaque:
                try member(change.path)
                if format == .oci {
                    try entry(TarEntry(path: change.path.appending(Array(".wh..wh..opq".utf8)).bytes, kind: .regular, mode: 0))
                } else {
                    unsaid += 1
                }
            case .created, .modified, .metadata:
                try member(change.path)
            }
        }
        if unsaid > 0 {
            warnings.append("\(unsaid) deletion\(unsaid == 1 ? "" : "s") (removed names, old names of renamed objects, "
                + "base entries opaque directories hide) cannot be said in a plain tar archive; --format oci writes them as whiteouts")
        }
        try writer.finish()
    }

    /// The bytes written so far.
    public var size: Int64 { writer.size }

    /// A renamed directory: itself and everything the mount lists below it.
    private mutating func tree(_ root: RelativePath) throws(Errno) {
        var pending = [root]
        while let directory = pending.popLast() {
            try member(directory)
            guard try overlay.lookup(directory).stat.fileType == .directory else { continue }
            let stream = try overlay.openDirectory(directory)
            var names: [[UInt8]] = []
            var offset: Int64 = 0
            while let item = try stream.next(from: offset) {
                if item.name != [0x2E] && item.name != [0x2E, 0x2E] { names.append(item.name) }
                offset = item.nextOffset
            }
            for name in names.sorted(by: { $1.lexicographicallyPrecedes($0) }) { pending.append(directory.appending(name)) }
        }
    }

    /// The object at `path` as the mount shows it: attributes, xattrs, data or target.
    private mutating func member(_ path: RelativePath) throws(Errno) {
        if written.contains(path) { return }
        if format == .oci && path.name.starts(with: Array(".wh.".utf8)) {
            warnings.append("\(TextFormatting.path(path)) is left out: an OCI layer reads names starting with .wh. as whiteouts")
            return
        }
        let found = try overlay.lookup(path)
        let stat = found.stat
        var member = TarEntry(path: path.bytes, kind: .regular, mode: stat.mode & 0o7777)
        member.uid = stat.uid
        member.gid = stat.gid
        member.modificationTime = stat.modificationTime
        member.xattrs = try xattrs(path)
        var data: OwnedDescriptor<ReadOnly>?
        switch stat.fileType {
        case .regular:
            if stat.linkCount > 1, let first = linked[stat.inode] {
                member.kind = .hardLink
                member.link = first
            } else {
                if stat.linkCount > 1 { linked[stat.inode] = path.bytes }
                member.size = stat.size
                data = OwnedDescriptor(owning: try overlay.openForReading(path).file.readOnly)
            }
        case .directory: member.kind = .directory
        case .symlink:
            member.kind = .symlink
            member.link = try overlay.readLink(path)
        case .characterDevice, .blockDevice:
            member.kind = stat.fileType == .characterDevice ? .characterDevice : .blockDevice
            member.deviceMajor = (stat.rdev >> 8) & 0xFFF | (stat.rdev >> 32) & ~0xFFF
            member.deviceMinor = stat.rdev & 0xFF | (stat.rdev >> 12) & ~0xFF
        case .fifo: member.kind = .fifo
        case .socket, .unknown:
            warnings.append("\(TextFormatting.path(path)) is a socket, which a tar archive cannot hold; left out")
            return
        }
        try entry(member, data: data?.descriptor)
        written.insert(path)
    }

    private mutating func whiteout(_ path: RelativePath) throws(Errno) {
        guard let parent = path.parent else { return }
        try entry(TarEntry(path: parent.appending(Array(".wh.".utf8) + path.name).bytes, kind: .regular, mode: 0))
    }

    /// Writes a member, preceded in an OCI layer by the parent directories not written yet.
    private mutating func entry(_ member: TarEntry, data: Descriptor<ReadOnly>? = nil) throws(Errno) {
        if format == .oci, let parent = RelativePath(bytes: member.path).parent, !parent.isRoot, !written.contains(parent) {
            var missing: [RelativePath] = []
            var directory: RelativePath? = parent
            while let current = directory, !current.isRoot, !written.contains(current) {
                missing.append(current)
                directory = current.parent
            }
            for directory in missing.reversed() { try self.member(directory) }
        }
        try writer.append(member, data: data)
    }

    private func xattrs(_ path: RelativePath) throws(Errno) -> [([UInt8], [UInt8])] {
        let size = try overlay.extendedAttributeNames(path, capacity: 0).size
        guard size > 0 else { return [] }
        var result: [([UInt8], [UInt8])] = []
        for name in try overlay.extendedAttributeNames(path, capacity: size + 256).names.split(separator: 0) {
            let length = try overlay.extendedAttribute(path, name: name, capacity: 0).size
            result.append((Array(name), length == 0 ? [] : try overlay.extendedAttribute(path, name: name, capacity: length).value))
        }
        return result
    }
}
