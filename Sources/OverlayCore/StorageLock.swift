import MinifoSystem

/// A flock(2) on the storage directory itself, held until this value is gone. A mount's
/// daemon holds it shared for as long as it serves; `minifo check --repair` takes it
/// exclusive, so that neither can change storage under the other.
public final class StorageLock: Sendable {
    private let fd: Int32

    /// Takes the lock, or throws EAGAIN when a holder of the other kind has it.
    public init(storage path: String, exclusive: Bool) throws(Errno) {
        let fd = FileDescriptor(owning: try open(path, [.directory, .nonBlocking]))
        try lockFile(fd.rawValue, exclusive: exclusive)
        self.fd = fd.release()
    }

    deinit { close(fd) }
}
