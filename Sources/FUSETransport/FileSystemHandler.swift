import FUSEProtocol

/// A filesystem served over FUSE. The session decodes requests, handles INIT, INTERRUPT and
/// DESTROY itself, and passes everything else here, from several threads at once.
public protocol FileSystemHandler: AnyObject, Sendable {
    /// The INIT flags this filesystem can use; the session takes those the kernel offers.
    var wantedFlags: InitFlags { get }

    /// Called once INIT has been answered, with what was agreed.
    func sessionStarted(_ negotiated: InitOut)

    /// Handles one request. It must leave an encoded reply in `reply.bytes`; the session
    /// answers EIO for a handler that leaves none.
    func handle(_ header: RequestHeader, _ request: Request, _ reply: inout ReplyContext)

    /// Drops `count` lookups of a node (FORGET, BATCH_FORGET, or a reply the kernel never took).
    func forget(_ nodeID: UInt64, count: UInt64)
}
