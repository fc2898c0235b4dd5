import Glibc

/// Signals taken synchronously by one thread with sigwait(3) rather than by handlers.
public struct SignalSet: Sendable {
    private let signals: [Int32]

    public init(_ signals: [Int32]) { self.signals = signals }

    public static let interrupt = SIGINT
    public static let terminate = SIGTERM
    public static let hangup = SIGHUP
    public static let user1 = SIGUSR1
    public static let pipe = SIGPIPE

    private func set() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        return set
    }

    /// Blocks these signals in the calling thread and every thread it starts afterwards.
    public func block() {
        var set = self.set()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits until one of these (blocked) signals arrives and returns it.
    public func wait() -> Int32 {
        var set = self.set()
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        return received
    }
}
