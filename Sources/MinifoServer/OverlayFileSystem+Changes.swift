import FUSEProtocol
import FUSETransport
import MinifoSystem
import OverlayCore

extension OverlayFileSystem {
    /// CREATE, MKNOD, MKDIR and SYMLINK: the new object's entry, with one lookup counted.
    func create(_ name: ArraySlice<UInt8>, in parent: UInt64, _ object: NewObject, mode: UInt32,
                _ header: RequestHeader, _ reply: inout ReplyContext) throws(Errno) -> Created {
        let caller = Caller(uid: header.uid, gid: header.gid)
        let (path, entry, fd) = try overlay.create(name, in: try nodes.path(of: parent), object, mode: mode, caller: caller)
        let nodeID = nodes.entryNodeID(for: entry, created: true)
        nodes.remember(nodeID, parent: parent, name: name, inode: entry.stat.inode, type: entry.stat.fileType)
        reply.grantedLookups.append(nodeID)
        return Created(out: entryOut(nodeID, entry), path: path, entry: entry, fd: fd)
    }

    func link(_ node: UInt64, as name: ArraySlice<UInt8>, in parent: UInt64, _ reply: inout ReplyContext) throws(Errno) -> EntryOut {
        let parentPath = try nodes.path(of: parent)
        let entry: Entry
        do {
            (_, entry) = try overlay.link(try nodes.path(of: node), as: name, in: parentPath)
        } catch .ENOENT {
            // An O_TMPFILE file, or one whose names are all gone, linked through its descriptor.
            // A base file is never linked into storage (a name there would write it): natively a
            // file whose names are all gone cannot be linked either.
            guard case .storage(let fd)? = nodes.openDescriptor(node) else { throw .ENOENT }
            (_, entry) = try overlay.link(openFile: fd, as: name, in: parentPath)
        }
        let nodeID = nodes.nodeID(for: entry.identity)
        nodes.remember(nodeID, parent: parent, name: name, inode: entry.stat.inode, type: entry.stat.fileType)
        reply.grantedLookups.append(nodeID)
        return entryOut(nodeID, entry)
    }

    /// TMPFILE: an unnamed file, opened, whose node has no path until LINK names it.
    func createUnnamed(in parent: UInt64, _ request: CreateIn, _ header: RequestHeader, _ reply: inout ReplyContext) throws(Errno) {
        let caller = Caller(uid: header.uid, gid: header.gid)
        let (fd, entry) = try overlay.createUnnamed(in: try nodes.path(of: parent), flags: Int32(bitPattern: request.flags),
                                                    mode: request.mode, caller: caller)
        let nodeID = nodes.entryNodeID(for: entry, created: true)
        nodes.remember(nodeID, parent: NodeTable.rootID, name: Names.work + Array("/unnamed".utf8), inode: entry.stat.inode,
                       type: entry.stat.fileType)
        reply.grantedLookups.append(nodeID)
        var open = OpenOut(fileHandle: Self.fileHandle(.storage(fd)))
        if passthrough.load(ordering: .relaxed) {
            do {
                let id = try nodes.acquireBacking(nodeID, source: entry.layerObject) { () throws(Errno) -> Int32 in
                    try FUSEDevice.openBacking(reply.deviceFD, file: fd)
                }
                open = OpenOut(fileHandle: Self.fileHandle(.storage(fd)) | Self.passthroughHandle,
                               openFlags: Self.passthroughFlags(writing: true, mode: entry.stat.mode), backingID: id)
            } catch {
                close(fd)
                throw error
            }
        }
        nodes.opened(nodeID, .storage(fd))
        Reply.create(entryOut(nodeID, entry), open, unique: reply.unique, into: &reply.bytes)
    }

