import MinifoSystem

/// What CREATE, MKNOD, MKDIR and SYMLINK make.
public enum NewObject: Sendable {
    /// A regular file, opened for reading and writing (a passthrough backing file must read
    /// too) with the other open(2) flags of these (no O_CREAT/O_EXCL needed).
    case file(flags: Int32)
    case directory
    case symlink(target: [UInt8])
    /// A FIFO, socket, device or empty regular file, with its device number.
    case node(device: UInt64)
}

extension Overlay {
    /// Creates `name` in `parent` in storage, owned by the caller (the group passed down by a
    /// set-group-ID directory, as natively). `mode` has the type bits and the umask applied.
    /// Returns the new entry and, for a file, its open descriptor. The object is made private in
    /// the work directory, given its owner and mode, and only then renamed into place, so no
    /// one sees it, even after a crash, with another owner or mode.
    public func create(_ name: some Collection<UInt8>, in parent: RelativePath, _ object: NewObject,
                       mode: UInt32, caller: Caller) throws(Errno) -> (RelativePath, Entry, fd: StorageDescriptor?) {
        if name.count > 255 { throw .ENAMETOOLONG }
        guard Names.isValid(name) else { throw .EINVAL }
        if Names.isMeta(name, in: parent) { throw .EPERM }
        let path = parent.appending(name)
        let directory = try lookup(parent)
        guard directory.stat.fileType == .directory else { throw .ENOTDIR }
        if (try? lookup(path)) != nil { throw .EEXIST }
        if directory.layer != .storage { try copyUp(parent) }
        let setGroup = directory.stat.mode & 0o2000 != 0
        let group = setGroup ? directory.stat.gid : caller.gid
        // A directory made in a set-group-ID directory is set-group-ID too.
        var mode = mode
        if case .directory = object, setGroup { mode |= 0o2000 }
        let temporary = try workName()
        var fd: StorageDescriptor?
        switch object {
        case .file(let flags):
            let open = OpenFlags(rawValue: flags & ~(0o100 | 0o200 | 3)).union([.readWrite, .create, .exclusive, .noFollow])
            fd = try openat(work, temporary.bytes, open, mode: 0o600)
        case .directory:
            try makeDirectory(work, temporary.bytes, mode: 0o700)
        case .symlink(let target):
            try makeSymlink(work, temporary.bytes, target: target)
        case .node(let device):
            try makeNode(work, temporary.bytes, mode: (mode & 0o170000) | 0o600, device: device)
        }
        var placed = (work, temporary)
        do {
            // chown drops any set-ID bits the mode asks for, so the mode is set after it, exactly.
            // A new file's descriptor saves resolving the work path twice (and glibc's
            // /proc/self/fd detour for fchmodat without following symlinks).
            if let fd {
                try changeOwner(fd, [], uid: caller.uid, gid: group)
                try changeMode(fd, mode: mode & 0o7777)
            } else {
                try changeOwner(work, temporary.bytes, uid: caller.uid, gid: group)
                if case .symlink = object {} else { try changeMode(work, temporary.bytes, mode: mode & 0o7777) }
            }
            try MinifoSystem.rename(work, temporary.bytes, storage.root, path.bytes, flags: .noReplace)
            placed = (storage.root, path)
            if case .directory = object { storageDirectoryPlaced() }
            storageNameAdded(in: parent)
            if case .directory = object { subdirectoriesChanged(parent) }
            // A new file is its storage object alone: nothing below a name just made is in META.
            let entry = if let fd { try storageFileEntry(fd, location: path) } else { try lookup(path) }
            return (path, entry, fd)
        } catch {
            if let fd { close(fd) }
            try? removeName(placed.0, placed.1.bytes, directory: { if case .directory = object { return true } else { return false } }())
            throw error
        }
    }

    /// Opens `path` for writing (or reading and writing), copying it up first.
    public func openForWriting(_ path: RelativePath, flags: Int32) throws(Errno) -> (fd: StorageDescriptor, entry: Entry) {
        let entry = try lookup(path)
        switch entry.stat.fileType {
        case .directory: throw .EISDIR
        case .symlink: throw .ELOOP
        default: break
        }
        try copyUp(path)
        let open = OpenFlags(rawValue: flags & ~(0o100 | 0o200)).union([.noFollow])
        let fd = try openat(storage.root, path.bytes, open)
        return (fd, try lookup(path))
    }

