import MinifoSystem

/// Converts, in place, a storage directory the original mini_fo kernel module wrote: its
/// META files, one per directory (`LegacyRecord`), become records of minifo's META file at the
/// storage root (`D` a whiteout, `R` a redirect), written through `MetaStore`. Storage files
/// are left as they are: mini_fo kept changed and created objects as plain files, as minifo
/// does. Reading finds and checks every legacy file and changes nothing; `convert` first copies
/// them to a backup directory, then replaces them. It holds the storage lock exclusive from
/// reading to the end, so it never runs while the storage is mounted.
public struct LegacyImport {
    /// A legacy META file: the storage directory it is in and its records.
    public struct File {
        public var directory: RelativePath
        public var records: [(line: Int, record: LegacyRecord)]
        var bytes: [UInt8]
    }

    public let storage: String
    public let base: String
    public private(set) var files: [File] = []
    /// Whether the storage root's META file is minifo's already: an import that was cut short
    /// after the new file was in place, or a storage minifo mounted before it was imported.
    public private(set) var rootIsConverted = false
    /// Records that convert but point nowhere, for the caller to show.
    public private(set) var warnings: [String] = []
    /// The storage lock, exclusive, for as long as this value lives.
    private let lock: StorageLock

    /// Finds the legacy META files below `storage` (absolute, canonical) and parses them.
    /// `base` is the base the storage belongs to (absolute, canonical); `oldBase` the path the
    /// kernel module had for it, which its `R` lines hold.
    public init(storage: String, base: String, oldBase: String) throws(LegacyImportError) {
        self.storage = storage
        self.base = base
        do {
            lock = try StorageLock(storage: storage, exclusive: true)
        } catch {
            switch error {
            case .inUse: throw .inUse(storage)
            case .unsafe(let problem): throw .unsafe(problem)
            case .io(.ENOENT): throw .missing(storage)
            case .io(let errno): throw .io("opening the storage directory", errno)
            }
        }
        let root = try Self.opening(storage, "opening the storage directory") { () throws(Errno) in try StorageDescriptor.openRoot(storage) }
        defer { close(root) }
        let baseRoot = try Self.opening(base, "opening the base") { () throws(Errno) in try BaseDescriptor.openRoot(base) }
        defer { close(baseRoot) }
        let device = try Self.io("looking at the storage directory") { () throws(Errno) in try fstat(root).device }

        var pending = [RelativePath.root]
        while let directory = pending.popLast() {
            let reader = try Self.io("listing \(display(directory))") { () throws(Errno) in
                DirectoryReader(owning: try openat(root, directory.bytes, [.directory, .noFollow]))
            }
            while let entry = try Self.io("listing \(display(directory))", { () throws(Errno) in try reader.next() }) {
                if entry.isDotOrDotDot { continue }
                let path = directory.appending(entry.name)
                if entry.name == Names.meta {
                    try read(path, in: directory, root: root, baseRoot: baseRoot, oldBase: oldBase)
                } else if !Names.isMeta(entry.name, in: directory) {
                    let stat = try Self.io("looking at \(display(path))") { () throws(Errno) in try lstatat(root, path.bytes) }
                    if stat.fileType == .directory && stat.device == device { pending.append(path) }
                }
            }
        }
        if files.isEmpty {
            throw rootIsConverted ? .alreadyConverted(storage) : .nothingToImport(storage)
        }
        files.sort { $0.directory.bytes.lexicographicallyPrecedes($1.directory.bytes) }
    }

    private mutating func read(_ path: RelativePath, in directory: RelativePath, root: StorageDescriptor, baseRoot: BaseDescriptor, oldBase: String) throws(LegacyImportError) {
        let bytes = try Self.io("reading \(display(path))") { () throws(Errno) in
            let fd = OwnedDescriptor(owning: try openat(root, path.bytes, [.noFollow, .nonBlocking]))
            guard try fstat(fd.descriptor).fileType == .regular else { throw Errno.EISDIR }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while case let count = try MinifoSystem.read(fd.descriptor.rawValue, into: &chunk), count > 0 {
                bytes += chunk[..<count]
            }
            return bytes
        }
        if directory.isRoot && bytes.starts(with: MetaFormat.magic) {
            rootIsConverted = true
            return
        }
        let records: [(line: Int, record: LegacyRecord)]
        do {
            records = try LegacyMeta.parse(bytes, oldBase: oldBase)
        } catch {
            throw .malformed(file: display(path), line: error.line, reason: error.reason)
        }
        for (line, record) in records {
            guard case .renamed(let from, _) = record else { continue }
            if (try? lstatat(baseRoot, from.bytes))?.fileType != .directory {
                warnings.append("\(display(path)):\(line): the renamed directory's old path \(from) is not a directory in the base "
                                + "\(base); it is imported, and shows nothing from the base")
            }
        }
        files.append(File(directory: directory, records: records, bytes: bytes))
    }

