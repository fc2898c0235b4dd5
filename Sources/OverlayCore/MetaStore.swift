import MinifoSystem
import Synchronization

/// The META file at the storage root and its in-memory index: everything storage files cannot
/// express (whiteouts, opaque and redirected directories, metadata-only changes and xattr
/// overrides of base objects, inode numbers). Every change is one append of one record with
/// one write(2), so an acknowledged change survives a kill of the daemon; `sync` makes changes
/// durable against power loss. The file format is in docs/meta-format.md.
///
/// The store only records; the overlay decides what the records mean (a whiteout on a
/// directory hides its base subtree, for instance). Safe to use from any thread.
public final class MetaStore: Sendable {
    /// `META_dAfFgHE39ktF3HD2sr`, at the storage root.
    public static let fileName: [UInt8] = Names.meta
    /// Where compaction builds the next META file before renaming it over the current one.
    /// Like the META file, it must never be visible through the mount.
    public static let temporaryFileName: [UInt8] = Names.metaReplacement

    /// Repairs made while opening (a torn record dropped from the end), for the caller to log.
    public let warnings: [String]

    /// O_PATH descriptor of the storage root, owned by the caller.
    let storageRoot: StorageDescriptor
    /// Opened for a read-only mount or an inspection: nothing is ever written.
    let readOnly: Bool
    /// Held for every query and change, across the write(2) of an append and a whole
    /// compaction. A leaf lock: only logging takes another lock inside it.
    let state: Mutex<State>

    struct State {
        var file: MetaFile
        var index: MetaIndex
        /// The base directory the header names.
        let base: [UInt8]
        /// After a failed automatic compaction, the file record count at which to try again.
        var compactionRetry = 0
        /// The id the next prepared change gets.
        var nextPrepareID: UInt64 = 1
        /// The file's size at the last `sync`.
        var syncedSize: Int64 = -1
    }

    /// Opens the META file in the storage root for the base at `basePath` (absolute, as the
    /// mount names it) and replays its records; creates the file if it is missing or empty.
    /// `force` adopts a file made for another base, rewriting its header. `storageRoot` (an
    /// O_PATH descriptor is enough) must stay open as long as the store is used.
    /// `readOnly` (for a read-only mount) writes nothing, not even a missing file's header.
    public init(storageRoot: StorageDescriptor, basePath: String, force: Bool = false, readOnly: Bool = false) throws(MetaError) {
        let base = Array(basePath.utf8)
        guard MetaFormat.isValidBase(base) else { throw .io(.EINVAL, "the base path \(basePath) is not absolute") }
        var index = MetaIndex()
        let (file, warnings) = try Self.open(storageRoot: storageRoot, base: base, force: force, readOnly: readOnly, into: &index)
        self.storageRoot = storageRoot
        self.readOnly = readOnly
        self.warnings = warnings
        state = Mutex(State(file: file, index: index, base: base, nextPrepareID: (index.prepared.keys.max() ?? 0) + 1))
        if !readOnly { state.withLock { $0.compactIfNeeded(storageRoot: storageRoot) } }
    }

    deinit {
        state.withLock { close($0.file.fd) }
    }

    // MARK: Queries

    /// Whether a whiteout is recorded on exactly this path.
    public func isDeleted(_ path: RelativePath) -> Bool {
        read(path, or: false) { $0.deleted }
    }

    public func isOpaque(_ path: RelativePath) -> Bool {
        read(path, or: false) { $0.opaque }
    }

    /// The base path this directory's base contents come from.
    public func redirect(_ path: RelativePath) -> RelativePath? {
        read(path, or: nil) { $0.details?.redirect?.relativePath }
    }

    public func attributes(_ path: RelativePath) -> MetaAttributes? {
        read(path, or: nil) { $0.details?.attributes }
    }

    /// Extended attribute overrides by name: a value, or nil for a removed attribute.
    public func xattrOverrides(_ path: RelativePath) -> [[UInt8]: [UInt8]?] {
        read(path, or: [:]) { $0.details?.xattrs ?? [:] }
    }

    public func inode(_ path: RelativePath) -> UInt64? {
        read(path, or: nil) { $0.inode }
    }

    /// How many names of the hard-linked base file whose shared copy is at `path` still show
    /// the base object, if any has stopped doing so.
    public func baseLinks(_ path: RelativePath) -> UInt32? {
        read(path, or: nil) { $0.details?.baseLinks }
    }

