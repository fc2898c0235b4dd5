import Glibc

/// A joinable POSIX thread running a closure.
public struct Thread: Sendable {
    private let handle: pthread_t

    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new thread with a small stack.
    public static func spawn(stackSize: Int = 256 * 1024, _ body: @escaping @Sendable () -> Void) throws(Errno) -> Thread {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, &attributes, { context in
            let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
            box.body()
            return nil
        }, context)
        if result != 0 {
            Unmanaged<Box>.fromOpaque(context).release()
            throw Errno(result)
        }
        return Thread(handle: handle)
    }

    /// Sleeps the calling thread.
    public static func sleep(milliseconds: Int) {
        var time = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var left = timespec()
        while nanosleep(&time, &left) != 0 && errno == EINTR { time = left }
    }

    public func join() {
        pthread_join(handle, nil)
    }

    /// Sends `signal` to this thread.
    public func signal(_ signal: Int32) {
        pthread_kill(handle, signal)
    }
}
