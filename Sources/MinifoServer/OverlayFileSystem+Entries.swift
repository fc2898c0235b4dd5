import FUSEProtocol
import MinifoSystem
import OverlayCore

extension OverlayFileSystem {
    /// LOOKUP: finds `name` in the directory `parent` and counts one lookup of the result.
    func lookup(_ name: some Collection<UInt8>, in parent: UInt64) throws(Errno) -> EntryOut {
        let (_, entry) = try overlay.lookup(name, in: try nodes.path(of: parent))
        let nodeID = nodes.entryNodeID(for: entry)
        nodes.remember(nodeID, parent: parent, name: name, inode: entry.stat.inode, type: entry.stat.fileType)
        return entryOut(nodeID, entry)
    }

    /// The answer to a LOOKUP of a name that is not there: node ID 0 with the entry timeout,
    /// which the kernel keeps as a negative entry, so stat(2) or open(2) of the name again
    /// within the timeout makes no round trip.
    var missingEntry: EntryOut {
        EntryOut(nodeID: 0, entryValid: cacheSeconds, attrValid: 0, entryValidNsec: cacheNanoseconds, attr: Attr())
    }

    func entryOut(_ nodeID: UInt64, _ entry: Entry) -> EntryOut {
        EntryOut(nodeID: nodeID, entryValid: cacheSeconds, attrValid: cacheSeconds,
                 entryValidNsec: cacheNanoseconds, attrValidNsec: cacheNanoseconds, attr: Attr(entry.stat))
    }

    /// GETATTR. A file whose name was removed while it is open is answered from an open
    /// descriptor, as a native filesystem answers fstat(2) of an unlinked file.
    func attributes(_ node: UInt64, _ request: GetattrIn) throws(Errno) -> Attr {
        do throws(Errno) {
            let entry = try overlay.lookup(try nodes.path(of: node))
            // A rename in another thread may have just put another object under the node's
            // name: its attributes (another type, perhaps) are not the node's. ESTALE, when
            // nothing else answers for the node, makes the VFS look the name up again.
            guard nodes.isNode(node, of: entry) else { throw .ESTALE }
            return Attr(entry.stat)
        } catch .ENOENT, .ESTALE {
            let fd = request.hasFileHandle ? Self.descriptor(request.fileHandle) : nodes.openDescriptor(node)?.readOnly
            // FIFOs, sockets, devices and directories have no descriptor here.
            guard let fd else {
                do {
                    return Attr(try nodes.lastStat(of: node))
                } catch {
                    throw Errno.ESTALE
                }
            }
            var stat = try fstat(fd)
            stat.inode = nodes.inode(of: node) ?? stat.inode
            return Attr(stat)
        }
    }

    /// READLINK, sent for a symlink's node only. A rename in another thread may have just put
    /// another object under the node's name, whose target (or EINVAL, for no symlink) is not the
    /// node's: ESTALE makes the VFS look the name up again.
    func readLink(_ node: UInt64) throws(Errno) -> [UInt8] {
        let entry = try overlay.lookup(try nodes.path(of: node))
        guard nodes.isNode(node, of: entry) else { throw .ESTALE }
        do throws(Errno) {
            return try overlay.readLink(entry)
        } catch .EINVAL {
            throw .ESTALE
        }
    }

    /// ACCESS, sent only when the kernel does not check permissions itself.
    func access(_ node: UInt64, mask: UInt32, uid: UInt32, gid: UInt32) throws(Errno) {
        let entry = try overlay.lookup(try nodes.path(of: node))
        if mask & Permissions.write != 0 { throw .EROFS }
        if !Permissions.allows(entry.stat, uid: uid, gid: gid, mask: mask) { throw .EACCES }
    }
}

extension Attr {
    /// fuse_attr from a stat whose inode is already the mount's number.
    init(_ stat: FileStat) {
        self.init(
            ino: stat.inode, size: UInt64(bitPattern: stat.size), blocks: UInt64(bitPattern: stat.blocks),
            atime: stat.accessTime.seconds, mtime: stat.modificationTime.seconds, ctime: stat.changeTime.seconds,
            atimeNsec: UInt32(truncatingIfNeeded: stat.accessTime.nanoseconds),
            mtimeNsec: UInt32(truncatingIfNeeded: stat.modificationTime.nanoseconds),
            ctimeNsec: UInt32(truncatingIfNeeded: stat.changeTime.nanoseconds),
            mode: stat.mode, nlink: UInt32(truncatingIfNeeded: stat.linkCount), uid: stat.uid, gid: stat.gid,
            rdev: Self.encodeDevice(stat.rdev), blksize: UInt32(truncatingIfNeeded: stat.blockSize))
    }

    /// The kernel's new_encode_dev(), from glibc's 64-bit dev_t.
    static func encodeDevice(_ device: UInt64) -> UInt32 {
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)
        let minor = (device & 0xff) | ((device >> 12) & ~0xff)
        return UInt32(truncatingIfNeeded: (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12))
    }
}

extension StatfsOut {
    init(_ stats: FileSystemStats) {
        self.init(blocks: stats.blocks, bfree: stats.freeBlocks, bavail: stats.availableBlocks,
                  files: stats.files, ffree: stats.freeFiles, bsize: stats.blockSize,
                  namelen: stats.maxNameLength, frsize: stats.fragmentSize)
    }
}
