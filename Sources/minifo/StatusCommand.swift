import ArgumentParser
import StorageChanges

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List what STORAGE changes in its base, one change per line.",
        discussion: """
            Works on a mounted or unmounted storage directory; the base is the one its META file
            names. Kinds: created, modified (data), metadata (mode, owner, times, xattrs),
            deleted, renamed (OLD -> NEW), opaque (a directory that hides its base contents).
            Names are escaped C-style (\\\\, \\n, \\t, \\xNN) so each change is one line.
            """)

    @Flag(help: "Print a JSON array instead (see README for its members).")
    var json = false

    @Argument(help: "The storage directory.")
    var storage: String

    @Argument(help: "Only changes at or below these paths (as the mount shows them).")
    var paths: [String] = []

    func run() throws {
        let directory = try openStorage(storage)
        let found = try changes(of: directory, paths: paths)
        var output = StandardOutput()
        if json {
            output.write(StatusJSON.document(found) + "\n")
        } else {
            for change in found { output.write(StatusFormat.line(change) + "\n") }
        }
        output.flush()
    }
}
