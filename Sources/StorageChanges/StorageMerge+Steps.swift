import MinifoSystem
import OverlayCore

extension StorageMerge {
    /// Carries out one step on the base. A step run again finds its work done, or does it
    /// again to the same end: a move whose source is gone, the removal of nothing, a write.
    func apply(_ step: MergeStep, copied: (Int64) -> Void) throws(Errno) {
        let base = baseRoot.descriptor
        switch step {
        case .setAside(let path, let number):
            try move(path, to: MergeStep.staged(number))
        case .place(let number, let at, _):
            try move(MergeStep.staged(number), to: at)
        case .remove(let path):
            try removeIfPresent(path)
        case .empty(let path):
            let reader: DirectoryReader
            do {
                reader = DirectoryReader(owning: try openat(base, path.bytes, [.directory, .noFollow]))
            } catch .ENOENT, .ENOTDIR {
                return
            }
            var names: [[UInt8]] = []
            while let entry = try reader.next() {
                if !entry.isDotOrDotDot { names.append(entry.name) }
            }
            for name in names { try removeIfPresent(path.appending(name)) }
        case .directory(let path):
            if let stat = try statIfPresent(base, path) {
                if stat.fileType == .directory { return }
                try removeIfPresent(path)
            }
            try makeDirectory(base, path.bytes, mode: 0o700)
        case .copy(let path, let source):
            try write(path, from: source, copied: copied)
        case .link(let path, let target):
            try replace(path) { (temporary) throws(Errno) in try makeLink(base, target.bytes, base, temporary.bytes) }
        case .directoryMetadata(let path, let source, _):
            try setMetadata(path, try lstatat(storageRoot.descriptor, source.bytes), xattrs: try xattrs(storageRoot.descriptor, source),
                            replacing: true)
        case .recorded(let path, let attributes, let xattrs):
            try applyRecorded(path, attributes, xattrs)
        case .times(let path, let access, let modification):
            try changeTimes(base, path.bytes, access: .set(access), modification: .set(modification))
        }
    }

    /// Moves the base object at `from` to `to`, replacing whatever is there; nothing to do
    /// when `from` is gone (moved already).
    private func move(_ from: RelativePath, to: RelativePath) throws(Errno) {
        let base = baseRoot.descriptor
        guard try statIfPresent(base, from) != nil else { return }
        try removeIfPresent(to)
        try rename(base, from.bytes, base, to.bytes)
    }

    private func removeIfPresent(_ path: RelativePath) throws(Errno) {
        do {
            try removeTree(baseRoot.descriptor, path.bytes)
        } catch .ENOENT {}
    }

    /// Writes the storage object at `source` to the base at `path`, with its metadata.
    private func write(_ path: RelativePath, from source: RelativePath, copied: (Int64) -> Void) throws(Errno) {
        let storage = storageRoot.descriptor, base = baseRoot.descriptor
        let stat = try lstatat(storage, source.bytes)
        try replace(path) { (temporary) throws(Errno) in
            switch stat.fileType {
            case .regular:
                let input = OwnedDescriptor(owning: try openat(storage, source.bytes, [.noFollow]))
                let output = OwnedDescriptor(owning: try openat(base, temporary.bytes, [.writeOnly, .create, .exclusive, .noFollow],
                                                               mode: 0o600))
                try copyFileData(from: input.descriptor, to: output.descriptor, size: stat.size, copied: copied)
            case .symlink:
                try makeSymlink(base, temporary.bytes, target: try readlinkat(storage, source.bytes))
            case .directory:
                throw .EISDIR
            default:
                try makeNode(base, temporary.bytes, mode: (stat.mode & 0o170000) | 0o600, device: stat.rdev)
            }
            try setMetadata(temporary, stat, xattrs: try xattrs(storage, source), replacing: false)
        }
    }

    /// Builds an object under a temporary name in the staging directory with `build`, then
    /// renames it over `path`: the base never shows half of it. Where `path` is on another
    /// filesystem mounted inside the base, the temporary goes beside it instead.
    private func replace(_ path: RelativePath, _ build: (RelativePath) throws(Errno) -> Void) throws(Errno) {
        do {
            try replace(path, through: MergeStep.staging.appending(Array("new".utf8)), build)
        } catch .EXDEV {
            try replace(path, through: (path.parent ?? .root).appending(Names.merge), build)
        }
    }

    private func replace(_ path: RelativePath, through temporary: RelativePath,
                         _ build: (RelativePath) throws(Errno) -> Void) throws(Errno) {
        let base = baseRoot.descriptor
        try removeIfPresent(temporary)
        try build(temporary)
        do {
            try rename(base, temporary.bytes, base, path.bytes)
        } catch .EISDIR, .ENOTEMPTY, .EEXIST {
            try removeIfPresent(path)  // a directory where a file goes
            try rename(base, temporary.bytes, base, path.bytes)
        } catch .EXDEV {
            try removeIfPresent(temporary)
            throw .EXDEV
        }
    }

    /// Owner first (chown clears set-ID bits), then xattrs (`replacing` removes the base's
    /// other ones), mode and times.
    private func setMetadata(_ path: RelativePath, _ stat: FileStat, xattrs: [([UInt8], [UInt8])], replacing: Bool) throws(Errno) {
        let base = baseRoot.descriptor
        try changeOwner(base, path.bytes, uid: stat.uid, gid: stat.gid)
        if replacing {
            let wanted = Set(xattrs.map(\.0))
            for (name, _) in try self.xattrs(base, path) where !wanted.contains(name) {
                try ExtendedAttributes.remove(base, path.bytes, name: name)
            }
        }
        for (name, value) in xattrs {
            do {
                try ExtendedAttributes.set(base, path.bytes, name: name, value: value)
            } catch .ENOTSUP, .EPERM {
                continue  // the base cannot hold this namespace here (user.* on a symlink)
            }
        }
        if stat.fileType != .symlink { try changeMode(base, path.bytes, mode: stat.mode & 0o7777) }
        try changeTimes(base, path.bytes, access: .set(stat.accessTime), modification: .set(stat.modificationTime))
    }

    private func applyRecorded(_ path: RelativePath, _ attributes: MetaAttributes?, _ xattrs: [RecordedXattr]) throws(Errno) {
        let base = baseRoot.descriptor
        if let attributes, attributes.uid != nil || attributes.gid != nil {
            try changeOwner(base, path.bytes, uid: attributes.uid ?? .max, gid: attributes.gid ?? .max)
        }
        for xattr in xattrs {
            do {
                if let value = xattr.value {
                    try ExtendedAttributes.set(base, path.bytes, name: xattr.name, value: value)
                } else {
                    try ExtendedAttributes.remove(base, path.bytes, name: xattr.name)
                }
            } catch .ENODATA {}
        }
        guard let attributes else { return }
        if let mode = attributes.mode {
            do {
                try changeMode(base, path.bytes, mode: mode & 0o7777)
            } catch .ENOTSUP {}  // a symlink has no mode of its own
        }
        if attributes.atime != nil || attributes.mtime != nil {
            try changeTimes(base, path.bytes, access: attributes.atime.map { .set($0) } ?? .omit,
                            modification: attributes.mtime.map { .set($0) } ?? .omit)
        }
    }

    private func xattrs(_ root: Descriptor<some FileTree>, _ path: RelativePath) throws(Errno) -> [([UInt8], [UInt8])] {
        do {
            return try ExtendedAttributes.all(root, path.bytes)
        } catch .ENOTSUP {
            return []
        }
    }
}