    /// What `convert` did.
    public struct Summary: Sendable {
        public var files = 0
        public var deletions = 0
        public var renames = 0
    }

    /// Copies every legacy file to `backup` (a new directory, created here; the same relative
    /// paths), writes their records into minifo's META file, and removes them. The new META file
    /// is built aside and renamed over the root's legacy one, so a crash leaves either the old
    /// storage or the converted one; legacy files left in subdirectories by a crash after that
    /// are imported again (changing nothing) and removed by the next run.
    public func convert(backup: String) throws(LegacyImportError) -> Summary {
        try writeBackup(backup)
        let root = try Self.opening(storage, "opening the storage directory") { () throws(Errno) in try StorageDescriptor.openRoot(storage) }
        defer { close(root) }
        var summary = Summary()
        if rootIsConverted {
            let meta = try Self.store(storageRoot: root, base: base)
            try record(into: meta, &summary)
        } else {
            try buildAside(root: root, &summary)
        }
        for file in files where !file.directory.isRoot {
            try Self.io("removing \(display(file.directory.appending(Names.meta)))") { () throws(Errno) in
                try removeName(root, file.directory.appending(Names.meta).bytes, directory: false)
                let directory = OwnedDescriptor(owning: try openat(root, file.directory.bytes, [.directory, .noFollow]))
                try synchronize(directory.descriptor)
            }
        }
        summary.files = files.count
        return summary
    }

    /// Builds the new META file in the work directory and renames it over the legacy root one.
    private func buildAside(root: StorageDescriptor, _ summary: inout Summary) throws(LegacyImportError) {
        let aside = Names.work + Array("/legacy-import".utf8)
        try Self.io("preparing \(display(RelativePath(bytes: aside)))") { () throws(Errno) in
            do throws(Errno) { try makeDirectory(root, Names.work, mode: 0o700) } catch .EEXIST {}
            for name in [Names.meta, Names.metaReplacement] {
                do throws(Errno) { try removeName(root, aside + [0x2F] + name, directory: false) } catch .ENOENT {}
            }
            do throws(Errno) { try removeName(root, aside, directory: true) } catch .ENOENT {}
            try makeDirectory(root, aside, mode: 0o700)
        }
        let asideRoot = try Self.io("opening \(display(RelativePath(bytes: aside)))") { () throws(Errno) in
            try openat(root, aside, [.path, .directory, .noFollow])
        }
        defer { close(asideRoot) }
        do {
            let meta = try Self.store(storageRoot: asideRoot, base: base)
            try record(into: meta, &summary)
        }
        try Self.io("putting the new \(display(RelativePath(bytes: Names.meta))) in place") { () throws(Errno) in
            try MinifoSystem.rename(asideRoot, Names.meta, root, Names.meta)
            try MetaStore.syncDirectory(root)
            try removeName(root, aside, directory: true)
        }
    }

    private func record(into meta: MetaStore, _ summary: inout Summary) throws(LegacyImportError) {
        try Self.io("writing the META file") { () throws(Errno) in
            for file in files {
                for (_, record) in file.records {
                    switch record {
                    case .deleted(let name):
                        try meta.setDeleted(file.directory.appending(name), true)
                        summary.deletions += 1
                    case .renamed(let from, let name):
                        try meta.setRedirect(file.directory.appending(name), to: from)
                        summary.renames += 1
                    }
                }
            }
            try meta.sync()
        }
    }

