import ArgumentParser
import OverlayCore
import StorageChanges

struct RevertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revert",
        abstract: "Drop the changes STORAGE makes at or below each PATH: the base shows there again.",
        discussion: """
            A PATH reverts what `minifo status STORAGE PATH` lists: a created object goes, a \
            modified or deleted one is the base's again, a renamed one goes back to its old \
            name. Every name of a hard-linked base file is reverted with any one of them. A \
            PATH without a change is refused and nothing is changed. A mounted storage is \
            reverted through its daemon, so the mount shows the result at once.
            """)

    @Argument(help: "The storage directory.")
    var storage: String

    @Argument(help: "Paths as the mount shows them, relative to its root.")
    var paths: [String] = []

    func run() throws {
        if paths.isEmpty { throw fail("give the PATHs to revert; `minifo status \(storage)` lists the changes") }
        let lock: StorageLock?
        do {
            lock = try StorageDirectory.lockExclusively(storage)
        } catch {
            throw fail(error.description)
        }
        guard let lock else { return try revertThroughDaemon() }
        let directory = try openStorage(storage, writable: true)
        let revert: StorageRevert
        do {
            revert = try StorageRevert(directory.overlay, paths: paths)
        } catch {
            throw fail(error.description)
        }
        do {
            try revert.apply(to: directory.overlay)
            try directory.overlay.meta.sync()
        } catch {
            throw fail("cannot revert in \(directory.path): \(error); `minifo check \(directory.path)` shows what is left")
        }
        withExtendedLifetime(lock) {}
        var output = StandardOutput()
        for change in revert.changes { output.write("reverted " + StatusFormat.line(change) + "\n") }
        output.flush()
    }

    private func revertThroughDaemon() throws {
        throw fail("\(storage) is mounted; unmount it first")
    }
}
