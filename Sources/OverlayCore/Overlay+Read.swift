import MinifoSystem

extension Overlay {
    /// Opens the file at `path` for reading, from the layer that holds it.
    public func openForReading(_ path: RelativePath) throws(Errno) -> (file: LayerFile, entry: Entry) {
        let entry = try lookup(path)
        switch entry.stat.fileType {
        case .directory: throw .EISDIR
        case .symlink: throw .ELOOP
        default: break
        }
        let bytes = entry.location.bytes
        let file: LayerFile
        do {
            // O_NOATIME keeps reads through the mount from touching the base's access times.
            file = entry.layer == .base ? .base(try openat(base.root, bytes, [.noFollow, .noAccessTime, .nonBlocking]))
                                        : .storage(try openat(storage.root, bytes, [.noFollow, .noAccessTime, .nonBlocking]))
        } catch .EPERM {
            file = entry.layer == .base ? .base(try openat(base.root, bytes, [.noFollow, .nonBlocking]))
                                        : .storage(try openat(storage.root, bytes, [.noFollow, .nonBlocking]))
        }
        return (file, entry)
    }

    /// A descriptor for FUSE passthrough to read and write the file at `path` through: the
    /// storage copy read-write, or the base file read-only.
    public func openBackingFile(_ path: RelativePath, _ entry: Entry) throws(Errno) -> LayerFile {
        if entry.layer == .storage {
            return .storage(try openat(storage.root, entry.location.bytes, [.readWrite, .noFollow, .nonBlocking]))
        }
        return try openForReading(path).file
    }

    /// The target of the symlink at `path`.
    public func readLink(_ path: RelativePath) throws(Errno) -> [UInt8] {
        try readLink(try lookup(path))
    }

    /// The target of the symlink `entry` (from `lookup`).
    public func readLink(_ entry: Entry) throws(Errno) -> [UInt8] {
        guard entry.stat.fileType == .symlink else { throw .EINVAL }
        return try readlinkat(root(entry.layer), entry.location.bytes)
    }

    /// An extended attribute's value; with `capacity` 0 only its size. A base object shows the
    /// values META records for it over its own.
    public func extendedAttribute(_ path: RelativePath, name: some Collection<UInt8>, capacity: Int) throws(Errno) -> (size: Int, value: [UInt8]) {
        let entry = try lookup(path)
        if entry.layer == .base, let recorded = meta.xattrOverrides(path)[Array(name)] {
            guard let value = recorded else { throw .ENODATA }
            if capacity == 0 { return (value.count, []) }
            if capacity < value.count { throw .ERANGE }
            return (value.count, value)
        }
        return try ExtendedAttributes.get(root(entry.layer), entry.location.bytes, name: name, capacity: capacity)
    }

    /// The NUL-separated list of extended attribute names; with `capacity` 0 only its size.
    public func extendedAttributeNames(_ path: RelativePath, capacity: Int) throws(Errno) -> (size: Int, names: [UInt8]) {
        let entry = try lookup(path)
        let overrides = entry.layer == .base ? meta.xattrOverrides(path) : [:]
        if overrides.isEmpty {
            return try ExtendedAttributes.list(root(entry.layer), entry.location.bytes, capacity: capacity)
        }
        var names: [UInt8] = []
        var listed = Set<[UInt8]>()
        let own = try ExtendedAttributes.all(base.root, entry.location.bytes).map(\.0)
        for name in own + overrides.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard listed.insert(name).inserted else { continue }
            if let recorded = overrides[name], recorded == nil { continue }
            names += name + [0]
        }
        if capacity == 0 { return (names.count, []) }
        if capacity < names.count { throw .ERANGE }
        return (names.count, names)
    }

    /// The statistics of the filesystem that changes go to, as overlayfs reports its upper layer.
    public func fileSystemStatistics() throws(Errno) -> FileSystemStats {
        var stats = try fileSystemStats(storage.root)
        let baseStats = try fileSystemStats(base.root)
        stats.maxNameLength = min(stats.maxNameLength, baseStats.maxNameLength)
        return stats
    }

    /// FSYNCDIR: makes the directory's entries durable, as fsync(2) of a directory does
    /// natively: its storage directory, where it has one, and the META file, which holds
    /// deletions and renames.
    public func synchronizeDirectory(_ path: RelativePath) throws(Errno) {
        if let fd = try? openat(storage.root, path.bytes, [.directory, .noFollow]) {
            defer { close(fd) }
            try synchronize(fd)
        }
        try meta.sync()
    }
}
