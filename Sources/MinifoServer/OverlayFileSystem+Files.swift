import FUSEProtocol
import FUSETransport
import MinifoSystem
import OverlayCore

extension OverlayFileSystem {
    /// Set in a file handle whose open uses the node's passthrough backing id.
    static let passthroughHandle: UInt64 = 1 << 32

    /// OPEN: the file handle is the descriptor itself. Opening for writing copies the file up.
    func open(_ node: UInt64, flags: UInt32, deviceFD: Int32) throws(Errno) -> OpenOut {
        let path = try nodes.path(of: node)
        let writing = flags & 3 != 0 || flags & 0o1000 != 0  // O_WRONLY/O_RDWR or O_TRUNC
        let (fd, entry) = writing
            ? try overlay.openForWriting(path, flags: Int32(bitPattern: flags))
            : try overlay.openForReading(path)
        do {
            let out = try openOut(node, path, fd: fd, entry, deviceFD: deviceFD)
            nodes.opened(node, fd: fd)
            return out
        } catch {
            close(fd)
            throw error
        }
    }

    /// The reply to OPEN or CREATE. With passthrough the kernel reads and writes the backing
    /// file itself and READ/WRITE never reach us. All opens of a node share one backing file;
    /// an open that needs another one (the storage copy, while a descriptor opened before the
    /// copy-up still reads the base file) is served by the daemon with direct I/O instead.
    func openOut(_ node: UInt64, _ path: RelativePath, fd: Int32, _ entry: Entry, deviceFD: Int32) throws(Errno) -> OpenOut {
        guard passthrough.load(ordering: .relaxed) else {
            return OpenOut(fileHandle: UInt64(fd), openFlags: entry.layer == .base ? .keepCache : [])
        }
        let source = BackingSource(layer: entry.layer == .base ? 0 : 1, path: path.bytes)
        do {
            let id = try nodes.acquireBacking(node, source: source) { () throws(Errno) -> Int32 in
                let backing = try overlay.openBackingFile(path, entry)
                defer { close(backing) }
                return try FUSEDevice.openBacking(deviceFD, file: backing)
            }
            return OpenOut(fileHandle: UInt64(fd) | Self.passthroughHandle, openFlags: .passthrough, backingID: id)
        } catch .EBUSY {
            return OpenOut(fileHandle: UInt64(fd), openFlags: .directIO)
        } catch .EPERM {
            Log.warning("the kernel refused FUSE passthrough (it needs CAP_SYS_ADMIN); serving reads from the daemon")
            passthrough.store(false, ordering: .relaxed)
            return OpenOut(fileHandle: UInt64(fd), openFlags: entry.layer == .base ? .keepCache : [])
        }
    }

    /// READ, when passthrough is off: pread into the worker's buffer, sent with writev.
    func read(_ read: ReadIn, into reply: inout ReplyContext) throws(Errno) {
        let count = try pread(Self.descriptor(read.fileHandle), into: &reply.payload,
                              count: Int(read.size), offset: Int64(bitPattern: read.offset))
        reply.payloadCount = count
        Reply.dataHeader(payloadLength: count, unique: reply.unique, into: &reply.bytes)
    }

    func release(_ node: UInt64, fileHandle: UInt64, deviceFD: Int32) {
        nodes.closing(node, fd: Self.descriptor(fileHandle))
        close(Self.descriptor(fileHandle))
        if fileHandle & Self.passthroughHandle != 0, let id = nodes.releaseBacking(node) {
            FUSEDevice.closeBacking(deviceFD, id: id)
        }
    }
}
