import MinifoSystem

/// Writes one line to standard error.
func printError(_ line: String) {
    _ = try? write(2, Array((line + "\n").utf8))
}