    private func writeBackup(_ backup: String) throws(LegacyImportError) {
        let parent = backup.split(separator: "/").dropLast().joined(separator: "/")
        let parentRoot = try Self.opening("/" + parent, "opening \("/" + parent)") { () throws(Errno) in
            try Descriptor<OutsideLayers>.openRoot("/" + parent)
        }
        defer { close(parentRoot) }
        let name = Array(backup.split(separator: "/").last.map(String.init)?.utf8 ?? "".utf8)
        do {
            try makeDirectory(parentRoot, name, mode: 0o700)
        } catch .EEXIST {
            throw .backupExists(backup)
        } catch {
            throw .io("creating the backup directory \(backup)", error)
        }
        try Self.io("writing the backup in \(backup)") { () throws(Errno) in
            let backupRoot = OwnedDescriptor(owning: try openat(parentRoot, name, [.path, .directory, .noFollow]))
            for file in files {
                var directory: [UInt8] = []
                if !file.directory.isRoot {
                    for component in file.directory.bytes.split(separator: 0x2F) {
                        directory += (directory.isEmpty ? [] : [0x2F]) + component
                        do throws(Errno) { try makeDirectory(backupRoot.descriptor, directory, mode: 0o700) } catch .EEXIST {}
                    }
                }
                let path = directory.isEmpty ? Names.meta : directory + [0x2F] + Names.meta
                let fd = OwnedDescriptor(owning: try openat(backupRoot.descriptor, path, [.writeOnly, .create, .exclusive, .noFollow], mode: 0o600))
                try writeAll(fd.descriptor, file.bytes, offset: 0)
                try synchronize(fd.descriptor)
            }
            try syncTree(backupRoot.descriptor, [0x2E])
            let parentDirectory = OwnedDescriptor(owning: try openat(parentRoot, [0x2E], [.directory]))
            try synchronize(parentDirectory.descriptor)
        }
    }

    /// fsync of a directory and every directory below it, so the backup is durable before
    /// anything is removed.
    private func syncTree(_ root: Descriptor<OutsideLayers>, _ path: [UInt8]) throws(Errno) {
        let reader = DirectoryReader(owning: try openat(root, path, [.directory, .noFollow]))
        try synchronize(reader.descriptor)
        while let entry = try reader.next() {
            if !entry.isDotOrDotDot, try lstatat(root, path + [0x2F] + entry.name).fileType == .directory {
                try syncTree(root, path + [0x2F] + entry.name)
            }
        }
    }

    private func display(_ path: RelativePath) -> String {
        path.isRoot ? storage : storage + "/" + path.description
    }

    private static func store(storageRoot: StorageDescriptor, base: String) throws(LegacyImportError) -> MetaStore {
        do {
            return try MetaStore(storageRoot: storageRoot, basePath: base)
        } catch .baseMismatch(let recorded, _) {
            throw .otherBase(recorded)
        } catch {
            throw .meta(error)
        }
    }

    private static func opening<R>(_ path: String, _ context: String, _ body: () throws(Errno) -> R) throws(LegacyImportError) -> R {
        do {
            return try body()
        } catch .ENOENT {
            throw .missing(path)
        } catch {
            throw .io(context, error)
        }
    }

    private static func io<R>(_ context: String, _ body: () throws(Errno) -> R) throws(LegacyImportError) -> R {
        do {
            return try body()
        } catch {
            throw .io(context, error)
        }
    }
}

/// Why a legacy storage directory cannot be imported; nothing is changed in the storage.
public enum LegacyImportError: Error, CustomStringConvertible {
    case missing(String)
    case inUse(String)
    case unsafe(UnsafeStorage)
    case nothingToImport(String)
    case alreadyConverted(String)
    case malformed(file: String, line: Int, reason: String)
    case backupExists(String)
    case otherBase(String)
    case meta(MetaError)
    case io(String, Errno)

    public var description: String {
        switch self {
        case .missing(let path):
            return "\(path) does not exist"
        case .inUse(let storage):
            return "\(storage) is mounted, or being repaired (it is locked); unmount it and run the import again"
        case .unsafe(let problem):
            return problem.description
        case .nothingToImport(let storage):
            return "no mini_fo META files in \(storage): nothing to import"
        case .alreadyConverted(let storage):
            return "\(storage) is in minifo's format already: nothing to import"
        case .malformed(let file, let line, let reason):
            return "\(file):\(line): \(reason); fix or remove that line and run the import again"
        case .backupExists(let path):
            return "the backup directory \(path) exists already; choose another with --backup"
        case .otherBase(let recorded):
            return "the storage directory's META file is minifo's already and belongs to the base \(recorded); give that base"
        case .meta(let error):
            return error.description
        case .io(let context, let errno):
            return "\(context): \(errno)"
        }
    }
}
