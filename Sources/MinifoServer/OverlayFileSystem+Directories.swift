import FUSEProtocol
import FUSETransport
import MinifoSystem
import OverlayCore

extension OverlayFileSystem {
    /// READDIR and READDIRPLUS: as many entries from `read.offset` on as fit in `read.size`.
    /// READDIRPLUS counts a lookup for every entry it returns, except "." and "..", which the
    /// kernel does not instantiate.
    func readDirectory(_ node: UInt64, _ read: ReadIn, plus: Bool, _ reply: inout ReplyContext) throws(Errno) {
        guard let handle = directories.handle(read.fileHandle) else { throw .EBADF }
        let parent = plus ? overlay.openForLookups(try nodes.path(of: node)) : nil
        var encoder = DirentEncoder(maxSize: Int(read.size), plus: plus)
        try handle.stream.withLock { (stream) throws(Errno) in
            var offset = Int64(bitPattern: read.offset)
            while let item = try stream.next(from: offset) {
                var entry: EntryOut?
                var inode = item.inode
                if let parent, !(item.name == [0x2E] || item.name == [0x2E, 0x2E]) {
                    if let found = try? overlay.lookup(item.name, in: parent) {
                        let nodeID = nodes.entryNodeID(for: found)
                        entry = entryOut(nodeID, found)
                        inode = found.stat.inode
                    }
                }
                guard encoder.append(ino: inode, offset: UInt64(bitPattern: item.nextOffset), type: item.type, name: item.name, entry: entry) else {
                    break
                }
                if let entry {
                    nodes.remember(entry.nodeID, parent: node, name: item.name, inode: entry.attr.ino,
                                   type: FileType(mode: entry.attr.mode))
                    reply.grantedLookups.append(entry.nodeID)
                }
                offset = item.nextOffset
            }
        }
        encoder.encode(unique: reply.unique, into: &reply.bytes)
    }
}
