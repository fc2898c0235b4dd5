import MinifoSystem

/// The entries of one directory, read in pieces across READDIR calls.
///
/// A directory in one layer only is streamed from that layer, and positions are the
/// filesystem's own `d_off` cookies. A directory in both layers is listed once when opened:
/// storage entries, then base entries storage does not hide; positions are indexes into that
/// listing. Either way a reader can resume wherever it stopped.
public final class DirectoryStream {
    public struct Item {
        public var name: [UInt8]
        /// The layer's inode number for the entry; LOOKUP gives the mount's own.
        public var inode: UInt64
        /// A `DT_*` value.
        public var type: UInt32
        /// Where the next READDIR resumes after this entry.
        public var nextOffset: Int64
    }

    private let reader: DirectoryReader?
    private var position: Int64 = 0
    private let items: [Item]
    private let hidesMeta: Bool

    init(single reader: DirectoryReader, hidesMeta: Bool) {
        self.reader = reader
        self.items = []
        self.hidesMeta = hidesMeta
    }

    init(listed items: [Item]) {
        self.reader = nil
        self.items = items
        self.hidesMeta = false
    }

    /// Whether the kernel may keep this listing until the directory's modification time, as
    /// `lookup` reports it, changes: true for a directory streamed from one layer, whose own
    /// time moves with every name it gains or loses, base changes included. Not for the root
    /// (its time is the base root's, and storage's entries are listed too), nor for a listing
    /// merged with storage or META, whose time one layer alone does not follow.
    public var isCacheable: Bool { reader != nil && !hidesMeta }

    /// The entry at or after `offset` (0 is the start, else a previous item's `nextOffset`).
    public func next(from offset: Int64) throws(Errno) -> Item? {
        guard let reader else {
            guard offset >= 0, offset < items.count else { return nil }
            return items[Int(offset)]
        }
        if offset != position {
            try reader.seek(to: offset)
            position = offset
        }
        while let entry = try reader.next() {
            position = entry.nextOffset
            if hidesMeta && Names.isMeta(entry.name, in: .root) { continue }
            return Item(name: entry.name, inode: entry.inode, type: UInt32(entry.type), nextOffset: entry.nextOffset)
        }
        return nil
    }
}

extension Overlay {
    /// Opens the directory at `path` for listing. A directory that lives in one layer with
    /// nothing recorded below it is streamed; any other is listed once, merging storage entries
    /// with the base entries that META does not hide.
    public func openDirectory(_ path: RelativePath) throws(Errno) -> DirectoryStream {
        try openDirectory(path, try resolve(path))
    }

    /// How many subdirectories the merged directory at `path` lists.
    func subdirectoryCount(_ path: RelativePath, _ entry: Entry) throws(Errno) -> UInt64 {
        let stream = try openDirectory(path, entry)
        var count: UInt64 = 0
        var offset: Int64 = 0
        while let item = try stream.next(from: offset) {
            if item.type == FileType.directory.directoryEntryType && !(item.name == [0x2E] || item.name == [0x2E, 0x2E]) {
                count += 1
            }
            offset = item.nextOffset
        }
        return count
    }

    private func openDirectory(_ path: RelativePath, _ entry: Entry) throws(Errno) -> DirectoryStream {
        guard entry.stat.fileType == .directory else { throw .ENOTDIR }
        if !entry.merged && (entry.layer == .storage || !meta.hasRecords(below: path)) {
            let fd = try openat(root(entry.layer), entry.location.bytes, [.directory, .noFollow])
            return DirectoryStream(single: DirectoryReader(owning: fd), hidesMeta: path.isRoot)
        }
        var items: [DirectoryStream.Item] = []
        var seen = Set<[UInt8]>()
        let hidden = meta.deletedNames(in: path)
        var sources: [(root: Descriptor<ReadOnly>, location: RelativePath, isBase: Bool)] = []
        if entry.layer == .storage || entry.merged { sources.append((storage.root.readOnly, path, false)) }
        if let basePath = entry.merged || entry.layer == .base ? entry.basePath : nil { sources.append((base.root.readOnly, basePath, true)) }
        for source in sources {
            let reader = DirectoryReader(owning: try openat(source.root, source.location.bytes, [.directory, .noFollow]))
            while let item = try reader.next() {
                if Names.isMeta(item.name, in: path) { continue }
                if source.isBase && !item.isDotOrDotDot && hidden.contains(item.name) { continue }
                guard seen.insert(item.name).inserted else { continue }
                items.append(DirectoryStream.Item(name: item.name, inode: item.inode, type: UInt32(item.type),
                                                  nextOffset: Int64(items.count + 1)))
            }
        }
        return DirectoryStream(listed: items)
    }
}
