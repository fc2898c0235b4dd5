import FUSEProtocol
import FUSETransport
import MinifoSystem
import OverlayCore
import Synchronization

/// The overlay served over FUSE: maps node IDs and file handles onto `Overlay` paths.
///
/// Lock order: `namespace`, then `directories`, then a directory handle's stream, then `nodes`.
public final class OverlayFileSystem: FileSystemHandler {
    let overlay: Overlay
    let nodes: NodeTable
    /// Requests turn node IDs into paths, which a rename changes for the renamed object and
    /// everything below it, while the kernel locks only the two parents. Renames (and reverts)
    /// hold this exclusively, and every other request that goes by path holds it shared from
    /// the node's path to its reply, so no request acts on a path that names another object.
    let namespace = ReadWriteLock()
    let directories = DirectoryHandles()
    let cacheSeconds: UInt64
    let cacheNanoseconds: UInt32
    /// Whether opens use FUSE passthrough: wanted by the mount, offered by the kernel, and
    /// not refused by it (BACKING_OPEN needs CAP_SYS_ADMIN).
    let passthrough = Atomic<Bool>(false)
    private let passthroughWanted: Bool
    /// Descriptors opened read-only on a base file see the data of a later copy-up, as on a
    /// native filesystem: such opens use direct I/O and READ follows the copy.
    let coherent: Bool

    public init(overlay: Overlay, cacheTimeout: Double, passthrough: Bool, coherent: Bool) throws(Errno) {
        self.overlay = overlay
        let root = try overlay.lookup(.root)
        nodes = NodeTable(rootIdentity: root.identity)
        cacheSeconds = UInt64(cacheTimeout)
        cacheNanoseconds = UInt32((cacheTimeout - Double(UInt64(cacheTimeout))) * 1e9)
        passthroughWanted = passthrough
        self.coherent = coherent
    }

    /// FUSE_HANDLE_KILLPRIV_V2: without it the kernel asks for security.capability (GETXATTR)
    /// before every write, since only with it does FUSE set SB_NOSEC; with it the daemon drops
    /// set-ID bits where WRITE, SETATTR and OPEN say so (KILL_SUIDGID), and storage drops
    /// security.capability on a write, truncation or chown by itself.
    /// No FUSE_ATOMIC_O_TRUNC: open(O_TRUNC) then truncates through a SETATTR, which carries
    /// FATTR_KILL_SUIDGID like any truncation.
    public var wantedFlags: InitFlags {
        var flags: InitFlags = [
            .asyncRead, .bigWrites, .doReaddirplus, .readdirplusAuto, .parallelDirops,
            .maxPages, .cacheSymlinks, .autoInvalData, .asyncDio, .handleKillprivV2, .initExt,
        ]
        if passthroughWanted { flags.insert(.passthrough) }
        return flags
    }

    public func sessionStarted(_ negotiated: InitOut) {
        passthrough.store(negotiated.flags.contains(.passthrough), ordering: .relaxed)
    }

    public func forget(_ nodeID: UInt64, count: UInt64) {
        nodes.forget(nodeID, count: count)
    }

    public func handle(_ header: RequestHeader, _ request: Request, _ reply: inout ReplyContext) {
        do throws(Errno) {
            switch Self.namespaceUse(request) {
            case .exclusive: try namespace.withWriteLock { () throws(Errno) in try serve(header, request, &reply) }
            case .shared: try namespace.withReadLock { () throws(Errno) in try serve(header, request, &reply) }
            case .none: try serve(header, request, &reply)
            }
        } catch {
            reply.bytes.removeAll(keepingCapacity: true)
            reply.payloadCount = 0
            reply.grantedLookups.removeAll(keepingCapacity: true)
            // The kernel follows symlinks itself, so a request never meets one on its way but
            // when the node's path has just changed under it (a rename in another thread put a
            // symlink where a directory was): ESTALE makes the VFS look the names up again.
            Reply.error(error == .ELOOP ? Errno.ESTALE.rawValue : error.rawValue, unique: header.unique, into: &reply.bytes)
        }
    }

    private enum NamespaceUse { case none, shared, exclusive }

    /// How a request holds `namespace`: renames change paths, requests by descriptor use none.
    private static func namespaceUse(_ request: Request) -> NamespaceUse {
        switch request {
        case .rename, .rename2: .exclusive
        case .read(let read): read.fileHandle & followsCopyUp != 0 ? .shared : .none
        case .write, .flush, .fsync, .release, .releasedir, .lseek, .statfs, .syncfs: .none
        default: .shared
        }
    }

