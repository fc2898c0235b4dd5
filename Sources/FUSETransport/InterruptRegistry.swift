import Synchronization

/// The requests being handled, and which of them the kernel has asked to interrupt (FUSE_INTERRUPT).
final class InterruptRegistry: Sendable {
    private struct State {
        var inFlight: Set<UInt64> = []
        var interrupted: Set<UInt64> = []
    }
    private let state = Mutex(State())

    func begin(_ unique: UInt64) {
        _ = state.withLock { $0.inFlight.insert(unique) }
    }

    func end(_ unique: UInt64) {
        state.withLock {
            $0.inFlight.remove(unique)
            $0.interrupted.remove(unique)
        }
    }

    /// Marks `unique` interrupted. Returns false when no such request is being handled: it has
    /// not been read yet or is already answered, and the kernel should send the interrupt again.
    func interrupt(_ unique: UInt64) -> Bool {
        state.withLock {
            guard $0.inFlight.contains(unique) else { return false }
            $0.interrupted.insert(unique)
            return true
        }
    }

    func isInterrupted(_ unique: UInt64) -> Bool {
        state.withLock { $0.interrupted.contains(unique) }
    }
}
