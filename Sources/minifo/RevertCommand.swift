import ArgumentParser
import MinifoServer
import MinifoSystem
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
        // Locked: no mount serves it, change it here. Otherwise ask the daemon of its mount; a
        // daemon that no longer answers is one exiting after an unmount, which lets go shortly.
        // Storage this user may not change itself may be mounted by its owner, whose daemon can.
        for _ in 0..<50 {
            let lock: StorageLock?
            do {
                lock = try StorageDirectory.lockExclusively(storage)
            } catch .unsafe(let problem) {
                if let reply = try requestFromDaemon() { return try show(reply) }
                throw fail(problem.description)
            } catch {
                throw fail(error.description)
            }
            if let lock { return try revert(holding: lock) }
            if let reply = try requestFromDaemon() { return try show(reply) }
            Thread.sleep(milliseconds: 100)
        }
        throw fail("\(storage) is in use: mounted by a daemon that does not answer `minifo revert`, or being changed "
            + "by another minifo command; unmount it, or try again once that command has finished")
    }

    /// Prints what the daemon answered, escaped: it is another process's text.
    private func show(_ reply: ControlChannel.Reply) throws {
        let text = TextFormatting.printable(reply.text)
        if !reply.done { throw fail(text) }
        print(text, terminator: "")
    }

    private func revert(holding lock: StorageLock) throws {
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

    /// The reply of the daemon serving STORAGE, or nil when none answers.
    private func requestFromDaemon() throws -> ControlChannel.Reply? {
        // Bad input (not a storage directory, a damaged META file) is found here too, as for status.
        let directory = try openStorage(storage)
        let timeout = ProcessControl.environmentValue("MINIFO_CONTROL_TIMEOUT").flatMap { Int32($0) } ?? ControlChannel.replyTimeout
        do {
            return try ControlChannel.request(storage: directory.path, .revert, paths, timeout: timeout)
        } catch .noDaemon {
            return nil
        } catch {
            throw fail("cannot use the daemon serving \(directory.path): \(error)")
        }
    }
}