    /// RENAME and RENAME2; the moved nodes keep working under their new names.
    func rename(_ name: ArraySlice<UInt8>, in parent: UInt64, to newName: ArraySlice<UInt8>, in newParent: UInt64,
                flags: UInt32) throws(Errno) {
        let renameFlags = RenameFlags(rawValue: flags)
        guard renameFlags.subtracting([.noReplace, .exchange]).isEmpty,
              !(renameFlags.contains(.noReplace) && renameFlags.contains(.exchange)) else { throw .EINVAL }
        let parentPath = try nodes.path(of: parent)
        let newParentPath = try nodes.path(of: newParent)
        let moved = nodes.nodeIDs(for: try overlay.lookup(name, in: parentPath).1.identity)
        let target = try? overlay.lookup(newName, in: newParentPath).1
        let displaced = target.map { nodes.nodeIDs(for: $0.identity) } ?? []
        let survivor = try overlay.rename(name, in: parentPath, to: newName, in: newParentPath, flags: renameFlags)
        let displacedTo: NodeTable.Place = renameFlags.contains(.exchange) ? (parent, name)
            : survivor.map { (NodeTable.rootID, $0.bytes[...]) } ?? NodeTable.removed
        nodes.rename(moved, from: (parent, name), to: (newParent, newName), displaced: displaced, displacedTo: displacedTo,
                     lastStat: target?.stat)
        // A file with other names has a shared copy (`survivor`) that keeps it.
        if let target, survivor == nil, !renameFlags.contains(.exchange), !moved.contains(nodes.nodeID(for: target.identity)) {
            nodes.objectGone(target.identity, lastStat: target.stat)
        }
    }

    /// UNLINK and RMDIR. Nodes known by the removed name of a file that other names still show
    /// follow it to where those names find it; the others are left without a name.
    func remove(_ name: ArraySlice<UInt8>, in parent: UInt64, directory: Bool) throws(Errno) {
        let parentPath = try nodes.path(of: parent)
        let entry = try overlay.lookup(name, in: parentPath).1
        let removed = nodes.nodeIDs(for: entry.identity)
        let survivor = try overlay.remove(name, in: parentPath, directory: directory)
        nodes.rename(removed, from: (parent, name),
                     to: survivor.map { (NodeTable.rootID, $0.bytes[...]) } ?? NodeTable.removed, lastStat: entry.stat)
        if survivor == nil { nodes.objectGone(entry.identity, lastStat: entry.stat) }
    }

    func setAttributes(_ node: UInt64, _ request: SetattrIn) throws(Errno) -> Attr {
        var change = AttributeChange()
        if request.valid.contains(.mode) { change.mode = request.mode }
        if request.valid.contains(.uid) { change.uid = request.uid }
        if request.valid.contains(.gid) { change.gid = request.gid }
        if request.valid.contains(.size) { change.size = Int64(bitPattern: request.size) }
        change.dropsSetID = request.valid.contains(.killSuidgid)
        if request.valid.contains(.atimeNow) {
            change.accessTime = .now
        } else if request.valid.contains(.atime) {
            change.accessTime = .set(Timespec(seconds: request.atime, nanoseconds: Int64(request.atimeNsec)))
        }
        if request.valid.contains(.mtimeNow) {
            change.modificationTime = .now
        } else if request.valid.contains(.mtime) {
            change.modificationTime = .set(Timespec(seconds: request.mtime, nanoseconds: Int64(request.mtimeNsec)))
        }
        // The kernel sends a handle with a truncation of an open file (ftruncate(2), O_TRUNC),
        // which is open for writing, so in storage.
        let fd = request.valid.contains(.fileHandle) ? try Self.storageDescriptor(request.fileHandle) : nil
        do throws(Errno) {
            let path = try nodes.path(of: node)
            // As in GETATTR: a rename in another thread may have just put another object here.
            guard nodes.isNode(node, of: try overlay.lookup(path)) else { throw .ESTALE }
            return Attr(try overlay.changeAttributes(path, change, fd: fd).stat)
        } catch .ENOENT, .ESTALE {
            // truncate(2) of a name that is gone or holds another object by now (ftruncate(2)
            // carries a file handle): ESTALE makes the VFS look the name up again, where
            // truncating through some read-only descriptor of the node would answer EINVAL.
            if change.size != nil && fd == nil { throw .ESTALE }
            // Every name of the file is gone; a descriptor open on it still changes it. A FIFO,
            // device or directory has none here, and nothing but its fstat(2) can show it.
            guard let open = fd.map(LayerFile.storage) ?? nodes.openDescriptor(node) else {
                return Attr(try nodes.changeLastStat(of: node) { $0.apply(change) })
            }
            guard case .storage(let storageFD) = open else { throw .EPERM }
            var stat = try overlay.changeAttributes(openFile: storageFD, change)
            stat.inode = nodes.inode(of: node) ?? stat.inode
            return Attr(stat)
        }
    }

