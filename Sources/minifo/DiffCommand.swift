import ArgumentParser
import StorageChanges

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what STORAGE changes in its base, file by file.",
        discussion: """
            Each change starts with its `minifo status` line. Mode, owner, times, xattrs, symlink
            targets and device numbers follow one per line; text files as unified diffs with 3
            lines of context under '--- base/PATH' and '+++ storage/PATH' (so `patch -p1` in a
            copy of the base applies them); binary files as their sizes and SHA-256 digests.
            """)

    @Argument(help: "The storage directory.")
    var storage: String

    @Argument(help: "Only changes at or below these paths (as the mount shows them).")
    var paths: [String] = []

    func run() throws {
        let directory = try openStorage(storage)
        let format = DiffFormat(directory)
        var output = StandardOutput()
        for change in try changes(of: directory, paths: paths) {
            do {
                output.write(try format.diff(change))
            } catch {
                output.flush()
                throw fail("cannot read \(change.path) in \(directory.path) or its base: \(error)")
            }
        }
        output.flush()
    }
}
