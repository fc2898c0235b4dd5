import Glibc
import Synchronization

/// Lines for standard error, prefixed with the program name. Debug lines only with `-o debug`.
public enum Log {
    private static let debugEnabled = Atomic<Bool>(false)
    private static let programName = Mutex<String>("minifo")

    public static func configure(program: String, debug: Bool) {
        programName.withLock { $0 = program }
        debugEnabled.store(debug, ordering: .relaxed)
    }

    public static var isDebugEnabled: Bool { debugEnabled.load(ordering: .relaxed) }

    public static func debug(_ message: @autoclosure () -> String) {
        if isDebugEnabled { emit("debug: " + message()) }
    }

    public static func warning(_ message: String) { emit("warning: " + message) }

    public static func error(_ message: String) { emit(message) }

    private static func emit(_ line: String) {
        let text = programName.withLock { $0 } + ": " + line + "\n"
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
