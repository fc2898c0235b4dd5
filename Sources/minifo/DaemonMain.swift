import MinifoServer
import MinifoSystem

/// The mount daemon: `minifo mount` re-executes the `minifo` binary under the name
/// `minifo-mountd` once it has checked the command line. This path runs no argument parser and
/// touches no Foundation code, so the daemon's resident memory stays small.
///
///   minifo-mountd [--ready-fd N] [-o OPTIONS]... BASE STORAGE MOUNTPOINT
enum DaemonMain {
    static let name = "minifo-mountd"

    static func run(_ arguments: ArraySlice<String>) -> Never {
        var readyFD: Int32?
        var options: [String] = []
        var directories: [String] = []
        var arguments = arguments
        while let argument = arguments.popFirst() {
            switch argument {
            case "--ready-fd":
                guard let value = arguments.popFirst(), let fd = Int32(value) else { usage() }
                readyFD = fd
            case "-o":
                guard let value = arguments.popFirst() else { usage() }
                options.append(value)
            case "-f", "--foreground":
                continue
            default:
                directories.append(argument)
            }
        }
        guard directories.count == 3 else { usage() }
        ProcessControl.closeInheritedDescriptors(except: readyFD.map { [$0] } ?? [])
        ProcessControl.raiseDescriptorLimit()

        do {
            let configuration = try MountConfiguration(base: directories[0], storage: directories[1],
                                                       mountPoint: directories[2], options: options)
            ProcessControl.exitNow(Daemon.run(configuration, readyFD: readyFD))
        } catch {
            if let readyFD {
                _ = try? write(readyFD, Array((error.description + "\n").utf8))
            } else {
                Log.error(error.description)
            }
            ProcessControl.exitNow(1)
        }
    }

    private static func usage() -> Never {
        Log.error("usage: \(name) [--ready-fd N] [-o OPTIONS]... BASE STORAGE MOUNTPOINT (use 'minifo mount')")
        ProcessControl.exitNow(2)
    }
}
