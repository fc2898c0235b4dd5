// One binary, chosen by how it is called: the mount daemon (as `minifo-mountd`, decided before
// any argument parser or Foundation code runs, to keep the daemon small) or the command line.
let arguments = CommandLine.arguments
if arguments.first?.split(separator: "/").last.map(String.init) == DaemonMain.name {
    DaemonMain.run(arguments.dropFirst())
}
Minifo.main()
