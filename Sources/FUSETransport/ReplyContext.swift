import FUSEProtocol
import MinifoSystem

/// One worker's reusable reply buffers, handed to the handler for each request.
public struct ReplyContext {
    /// The encoded reply, header first. Cleared before each request.
    public var bytes: [UInt8] = []
    /// Scratch space for READ data, sent after `bytes` in the same writev.
    public var payload: [UInt8]
    public var payloadCount = 0
    /// Nodes whose lookup count this reply raises; they are forgotten again if the kernel
    /// refuses the reply because the request was interrupted meanwhile.
    public var grantedLookups: [UInt64] = []
    /// This worker's /dev/fuse descriptor, for ioctls such as FUSE_DEV_IOC_BACKING_OPEN.
    public let deviceFD: Int32

    let interrupts: InterruptRegistry
    /// The request being answered.
    public private(set) var unique: UInt64 = 0

    init(deviceFD: Int32, payloadCapacity: Int, interrupts: InterruptRegistry) {
        self.deviceFD = deviceFD
        self.payload = uninitializedBuffer(count: payloadCapacity)
        self.interrupts = interrupts
        bytes.reserveCapacity(64 * 1024)
    }

    /// Whether the kernel has asked to interrupt the request being handled; long operations
    /// check this and give up with EINTR.
    public var isInterrupted: Bool { interrupts.isInterrupted(unique) }

    mutating func reset(unique: UInt64) {
        self.unique = unique
        bytes.removeAll(keepingCapacity: true)
        payloadCount = 0
        grantedLookups.removeAll(keepingCapacity: true)
    }
}
