import Foundation

/// Settings for the long variants of the reliability tests: `MINIFO_LONG=1` runs them at full
/// length, `MINIFO_SEED=N` repeats a run.
enum Reliability {
    static var isLong: Bool { ProcessInfo.processInfo.environment["MINIFO_LONG"] == "1" }

    static var seed: UInt64 {
        if let text = ProcessInfo.processInfo.environment["MINIFO_SEED"], let seed = UInt64(text) { return seed }
        return UInt64.random(in: 1...UInt64(UInt32.max))
    }
}
