import ArgumentParser
import StorageChanges

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check STORAGE, its META file and its base against each other.",
        discussion: """
            Finds damaged or torn META records, records for names that no longer exist or that
            the storage tree contradicts, copy-ups a crash left half-built, and hard-linked base
            files whose names show different copies. Exits 0 when nothing is wrong, 1 when
            problems remain. --repair fixes what it can (drops damaged records and stale ones,
            compacts META, removes leftovers) and refuses while the storage is mounted.
            """)

    @Flag(help: "Fix what can be fixed; the storage directory must not be mounted.")
    var repair = false

    @Argument(help: "The storage directory.")
    var storage: String

    func run() throws {
        let check: StorageCheck
        do {
            check = try StorageCheck(storage, repair: repair)
        } catch {
            throw fail(error.description)
        }
        var output = StandardOutput()
        for problem in check.problems {
            output.write((check.repaired.contains(problem) ? "repaired: " : problem.hasPrefix("note: ") ? "" : "problem: ") + problem + "\n")
        }
        for fix in check.repaired where !check.problems.contains(fix) { output.write("repaired: " + fix + "\n") }
        for left in check.remaining where !check.problems.contains(left) { output.write(left + "\n") }
        let remaining = check.remaining.count
        output.write(remaining == 0 ? "\(storage): clean\n"
            : "\(storage): \(remaining) problem\(remaining == 1 ? "" : "s") remain\(remaining == 1 ? "s" : "")"
                + (repair ? "" : "; `minifo check --repair \(storage)` fixes what it can") + "\n")
        output.flush()
        if remaining > 0 { throw ExitCode(1) }
    }
}
