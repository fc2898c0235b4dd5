import OverlayCore
import Synchronization

/// Open directories by file handle. The kernel serialises READDIR on one open directory, so a
/// handle's lock is only ever contended by RELEASEDIR.
final class DirectoryHandles: Sendable {
    final class Handle: Sendable {
        let stream: Mutex<DirectoryStream>
        init(_ stream: consuming sending DirectoryStream) { self.stream = Mutex(stream) }
    }

    private struct State {
        var next: UInt64 = 1
        var open: [UInt64: Handle] = [:]
    }
    private let state = Mutex(State())

    func open(_ stream: consuming sending DirectoryStream) -> UInt64 {
        let handle = Handle(stream)
        return state.withLock { state in
            let id = state.next
            state.next += 1
            state.open[id] = handle
            return id
        }
    }

    func handle(_ id: UInt64) -> Handle? {
        state.withLock { $0.open[id] }
    }

    func close(_ id: UInt64) {
        _ = state.withLock { $0.open.removeValue(forKey: id) }
    }
}
