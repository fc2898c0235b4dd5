import Foundation
import Glibc
import Testing

/// Where the binaries are, whether this machine can mount, and what the kernel says is mounted.
enum MountEnvironment {
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Where minifo is: $MINIFO_BIN_DIR if set, else the test bundle's own
    /// directory, else `.build/debug`.
    static let binDirectory: String = {
        if let dir = ProcessInfo.processInfo.environment["MINIFO_BIN_DIR"], !dir.isEmpty { return dir }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let dir = (exe as NSString).deletingLastPathComponent
            if FileManager.default.isExecutableFile(atPath: dir + "/minifo") { return dir }
        }
        return FileManager.default.currentDirectoryPath + "/.build/debug"
    }()

    static var minifo: String { binDirectory + "/minifo" }

    /// Fails the test unless minifo has been built.
    static func requireBinaries(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: minifo),
            "\(minifo) is missing: run `swift build` before `swift test`",
            sourceLocation: sourceLocation
        )
    }

    /// Skips the test when this machine cannot mount (no /dev/fuse, or not root), except
    /// under CI=true, where that is a failure.
    static func requireMountable(sourceLocation: SourceLocation = #_sourceLocation) throws {
        var missing: [String] = []
        if access("/dev/fuse", F_OK) != 0 { missing.append("/dev/fuse is missing") }
        if geteuid() != 0 { missing.append("not running as root") }
        if !missing.isEmpty {
            let message = "mount tests need /dev/fuse and root: " + missing.joined(separator: ", ")
            if isCI {
                Issue.record(Comment(rawValue: message + " (CI=true, so this fails instead of skipping)"), sourceLocation: sourceLocation)
                throw MountTestError(message)
            }
            try Test.cancel(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
        try requireBinaries(sourceLocation: sourceLocation)
    }

    /// The mount points in /proc/mounts, unescaped, in order (a path may appear more than once).
    static func mountPoints() -> [String] {
        mountEntries().map(\.mountPoint)
    }

    struct MountEntry {
        var source: String
        var mountPoint: String
        var type: String
        var options: [String]
    }

    static func mountEntries() -> [MountEntry] {
        guard let text = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 4 else { return nil }
            return MountEntry(
                source: unescapeMountField(fields[0]),
                mountPoint: unescapeMountField(fields[1]),
                type: String(fields[2]),
                options: fields[3].split(separator: ",").map(String.init)
            )
        }
    }

    static func isMounted(_ path: String) -> Bool { mountPoints().contains(path) }
    static func mountCount(_ path: String) -> Int { mountPoints().filter { $0 == path }.count }

    /// The kernel escapes space, tab, newline and backslash in /proc/mounts as `\ooo`.
    static func unescapeMountField(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count {
                let digits = utf8[(i + 1)...(i + 3)]
                if digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }),
                   let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 8) {
                    bytes.append(value)
                    i += 4
                    continue
                }
            }
            bytes.append(utf8[i])
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Waits until `condition` holds, polling; false when `timeout` seconds pass first.
    static func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > deadline { return false }
            usleep(10_000)
        }
        return true
    }
}

/// A process seen in /proc: its pid and start time, so a reused pid is not mistaken for it.
struct ProcessRef: Hashable, CustomStringConvertible, Sendable {
    var pid: pid_t
    var startTime: UInt64

    var description: String { "pid \(pid)" }

    /// The process as /proc shows it now, or nil when it is gone.
    static func current(_ pid: pid_t) -> ProcessRef? {
        guard let start = statFields(pid).flatMap({ $0.count > 19 ? UInt64($0[19]) : nil }) else { return nil }
        return ProcessRef(pid: pid, startTime: start)
    }

    /// The fields of /proc/PID/stat after the command name; index 0 is the state.
    static func statFields(_ pid: pid_t) -> [String]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ").map(String.init)
    }

    /// True while the process exists and has not exited. A zombie whose other threads still
    /// run (a crashed Swift program waiting for its backtracer) is alive; a zombie with
    /// nothing left has exited, and only its parent, perhaps an init that is slow to reap,
    /// still has to collect it.
    var isAlive: Bool {
        guard let fields = ProcessRef.statFields(pid), fields.count > 19,
              UInt64(fields[19]) == startTime else { return false }
        if fields[0] != "Z" { return true }
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.count > 1
    }

    var commandLine: [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return [] }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// minifo processes (`minifo`, and the same binary started as `minifo-mountd`) with
    /// `mountPoint` as an argument: the daemon serving that mount point, and a `minifo mount`
    /// still running for it.
    static func minifoProcesses(mountPoint: String) -> [ProcessRef] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let me = getpid()
        var found: [ProcessRef] = []
        for name in names {
            guard let pid = pid_t(name), pid != me else { continue }
            guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"),
                  (exe as NSString).lastPathComponent.hasPrefix("minifo") else { continue }
            guard let ref = ProcessRef.current(pid), ref.isAlive else { continue }
            if ref.commandLine.dropFirst().contains(mountPoint) { found.append(ref) }
        }
        return found
    }
}

struct MountTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
