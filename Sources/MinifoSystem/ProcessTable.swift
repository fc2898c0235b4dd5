import Glibc

/// Processes as /proc lists them.
public enum ProcessTable {
    /// The processes started as `name` (argv[0]) whose last argument is `lastArgument`.
    public static func processes(named name: String, lastArgument: String) -> [Int32] {
        guard let proc = try? open("/proc", [.directory]) else { return [] }
        let reader = DirectoryReader(owning: proc)
        var found: [Int32] = []
        while let entry = try? reader.next() {
            guard let pid = Int32(String(decoding: entry.name, as: UTF8.self)),
                  let commandLine = try? readWholeFile("/proc/\(pid)/cmdline") else { continue }
            let arguments = commandLine.split(separator: 0, omittingEmptySubsequences: false).dropLast()
            if arguments.count > 1, arguments.first?.elementsEqual(name.utf8) == true,
               arguments.last?.elementsEqual(lastArgument.utf8) == true {
                found.append(pid)
            }
        }
        return found
    }

    /// Whether `pid` still runs: it exists and is not a zombie, which has let go of its files,
    /// unless only its first thread has ended and others still run.
    public static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? readWholeFile("/proc/\(pid)/stat"),
              let end = stat.lastIndex(of: UInt8(ascii: ")")), end + 2 < stat.count else { return false }
        if stat[end + 2] != UInt8(ascii: "Z") { return true }
        guard let tasks = try? open("/proc/\(pid)/task", [.directory]) else { return false }
        let reader = DirectoryReader(owning: tasks)
        var threads = 0
        while let entry = try? reader.next() {
            if !entry.isDotOrDotDot { threads += 1 }
        }
        return threads > 1
    }
}
