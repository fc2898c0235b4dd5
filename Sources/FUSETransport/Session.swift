import FUSEProtocol
import MinifoSystem
import Synchronization

/// One mounted FUSE session: worker threads, each reading requests from its own clone of the
/// /dev/fuse descriptor (FUSE_DEV_IOC_CLONE), until the kernel ends the session.
public final class Session: Sendable {
    public let deviceFD: Int32
    let handler: any FileSystemHandler
    let interrupts = InterruptRegistry()
    let maxWrite: UInt32
    /// The negotiated minor version; 0 until INIT has been answered.
    let protocolMinor = Atomic<UInt32>(0)

    public init(deviceFD: Int32, handler: any FileSystemHandler, maxWrite: UInt32 = 1 << 20) {
        self.deviceFD = deviceFD
        self.handler = handler
        self.maxWrite = maxWrite
    }

    /// Serves requests on `workers` threads and returns when the filesystem is unmounted.
    public func run(workers: Int) throws(Errno) {
        var descriptors: [Int32] = [deviceFD]
        for _ in 1..<max(workers, 1) {
            descriptors.append(try FUSEDevice.clone(deviceFD))
        }
        var threads: [Thread] = []
        for fd in descriptors.dropFirst() {
            threads.append(try Thread.spawn { [self] in self.serve(fd) })
        }
        serve(deviceFD)
        for thread in threads { thread.join() }
        for fd in descriptors.dropFirst() { close(fd) }
    }

    /// Sends a notification (unique 0), such as FUSE_NOTIFY_INVAL_ENTRY.
    public func notify(_ message: [UInt8]) throws(Errno) {
        try write(deviceFD, message)
    }

    private func serve(_ fd: Int32) {
        // Large enough for a WRITE of max_write bytes with its headers, as the kernel requires.
        var buffer = uninitializedBuffer(count: Int(maxWrite) + 4096)
        var reply = ReplyContext(deviceFD: fd, payloadCapacity: Int(maxWrite), interrupts: interrupts)
        while true {
            let count: Int
            do {
                count = try read(fd, into: &buffer)
            } catch .ENOENT, .EAGAIN {
                continue  // the request was interrupted before we read it
            } catch .ENODEV {
                return  // unmounted
            } catch {
                Log.error("reading /dev/fuse failed: \(error)")
                return
            }
            dispatch(buffer[0..<count], fd: fd, reply: &reply)
        }
    }
}
