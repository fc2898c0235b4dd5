import ArgumentParser
import MinifoServer
import MinifoSystem
import StorageChanges

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Apply every change STORAGE holds to its base, then empty STORAGE.",
        discussion: """
            The one command that writes the base. The base becomes what the mount showed: \
            deletions removed, renamed directories moved, changed files written in place \
            (holes, owner, mode, times, xattrs and hard links kept, each file replaced in one \
            rename). STORAGE is then emptied, its META file kept for the same base. Refused \
            while STORAGE is mounted. A journal in STORAGE makes an interrupted merge safe: \
            run `minifo merge STORAGE` again to finish it; until then STORAGE cannot be \
            mounted. Shows a progress bar on a terminal, one line per step otherwise.
            """)

    @Flag(help: "List what would be done and change nothing.")
    var dryRun = false

    @Argument(help: "The storage directory.")
    var storage: String

    func run() throws {
        let merge = try open()
        for warning in merge.warnings { printError("minifo: warning: " + warning) }
        var output = StandardOutput()
        if merge.resumed {
            output.write("\(dryRun ? "would finish" : "finishing") the interrupted merge of \(merge.storage) into \(merge.base) "
                + "(\(merge.done) of \(merge.steps.count) steps were done)\n")
        }
        if dryRun {
            for step in merge.steps[merge.done...] {
                if let line = step.line { output.write(line + "\n") }
            }
            output.flush()
            return
        }
        output.flush()
        let stopAfter = ProcessControl.environmentValue("MINIFO_MERGE_STOP_AFTER").flatMap { Int($0) }
        let display = MergeProgressDisplay(terminal: isTerminal(1))
        let finished: Bool
        do {
            finished = try merge.run(stopAfter: stopAfter) { display.show($0) }
        } catch {
            display.end()
            throw fail(error.description)
        }
        display.end()
        if !finished {
            throw fail("stopped after \(stopAfter ?? 0) steps (MINIFO_MERGE_STOP_AFTER, a test hook); the base is partly "
                + "merged: run `minifo merge \(merge.storage)` to finish")
        }
        print("merged \(merge.storage) into \(merge.base): \(display.listed) change\(display.listed == 1 ? "" : "s") applied; "
            + "\(merge.storage) is empty")
    }

    /// Opens STORAGE for the merge. A lock held by a daemon that no longer answers is that of
    /// one exiting after an unmount, which lets go shortly.
    private func open() throws -> StorageMerge {
        for _ in 0..<50 {
            do {
                return try StorageMerge(storage, dryRun: dryRun)
            } catch .storage(.mounted(let path, let action)) {
                if (try? ControlChannel.request(storage: path, .ping, [])) != nil {
                    throw fail(StorageError.mounted(path, then: action).description)
                }
                Thread.sleep(milliseconds: 100)
            } catch {
                throw fail(error.description)
            }
        }
        throw fail("\(storage) is in use: mounted, or being changed by another minifo command; unmount it, or try again "
            + "once that command has finished")
    }
}

/// Progress of a merge: on a terminal one bar, redrawn, of entries and bytes; otherwise the
/// line of each step as it is done.
final class MergeProgressDisplay {
    private let terminal: Bool
    private var output = StandardOutput()
    private var drawn = ""
    /// Steps done that are changes (have a line), for the summary.
    private(set) var listed = 0

    init(terminal: Bool) { self.terminal = terminal }

    func show(_ progress: MergeProgress) {
        if let line = progress.finished?.line {
            listed += 1
            if !terminal {
                output.write(line + "\n")
                return
            }
        }
        guard terminal else { return }
        let fraction = progress.totalBytes > 0 ? Double(progress.bytes) / Double(progress.totalBytes)
                                               : Double(progress.entries) / Double(max(progress.totalEntries, 1))
        let filled = Int(fraction * 30)
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "] "
            + "\(progress.entries)/\(progress.totalEntries) entries, " + Self.size(progress.bytes) + "/" + Self.size(progress.totalBytes)
        if bar == drawn { return }
        drawn = bar
        output.write("\r\u{1B}[K" + bar)
        output.flush()
    }

    func end() {
        if terminal && !drawn.isEmpty { output.write("\n") }
        output.flush()
    }

    private static func size(_ bytes: Int64) -> String {
        let mebibytes = Double(bytes) / 1_048_576
        let tenths = Int((mebibytes * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) MiB"
    }
}
