import MinifoSystem

/// A flock(2) on the storage directory itself, held until this value is gone. A read-write
/// mount's daemon holds it exclusive for as long as it serves, a read-only mount's shared;
/// `minifo check --repair`, `revert` and `merge` take it exclusive. So one writer at a time
/// changes storage, and nobody reads it while it changes.
public final class StorageLock: Sendable {
    private let fd: Int32

    /// Takes the lock, or throws EAGAIN when a conflicting holder still has it after
    /// `patience` milliseconds.
    public init(storage path: String, exclusive: Bool, patience milliseconds: Int = 0) throws(Errno) {
        let fd = FileDescriptor(owning: try open(path, [.directory, .nonBlocking]))
        var waited = 0
        while true {
            do {
                try lockFile(fd.rawValue, exclusive: exclusive)
                break
            } catch .EAGAIN where waited < milliseconds {
                Thread.sleep(milliseconds: 10)
                waited += 10
            }
        }
        self.fd = fd.release()
    }

    deinit { close(fd) }
}
