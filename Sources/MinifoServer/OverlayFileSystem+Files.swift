import FUSEProtocol
import FUSETransport
import MinifoSystem
import OverlayCore

extension OverlayFileSystem {
    /// Set in a file handle whose open uses the node's passthrough backing id.
    static let passthroughHandle: UInt64 = 1 << 32
    /// Set in a file handle opened read-only on a base file under `-o coherent`.
    static let followsCopyUp: UInt64 = 1 << 33
    /// Set in a file handle whose descriptor is of a storage file: the only kind WRITE,
    /// FALLOCATE, COPY_FILE_RANGE and a truncation go through (`storageDescriptor`).
    static let storageHandle: UInt64 = 1 << 34

    /// OPEN: the file handle is the descriptor itself. Opening for writing copies the file up.
    func open(_ node: UInt64, _ request: OpenIn, deviceFD: Int32) throws(Errno) -> OpenOut {
        let path = try nodes.path(of: node)
        let flags = request.flags
        let writing = flags & 3 != 0 || flags & 0o1000 != 0  // O_WRONLY/O_RDWR or O_TRUNC
        let (file, entry): (LayerFile, Entry)
        do {
            if writing {
                let (fd, found) = try overlay.openForWriting(path, flags: Int32(bitPattern: flags))
                (file, entry) = (.storage(fd), found)
            } else {
                (file, entry) = try overlay.openForReading(path)
            }
        } catch .EISDIR {
            // The kernel opens only what it knows as a file: a rename has just put a directory
            // under the node's name (a symlink gives ELOOP, which `handle` turns into ESTALE).
            // ESTALE makes the VFS look the name up again.
            throw .ESTALE
        }
        if !nodes.isNode(node, of: entry) {
            // Likewise another file: a native open gets the file it looked up, not its successor.
            file.close()
            throw .ESTALE
        }
        do {
            if writing && request.killSuidgid, case .storage(let fd) = file { try overlay.dropSetID(openFile: fd) }
            let out = try openOut(node, path, file, entry, writing: writing, deviceFD: deviceFD)
            nodes.opened(node, file)
            return out
        } catch {
            file.close()
            throw error
        }
    }

    /// The reply to OPEN or CREATE. With passthrough the kernel reads and writes the backing
    /// file itself and READ/WRITE never reach us. All opens of a node share one backing file,
    /// as the kernel requires (it refuses even a non-passthrough open beside them).
    ///
    /// A passthrough write runs with the daemon's credentials, CAP_FSETID included, so storage
    /// keeps set-ID bits, and under FUSE_HANDLE_KILLPRIV_V2 the kernel leaves dropping them to
    /// a WRITE that passthrough never sends. So a file with set-ID bits opened for writing gets
    /// FOPEN_DIRECT_IO beside FOPEN_PASSTHROUGH: its reads and writes come to the daemon, whose
    /// WRITE says whether the writer lacks CAP_FSETID, and mmap(2) still maps the backing file.
    /// `file` is registered as the backing file itself when `fdIsBacking` (it is open for
    /// reading and writing on the storage object, as a new file's is).
    func openOut(_ node: UInt64, _ path: RelativePath, _ file: LayerFile, _ entry: Entry, writing: Bool,
                 deviceFD: Int32, fdIsBacking: Bool = false) throws(Errno) -> OpenOut {
        let handle = Self.fileHandle(file)
        if coherent && entry.layer == .base {
            return OpenOut(fileHandle: handle | Self.followsCopyUp, openFlags: .directIO)
        }
        guard passthrough.load(ordering: .relaxed) else {
            return OpenOut(fileHandle: handle, openFlags: entry.layer == .base ? .keepCache : [])
        }
        do {
            let id = try nodes.acquireBacking(node, source: entry.layerObject) { () throws(Errno) -> Int32 in
                if fdIsBacking { return try FUSEDevice.openBacking(deviceFD, file: file.readOnly) }
                let backing = try overlay.openBackingFile(path, entry)
                defer { backing.close() }
                return try FUSEDevice.openBacking(deviceFD, file: backing.readOnly)
            }
            return OpenOut(fileHandle: handle | Self.passthroughHandle,
                           openFlags: Self.passthroughFlags(writing: writing, mode: entry.stat.mode), backingID: id)
        } catch .EBUSY {
            // The node is bound to the base file by opens from before the copy-up. ESTALE
            // makes the VFS look the name up again, which now finds the object under a new
            // node, and retry the open there.
            nodes.supersede(entry.identity)
            throw .ESTALE
        } catch .EPERM {
            Log.warning("the kernel refused FUSE passthrough (it needs CAP_SYS_ADMIN); serving reads from the daemon")
            passthrough.store(false, ordering: .relaxed)
            return OpenOut(fileHandle: handle, openFlags: entry.layer == .base ? .keepCache : [])
        }
    }

    /// FOPEN_PASSTHROUGH, with FOPEN_DIRECT_IO for a file with set-ID bits opened for writing
    /// (see `openOut`).
    static func passthroughFlags(writing: Bool, mode: UInt32) -> FUSEProtocol.OpenFlags {
        writing && mode & 0o6000 != 0 ? [.passthrough, .directIO] : .passthrough
    }

    /// READ, when passthrough is off: pread into the worker's buffer, sent with writev.
    func read(_ node: UInt64, _ read: ReadIn, into reply: inout ReplyContext) throws(Errno) {
        if read.fileHandle & Self.followsCopyUp != 0 { try followCopyUp(node, Self.descriptor(read.fileHandle)) }
        let count = try pread(Self.descriptor(read.fileHandle), into: &reply.payload,
                              count: Int(read.size), offset: Int64(bitPattern: read.offset))
        reply.payloadCount = count
        Reply.dataHeader(payloadLength: count, unique: reply.unique, into: &reply.bytes)
    }

    /// Once the node has been copied up, puts its storage copy in place of the base file
    /// behind the handle's descriptor number (dup3), so the handle reads the new data.
    private func followCopyUp(_ node: UInt64, _ fd: Descriptor<ReadOnly>) throws(Errno) {
        let path = try nodes.path(of: node)
        guard let entry = try? overlay.lookup(path), entry.layer == .storage else { return }
        let (copy, _) = try overlay.openForReading(path)
        defer { copy.close() }
        try replaceDescriptor(fd, with: copy.readOnly)
    }

    func release(_ node: UInt64, fileHandle: UInt64, deviceFD: Int32) {
        nodes.closing(node, fd: Self.descriptor(fileHandle))
        close(Self.descriptor(fileHandle))
        if fileHandle & Self.passthroughHandle != 0, let id = nodes.releaseBacking(node) {
            FUSEDevice.closeBacking(deviceFD, id: id)
        }
    }
}
