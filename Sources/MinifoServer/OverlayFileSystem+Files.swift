import FUSEProtocol
import FUSETransport
import MinifoSystem
import OverlayCore

extension OverlayFileSystem {
    /// Set in a file handle whose open uses the node's passthrough backing id.
    static let passthroughHandle: UInt64 = 1 << 32

    /// OPEN: the file handle is the descriptor itself. With passthrough the kernel reads the
    /// backing file directly and READ never reaches us.
    func open(_ node: UInt64, flags: UInt32, deviceFD: Int32) throws(Errno) -> OpenOut {
        let accessMode = flags & 3
        let writeRequested = accessMode != 0 || flags & 0o1000 != 0  // O_WRONLY/O_RDWR or O_TRUNC
        let (fd, _) = try overlay.openForReading(try nodes.path(of: node), writeRequested: writeRequested)
        if passthrough.load(ordering: .relaxed) {
            do {
                let id = try nodes.acquireBacking(node) { () throws(Errno) -> Int32 in
                    try FUSEDevice.openBacking(deviceFD, file: fd)
                }
                return OpenOut(fileHandle: UInt64(fd) | Self.passthroughHandle, openFlags: .passthrough, backingID: id)
            } catch .EPERM {
                Log.warning("the kernel refused FUSE passthrough (it needs CAP_SYS_ADMIN); serving reads from the daemon")
                passthrough.store(false, ordering: .relaxed)
            } catch {
                close(fd)
                throw error
            }
        }
        // The base never changes under us, so pages the kernel cached stay good.
        return OpenOut(fileHandle: UInt64(fd), openFlags: .keepCache)
    }

    /// READ, when passthrough is off: pread into the worker's buffer, sent with writev.
    func read(_ read: ReadIn, into reply: inout ReplyContext) throws(Errno) {
        let count = try pread(Int32(truncatingIfNeeded: read.fileHandle), into: &reply.payload,
                              count: Int(read.size), offset: Int64(bitPattern: read.offset))
        reply.payloadCount = count
        Reply.dataHeader(payloadLength: count, unique: reply.unique, into: &reply.bytes)
    }

    func release(_ node: UInt64, fileHandle: UInt64, deviceFD: Int32) {
        close(Int32(truncatingIfNeeded: fileHandle))
        if fileHandle & Self.passthroughHandle != 0, let id = nodes.releaseBacking(node) {
            FUSEDevice.closeBacking(deviceFD, id: id)
        }
    }
}
