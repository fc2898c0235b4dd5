import MinifoSystem

/// The changes SETATTR asks for; nil leaves a field alone.
public struct AttributeChange: Sendable {
    public var mode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    public var size: Int64?
    public var accessTime: TimeChange = .omit
    public var modificationTime: TimeChange = .omit
    /// Clears set-ID bits as `Permissions.droppingSetID` does, after the other changes (a
    /// truncation or change of owner that must drop them).
    public var dropsSetID = false

    public init() {}
}

extension Overlay {
    /// SETATTR. A change of mode, owner or times to an object still in the base is recorded
    /// in META and its data is not copied; any other change copies the object up and applies
    /// there. `fd`, when the caller has the file open for writing, is used for the size change.
    public func changeAttributes(_ path: RelativePath, _ change: AttributeChange, fd: StorageDescriptor?) throws(Errno) -> Entry {
        let recorded = change.size != nil ? false : try recordingInMeta(path) { (entry) throws(Errno) in
            var recorded = meta.attributes(path) ?? MetaAttributes()
            if let mode = change.mode { recorded.mode = (entry.stat.mode & 0o170000) | (mode & 0o7777) }
            if let uid = change.uid { recorded.uid = uid }
            if let gid = change.gid { recorded.gid = gid }
            if change.dropsSetID { recorded.mode = Permissions.droppingSetID(recorded.mode ?? entry.stat.mode) }
            if let time = change.accessTime.resolved { recorded.atime = time }
            if let time = change.modificationTime.resolved { recorded.mtime = time }
            try meta.setAttributes(path, recorded)
        }
        if recorded { return try lookup(path) }
        try copyUp(path)
        let bytes = path.bytes
        if change.uid != nil || change.gid != nil {
            try changeOwner(storage.root, bytes, uid: change.uid ?? UInt32.max, gid: change.gid ?? UInt32.max)
        }
        if let mode = change.mode {
            try changeMode(storage.root, bytes, mode: mode & 0o7777)
        }
        if let size = change.size {
            if let fd {
                try truncate(fd, size: size)
            } else {
                let file = try openat(storage.root, bytes, [.writeOnly, .noFollow, .nonBlocking])
                defer { close(file) }
                try truncate(file, size: size)
            }
        }
        if change.accessTime != .omit || change.modificationTime != .omit {
            try changeTimes(storage.root, bytes, access: change.accessTime, modification: change.modificationTime)
        }
        if change.dropsSetID {
            let mode = try lstatat(storage.root, bytes).mode
            let dropped = Permissions.droppingSetID(mode)
            if dropped != mode { try changeMode(storage.root, bytes, mode: dropped & 0o7777) }
        }
        return try lookup(path)
    }

    /// SETATTR of a storage file the mount no longer names, through a descriptor open on it,
    /// as fchmod(2) and the like change an unlinked file natively.
    public func changeAttributes(openFile fd: StorageDescriptor, _ change: AttributeChange) throws(Errno) -> FileStat {
        if change.uid != nil || change.gid != nil {
            try changeOwner(fd, [], uid: change.uid ?? UInt32.max, gid: change.gid ?? UInt32.max)
        }
        if let mode = change.mode { try changeMode(fd, mode: mode & 0o7777) }
        if let size = change.size { try truncate(fd, size: size) }
        if change.accessTime != .omit || change.modificationTime != .omit {
            try changeTimes(fd, access: change.accessTime, modification: change.modificationTime)
        }
        if change.dropsSetID { try dropSetID(openFile: fd) }
        return try fstat(fd)
    }

    /// Clears set-ID bits as `Permissions.droppingSetID` does, on a storage file open for
    /// writing: before a write or allocation by a caller without CAP_FSETID.
    public func dropSetID(openFile fd: StorageDescriptor) throws(Errno) {
        let mode = try fstat(fd).mode
        let dropped = Permissions.droppingSetID(mode)
        if dropped != mode { try changeMode(fd, mode: dropped & 0o7777) }
    }

    /// SETXATTR. On an object still in the base the value is recorded in META (no data is
    /// copied); otherwise it is set on the storage copy. XATTR_CREATE (1) and XATTR_REPLACE (2)
    /// are checked against what the mount shows.
    public func setExtendedAttribute(_ path: RelativePath, name: some Collection<UInt8>, value: some Collection<UInt8>, flags: Int32) throws(Errno) {
        let recorded = try recordingInMeta(path) { (_) throws(Errno) in
            let exists = (try? extendedAttribute(path, name: name, capacity: 0)) != nil
            if flags & 1 != 0 && exists { throw .EEXIST }
            if flags & 2 != 0 && !exists { throw .ENODATA }
            try meta.setXattr(path, name: Array(name), value: Array(value))
        }
        if recorded { return }
        try copyUp(path)
        try ExtendedAttributes.set(storage.root, path.bytes, name: name, value: value, flags: flags)
    }

    /// REMOVEXATTR; ENODATA when there is no such attribute. Recorded in META for an object
    /// still in the base.
    public func removeExtendedAttribute(_ path: RelativePath, name: some Collection<UInt8>) throws(Errno) {
        _ = try extendedAttribute(path, name: name, capacity: 0)
        let recorded = try recordingInMeta(path) { (_) throws(Errno) in
            try meta.setXattr(path, name: Array(name), value: nil)
        }
        if recorded { return }
        try copyUp(path)
        try ExtendedAttributes.remove(storage.root, path.bytes, name: name)
    }

    /// Runs `record` and returns true when a change to `path` belongs in META: the object is
    /// still in the base and not one of several names of a file. Holds the copy-up lock, so
    /// that no copy-up takes META's records along between the check and the record.
    private func recordingInMeta(_ path: RelativePath, _ record: (Entry) throws(Errno) -> Void) throws(Errno) -> Bool {
        try copyUpLock.withLock { (_) throws(Errno) -> Bool in
            let entry = try lookup(path)
            guard entry.layer == .base && !isSharedFile(entry) else { return false }
            try record(entry)
            return true
        }
    }
}

extension Overlay {
    /// Marks the directory at `path` modified now, as adding or removing one of its names does
    /// natively. Storage directories change by themselves; this covers a name removed only in
    /// META, and the root, whose attributes are the base root's with META's changes applied.
    /// Best effort: it follows a change that has happened, which a directory's times (a META
    /// record for the root, refused on a full disk) must not make look failed.
    func directoryChanged(_ path: RelativePath) {
        if path.isRoot {
            rootChanged()
            return
        }
        try? copyUp(path)
        try? changeTimes(storage.root, path.bytes, access: .omit, modification: .now)
    }

    /// After a name was put in the storage directory at `path`, which changes its times by
    /// itself: the root alone shows the base root's times, with META's changes.
    func storageNameAdded(in path: RelativePath) {
        if path.isRoot { rootChanged() }
    }

    private func rootChanged() {
        var recorded = meta.attributes(.root) ?? MetaAttributes()
        recorded.mtime = Timespec.now
        try? meta.setAttributes(.root, recorded)
    }
}
