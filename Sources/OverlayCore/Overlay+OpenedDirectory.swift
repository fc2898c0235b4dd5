import MinifoSystem

/// A directory opened once in each layer that has it, so that looking up many of its entries
/// (a READDIRPLUS reply) stats each by name from there: one fstatat per entry and layer,
/// instead of reaching the directory again through its path for every entry (openat2 of the
/// directory, fstatat, close).
public final class OpenedDirectory {
    let path: RelativePath
    let storage: StorageDescriptor?
    let base: (fd: BaseDescriptor, path: RelativePath)?

    init(path: RelativePath, storage: StorageDescriptor?, base: (fd: BaseDescriptor, path: RelativePath)?) {
        self.path = path
        self.storage = storage
        self.base = base
    }

    deinit {
        if let storage { close(storage) }
        if let base { close(base.fd) }
    }
}

extension Overlay {
    /// Opens the directory at `path` in each layer that has it, for `lookup(_:in:)`.
    public func openForLookups(_ path: RelativePath) -> OpenedDirectory {
        let storageFD = uncopiedState(path).known ? nil : try? openat(storage.root, path.bytes, [.path, .directory, .noFollow])
        let basePath = self.basePath(of: path)
        let baseFD = basePath.flatMap { try? openat(base.root, $0.bytes, [.path, .directory, .noFollow]) }
        return OpenedDirectory(path: path, storage: storageFD, base: baseFD.map { ($0, basePath!) })
    }

    /// `lookup(_:)` of the entry `name` of `directory`. An entry whose object is elsewhere in
    /// a layer (below a renamed directory's redirect) is found by its path, as by `lookup(_:)`.
    public func lookup(_ name: some Collection<UInt8>, in directory: OpenedDirectory) throws(Errno) -> Entry {
        try lookup(directory.path.appending(name), from: directory)
    }
}

extension RelativePath {
    /// This path's last name, if it is an entry of the directory at `directory`.
    func entryName(in directory: RelativePath) -> ArraySlice<UInt8>? {
        if isRoot { return nil }
        let start = directory.isRoot ? 0 : directory.bytes.count + 1
        guard bytes.count > start, start == 0 || (bytes[start - 1] == 0x2F && bytes.starts(with: directory.bytes)) else { return nil }
        let name = bytes[start...]
        return name.contains(0x2F) ? nil : name
    }
}
