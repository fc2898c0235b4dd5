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
        } catch {
            throw fail("mount point \(mountPoint) does not exist")
        }
        guard (try? isMountRoot(path)) == true else {
            throw fail("\(path) is not a mount point")
        }
        do {
            try FUSEMount.unmount(path, lazy: lazy)
        } catch {
            throw fail(error.description)
        }
    }
}