    /// The names directly below `directory` that carry a whiteout.
    public func deletedNames(in directory: RelativePath) -> Set<[UInt8]> {
        state.withLock { $0.index.deletedNames(in: directory) }
    }

    /// Whether any state is recorded at or below `directory`. A directory without any can be
    /// listed straight from one layer.
    public func hasRecords(below directory: RelativePath) -> Bool {
        state.withLock { $0.index.node(directory) != nil }
    }

    /// `body` applied to the node at `path`, or `absent` when nothing is recorded there.
    private func read<R: Sendable>(_ path: RelativePath, or absent: R, _ body: @Sendable (MetaIndex.Node) -> R) -> R {
        state.withLock { state in state.index.node(path).map(body) ?? absent }
    }

    // MARK: Changes

    public func setDeleted(_ path: RelativePath, _ deleted: Bool) throws(Errno) {
        try change(.whiteout(try checked(path), deleted))
    }

    public func setOpaque(_ path: RelativePath, _ opaque: Bool) throws(Errno) {
        try change(.opaque(try checked(path), opaque))
    }

    /// Records where a directory's base contents come from; nil drops the redirect.
    public func setRedirect(_ path: RelativePath, to base: RelativePath?) throws(Errno) {
        let target: MetaPath? = if let base { try checked(base) } else { nil }
        try change(.redirect(try checked(path), to: target))
    }

    /// Records attributes of a base object; nil, or a value without any field, drops them.
    public func setAttributes(_ path: RelativePath, _ attributes: MetaAttributes?) throws(Errno) {
        try change(.attributes(try checked(path), attributes?.isEmpty == false ? attributes : nil))
    }

    /// Overrides one extended attribute: a value, or nil for removed.
    public func setXattr(_ path: RelativePath, name: [UInt8], value: [UInt8]?) throws(Errno) {
        try change(.xattr(try checked(path), name: name, value: value))
    }

    /// Drops every extended attribute override of `path`.
    public func clearXattrs(_ path: RelativePath) throws(Errno) {
        try change(.clearXattrs(try checked(path)))
    }

    /// Records the mount inode number of the object at `path`; nil drops it.
    public func setInode(_ path: RelativePath, _ inode: UInt64?) throws(Errno) {
        try change(.inode(try checked(path), inode))
    }

    /// Records how many names of a hard-linked base file still show the base object; nil drops it.
    public func setBaseLinks(_ path: RelativePath, _ count: UInt32?) throws(Errno) {
        try change(.baseLinks(try checked(path), count))
    }

    /// Moves all state at and below `from` to `to`, replacing what was at and below `to`.
    public func rename(_ from: RelativePath, to: RelativePath) throws(Errno) {
        try change(.rename(try checked(from), to: try checked(to)))
    }

    /// Drops all state at and below `path`.
    public func removeTree(_ path: RelativePath) throws(Errno) {
        try change(.removeTree(try checked(path)))
    }

    /// fdatasync(2) of the META file, for FSYNC, FSYNCDIR, SYNCFS and unmount; nothing when
    /// nothing was written since the last one (or ever, on a read-only mount).
    public func sync() throws(Errno) {
        try state.withLock { (state) throws(Errno) in
            guard state.file.fd.rawValue >= 0, state.file.size != state.syncedSize else { return }
            try synchronize(state.file.fd, dataOnly: true)
            state.syncedSize = state.file.size
        }
    }

    /// Records a compacted file would hold.
    public var liveRecordCount: Int { state.withLock { $0.index.liveRecords } }

    /// Records the file holds now, live or superseded.
    public var fileRecordCount: Int { state.withLock { $0.file.records } }

    private func checked(_ path: RelativePath) throws(Errno) -> MetaPath {
        guard let path = MetaPath(path) else { throw .EINVAL }
        return path
    }

    /// Appends `record` and applies it to the index, unless it would change nothing.
    /// EINVAL for a record the file cannot hold; I/O errors leave file and index as they were.
    private func change(_ record: MetaRecord) throws(Errno) {
        guard record.problem == nil else { throw .EINVAL }
        try state.withLock { (state) throws(Errno) in
            if state.index.isNoOp(record) { return }
            var bytes: [UInt8] = []
            MetaFormat.encode(record, into: &bytes)
            try state.file.append(bytes)
            state.index.apply(record)
            state.compactIfNeeded(storageRoot: storageRoot)
        }
    }
}
