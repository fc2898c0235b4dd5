// One binary, chosen by how it is called: the mount daemon (as `minifo-mountd`, decided before
// any argument parser or Foundation code runs, to keep the daemon small), the mount(8) form
// (as `mount.minifo`, or with a path or -o first), a help topic, or the command line.
let arguments = CommandLine.arguments
let programName = arguments.first?.split(separator: "/").last.map(String.init) ?? ""
if programName == DaemonMain.name {
    DaemonMain.run(arguments.dropFirst())
} else if programName.hasPrefix("mount.") || MountHelperCommand.isInvokedAs(arguments.dropFirst()) {
    MountHelperCommand.main(Array(arguments.dropFirst()))
} else if arguments.count == 3, arguments[1] == "help", let topic = HelpTopic(rawValue: arguments[2]) {
    print(topic.text)
} else {
    Minifo.main()
}
