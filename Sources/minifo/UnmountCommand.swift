import ArgumentParser
import FUSETransport
import MinifoSystem

struct UnmountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "umount",
        abstract: "Unmount a minifo mount; its daemon then exits.")

    @Flag(name: [.short, .long], help: "Detach now even if the mount is busy; it goes once no longer used.")
    var lazy = false

    @Argument(help: "The mount point.")
    var mountPoint: String

    func run() throws {
        let path: String
        do {
            path = try canonicalPath(mountPoint)
        } catch .ENOTCONN {
            // The daemon died: the mount is still there but cannot be looked at. Unmount it.
            path = mountPoint
        } catch {
            throw fail("mount point \(mountPoint) does not exist")
        }
        switch Result(catching: { () throws(Errno) in try isMountRoot(path) }) {
        case .success(true), .failure(.ENOTCONN):
            break  // ENOTCONN, as above: a mount whose daemon is gone
        case .success(false):
            throw fail("\(path) is not a mount point")
        case .failure(let error):
            throw fail("cannot look at \(path): \(error)")
        }
        let daemons = ProcessTable.processes(named: DaemonMain.name, lastArgument: path)
        do {
            try FUSEMount.unmount(path, lazy: lazy)
        } catch {
            throw fail(error.description)
        }
        if !lazy { waitForExit(of: daemons) }
    }

    /// The daemon syncs META and lets go of the storage directory after the mount is gone;
    /// waiting for it lets a `minifo merge`, `check --repair` or new mount of the storage
    /// follow at once. A daemon that takes longer than 10 s is left to finish by itself.
    private func waitForExit(of daemons: [Int32]) {
        for _ in 0..<1000 {
            if !daemons.contains(where: ProcessTable.isRunning) { return }
            Thread.sleep(milliseconds: 10)
        }
    }
}