    private func serve(_ header: RequestHeader, _ request: Request, _ reply: inout ReplyContext) throws(Errno) {
        let unique = header.unique
        let node = header.nodeID
        switch request {
        case .lookup(let name):
            do {
                let entry = try lookup(name, in: node)
                reply.grantedLookups.append(entry.nodeID)
                Reply.entry(entry, unique: unique, into: &reply.bytes)
            } catch .ENOENT {
                Reply.entry(missingEntry, unique: unique, into: &reply.bytes)
            }
        case .getattr(let getattr):
            Reply.attr(try attributes(node, getattr), validSeconds: cacheSeconds, validNsec: cacheNanoseconds, unique: unique, into: &reply.bytes)
        case .readlink:
            Reply.bytes(try readLink(node), unique: unique, into: &reply.bytes)
        case .access(let mask):
            try access(node, mask: mask, uid: header.uid, gid: header.gid)
            Reply.error(0, unique: unique, into: &reply.bytes)
        case .statfs:
            Reply.statfs(StatfsOut(try overlay.fileSystemStatistics()), unique: unique, into: &reply.bytes)
        case .open(let open):
            Reply.open(try self.open(node, open, deviceFD: reply.deviceFD), unique: unique, into: &reply.bytes)
        case .read(let read):
            try self.read(node, read, into: &reply)
        case .lseek(let seek):
            let offset = try MinifoSystem.seek(Self.descriptor(seek.fileHandle), offset: Int64(bitPattern: seek.offset), whence: Int32(seek.whence))
            Reply.lseek(offset: UInt64(offset), unique: unique, into: &reply.bytes)
        case .flush:
            // Nothing waits for close(2) here: no locks are kept and writes are in storage
            // already. ENOSYS makes the kernel stop sending FLUSH (fc->no_flush), which saves
            // every close(2) a round trip.
            throw .ENOSYS
        case .fsync(let fsync):
            // META holds the file's metadata while it is still in the base (chmod, xattrs).
            try synchronize(Self.descriptor(fsync.fileHandle), dataOnly: fsync.dataOnly)
            try overlay.meta.sync()
            Reply.error(0, unique: unique, into: &reply.bytes)
        case .release(let release):
            self.release(node, fileHandle: release.fileHandle, deviceFD: reply.deviceFD)
            Reply.error(0, unique: unique, into: &reply.bytes)
        case .opendir:
            // The kernel checks a kept listing against the directory's mtime at each opendir
            // (after the attribute timeout); changes through the mount and a revert's
            // FUSE_NOTIFY_INVAL_INODE drop it. Without KEEP_CACHE each opendir drops it.
            let stream = try overlay.openDirectory(try nodes.path(of: node))
            let flags: FUSEProtocol.OpenFlags = stream.isCacheable ? [.cacheDir, .keepCache] : []
            let handle = directories.open(stream)
            Reply.open(OpenOut(fileHandle: handle, openFlags: flags), unique: unique, into: &reply.bytes)
        case .readdir(let read):
            try readDirectory(node, read, plus: false, &reply)
        case .readdirplus(let read):
            try readDirectory(node, read, plus: true, &reply)
        case .releasedir(let release):
            directories.close(release.fileHandle)
            Reply.error(0, unique: unique, into: &reply.bytes)
        case .fsyncdir:
            try overlay.synchronizeDirectory(try nodes.path(of: node))
            Reply.error(0, unique: unique, into: &reply.bytes)
        case .getxattr(let get, let name):
            let (size, value) = try overlay.extendedAttribute(try nodes.path(of: node), name: name, capacity: Int(get.size))
            if get.size == 0 {
                Reply.xattrSize(UInt32(size), unique: unique, into: &reply.bytes)
            } else {
                Reply.bytes(value, unique: unique, into: &reply.bytes)
            }
        case .listxattr(let capacity):
            let (size, names) = try overlay.extendedAttributeNames(try nodes.path(of: node), capacity: Int(capacity))
            if capacity == 0 {
                Reply.xattrSize(UInt32(size), unique: unique, into: &reply.bytes)
            } else {
                Reply.bytes(names, unique: unique, into: &reply.bytes)
            }
        case .create(let create, let name):
            let created = try self.create(name, in: node, .file(flags: Int32(bitPattern: create.flags)), mode: create.mode, header, &reply)
            guard let fd = created.fd else { throw .EIO }
            let open: OpenOut
            do {
                // FUSE_OPEN_KILL_SUIDGID needs nothing here: CREATE makes a new file or fails
                // with EEXIST, and never truncates one.
                open = try openOut(created.out.nodeID, created.path, .storage(fd), created.entry,
                                   writing: create.flags & 3 != 0, deviceFD: reply.deviceFD, fdIsBacking: true)
            } catch {
                close(fd)
                throw error
            }
            nodes.opened(created.out.nodeID, .storage(fd))
            Reply.create(created.out, open, unique: unique, into: &reply.bytes)
        case .mknod(let mknod, let name):
            let object: NewObject = mknod.mode & 0o170000 == 0o100000 ? .node(device: 0) : .node(mode: mknod.mode, rdev: mknod.rdev)
            Reply.entry(try create(name, in: node, object, mode: mknod.mode, header, &reply).out, unique: unique, into: &reply.bytes)
        case .mkdir(let mkdir, let name):
            Reply.entry(try create(name, in: node, .directory, mode: mkdir.mode, header, &reply).out, unique: unique, into: &reply.bytes)
        case .symlink(let name, let target):
            Reply.entry(try create(name, in: node, .symlink(target: Array(target)), mode: 0o777, header, &reply).out, unique: unique, into: &reply.bytes)
        case .link(let link, let name):
            Reply.entry(try self.link(link.oldNodeID, as: name, in: node, &reply), unique: unique, into: &reply.bytes)
        case .setattr(let setattr):
            Reply.attr(try setAttributes(node, setattr), validSeconds: cacheSeconds, validNsec: cacheNanoseconds, unique: unique, into: &reply.bytes)
        case .write(let write, let data):
            Reply.write(size: try self.write(write, data), unique: unique, into: &reply.bytes)
        case .setxattr(let set, let name, let value):
            try overlay.setExtendedAttribute(try nodes.path(of: node), name: name, value: value, flags: Int32(bitPattern: set.flags))
            Reply.error(0, unique: unique, into: &reply.bytes)
        case .removexattr(let name):
            try overlay.removeExtendedAttribute(try nodes.path(of: node), name: name)
            Reply.error(0, unique: unique, into: &reply.bytes)
        case .fallocate(let request):
            let fd = try Self.storageDescriptor(request.fileHandle)
            // With FUSE_HANDLE_KILLPRIV_V2 the kernel leaves dropping set-ID bits on fallocate(2)
            // to us without a KILL_SUIDGID flag: a caller other than root is taken to lack CAP_FSETID.
            if header.uid != 0 { try overlay.dropSetID(openFile: fd) }
            try allocate(fd, mode: Int32(bitPattern: request.mode),
                         offset: Int64(bitPattern: request.offset), length: Int64(bitPattern: request.length))
            Reply.error(0, unique: unique, into: &reply.bytes)
        case .copyFileRange(let request):
            // As for FALLOCATE: no flag says whether the caller lacks CAP_FSETID.
            if header.uid != 0 { try overlay.dropSetID(openFile: try Self.storageDescriptor(request.fileHandleOut)) }
            Reply.write(size: UInt32(try copyFileRange(request)), unique: unique, into: &reply.bytes)
        case .unlink(let name):
            try remove(name, in: node, directory: false)
            Reply.error(0, unique: unique, into: &reply.bytes)
        case .rmdir(let name):
            try remove(name, in: node, directory: true)
            Reply.error(0, unique: unique, into: &reply.bytes)
        case .tmpfile(let create):
            try createUnnamed(in: node, create, header, &reply)
        case .rename(let rename, let oldName, let newName):
            try self.rename(oldName, in: node, to: newName, in: rename.newDir, flags: 0)
            Reply.error(0, unique: unique, into: &reply.bytes)
        case .rename2(let rename, let oldName, let newName):
            try self.rename(oldName, in: node, to: newName, in: rename.newDir, flags: rename.flags)
            Reply.error(0, unique: unique, into: &reply.bytes)
        case .syncfs:
            try overlay.meta.sync()
            Reply.error(0, unique: unique, into: &reply.bytes)
        default:
            throw .ENOSYS
        }
    }
}
