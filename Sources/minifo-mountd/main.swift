// The mount daemon. `minifo mount` starts it after checking the command line; it has no
// argument parser or Foundation so that its resident memory stays small.
//
//   minifo-mountd [--ready-fd N] [-o OPTIONS]... BASE STORAGE MOUNTPOINT
import MinifoServer
import MinifoSystem

func usage() -> Never {
    Log.error("usage: minifo-mountd [--ready-fd N] [-o OPTIONS]... BASE STORAGE MOUNTPOINT (use 'minifo mount')")
    ProcessControl.exitNow(2)
}

var readyFD: Int32?
var options: [String] = []
var directories: [String] = []
var arguments = CommandLine.arguments.dropFirst()
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