    /// TMPFILE: an unnamed file in storage, owned by the caller, for open(2) with O_TMPFILE in
    /// the directory `parent`. It gets a name only if LINK gives it one (`link(openFile:)`).
    public func createUnnamed(in parent: RelativePath, flags: Int32, mode: UInt32, caller: Caller) throws(Errno) -> (fd: StorageDescriptor, Entry) {
        let directory = try lookup(parent)
        guard directory.stat.fileType == .directory else { throw .ENOTDIR }
        let group = directory.stat.mode & 0o2000 != 0 ? directory.stat.gid : caller.gid
        let open = OpenFlags(rawValue: flags & 3).union([.temporaryFile])
        let fd = try openat(storage.root, Names.work, open, mode: mode & 0o7777)
        do {
            try changeOwner(fd, [], uid: caller.uid, gid: group)
            try changeMode(fd, mode: mode & 0o7777)
            return (fd, try storageFileEntry(fd, location: RelativePath(bytes: Names.work)))
        } catch {
            close(fd)
            throw error
        }
    }

    /// LINK of an open file that has no name in storage (O_TMPFILE).
    public func link(openFile fd: StorageDescriptor, as name: some Collection<UInt8>, in parent: RelativePath) throws(Errno) -> (RelativePath, Entry) {
        if name.count > 255 { throw .ENAMETOOLONG }
        guard Names.isValid(name) else { throw .EINVAL }
        if Names.isMeta(name, in: parent) { throw .EPERM }
        let newPath = parent.appending(name)
        if (try? lookup(newPath)) != nil { throw .EEXIST }
        try copyUp(parent)
        try makeLink(fd, storage.root, newPath.bytes)
        storageNameAdded(in: parent)
        return (newPath, try lookup(newPath))
    }

    /// LINK: a new name in storage for the object at `path`, which is copied up first.
    public func link(_ path: RelativePath, as name: some Collection<UInt8>, in parent: RelativePath) throws(Errno) -> (RelativePath, Entry) {
        if name.count > 255 { throw .ENAMETOOLONG }
        guard Names.isValid(name) else { throw .EINVAL }
        if Names.isMeta(name, in: parent) { throw .EPERM }
        let newPath = parent.appending(name)
        if (try? lookup(newPath)) != nil { throw .EEXIST }
        let source = try lookup(path)
        guard source.stat.fileType != .directory else { throw .EPERM }
        try copyUp(path)
        try copyUp(parent)
        if source.stat.fileType != .directory { try makeLinkGroup(path, inode: source.stat.inode) }
        // Both names are one file: the new one reports the inode number the first one has,
        // recorded with the link prepared and committed around it (`MetaStore.prepare`).
        let object = try lstatat(storage.root, path.bytes)
        var batch = MetaBatch()
        if inodes.number(device: object.device, inode: object.inode, in: .storage) != source.stat.inode {
            try batch.setInode(newPath, source.stat.inode)
            try batch.expect(newPath, holds: true, inode: object.inode)
        }
        let id = batch.isEmpty ? nil : try meta.prepare(batch)
        do {
            try makeLink(storage.root, path.bytes, storage.root, newPath.bytes)
        } catch {
            if let id { meta.commit(id, applied: false) }
            throw error
        }
        if let id { meta.commit(id, applied: true) }
        storageNameAdded(in: parent)
        return (newPath, try lookup(newPath))
    }

    /// The entry of a storage file open as `fd` that has nothing recorded in META and is
    /// known by one name, `location`: a file just made.
    private func storageFileEntry(_ fd: StorageDescriptor, location: RelativePath) throws(Errno) -> Entry {
        var stat = try fstat(fd)
        stat.inode = inodes.number(device: stat.device, inode: stat.inode, in: .storage)
        return Entry(layer: .storage, stat: stat, layerObject: stat.inode, location: location, basePath: nil, merged: false)
    }
}