    /// WRITE, when passthrough is off for this file. Set-ID bits go first, as natively.
    func write(_ request: WriteIn, _ data: ArraySlice<UInt8>) throws(Errno) -> UInt32 {
        let fd = try Self.storageDescriptor(request.fileHandle)
        if request.killSuidgid { try overlay.dropSetID(openFile: fd) }
        return UInt32(try pwrite(fd, data, offset: Int64(bitPattern: request.offset)))
    }

    func copyFileRange(_ request: CopyFileRangeIn) throws(Errno) -> UInt64 {
        UInt64(try copyRange(from: Self.descriptor(request.fileHandleIn), at: Int64(bitPattern: request.offsetIn),
                             to: try Self.storageDescriptor(request.fileHandleOut), at: Int64(bitPattern: request.offsetOut),
                             count: Int(min(request.length, 1 << 30))))
    }

    /// The file handle of an open `file`: its descriptor number, and whether it is in storage.
    static func fileHandle(_ file: LayerFile) -> UInt64 {
        let number = UInt64(UInt32(bitPattern: file.readOnly.rawValue))
        if case .storage = file { return number | storageHandle }
        return number
    }

    /// The descriptor of a file handle, for reading.
    static func descriptor(_ fileHandle: UInt64) -> Descriptor<ReadOnly> {
        Descriptor(unchecked: Int32(truncatingIfNeeded: fileHandle & 0xffff_ffff))
    }

    /// The storage descriptor of a file handle; EBADF for one of a base file, which is open
    /// for reading only.
    static func storageDescriptor(_ fileHandle: UInt64) throws(Errno) -> StorageDescriptor {
        guard fileHandle & storageHandle != 0 else { throw .EBADF }
        return StorageDescriptor(unchecked: Int32(truncatingIfNeeded: fileHandle & 0xffff_ffff))
    }
}

/// A new object as CREATE needs it for its OPEN half.
struct Created {
    var out: EntryOut
    var path: RelativePath
    var entry: Entry
    var fd: StorageDescriptor?
}

extension NewObject {
    /// MKNOD's object for a mode and a device number in the kernel's new_encode_dev() form.
    static func node(mode: UInt32, rdev: UInt32) -> NewObject {
        let major = UInt64((rdev & 0xfff00) >> 8)
        let minor = UInt64((rdev & 0xff) | ((rdev >> 12) & 0xfff00))
        let device = ((major & 0xfff) << 8) | (minor & 0xff) | ((major & ~0xfff) << 32) | ((minor & ~0xff) << 12)
        return .node(device: device)
    }
}

extension FileStat {
    /// SETATTR applied to attributes held in memory only.
    mutating func apply(_ change: AttributeChange) {
        if let mode = change.mode { self.mode = (self.mode & 0o170000) | (mode & 0o7777) }
        if let uid = change.uid { self.uid = uid }
        if let gid = change.gid { self.gid = gid }
        if let size = change.size { self.size = size }
        if let time = change.accessTime.resolved { accessTime = time }
        if let time = change.modificationTime.resolved { modificationTime = time }
    }
}
