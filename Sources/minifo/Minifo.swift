import ArgumentParser
import MinifoServer

struct Minifo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minifo",
        abstract: "A copy-on-write overlay filesystem: a read-only base, a storage directory for every change.",
        discussion: HelpTopic.summary,
        version: minifoVersion,
        subcommands: [MountCommand.self, UnmountCommand.self, StatusCommand.self, DiffCommand.self, ExportCommand.self,
                      CheckCommand.self, RevertCommand.self, MergeCommand.self, ImportLegacyCommand.self])
}

/// Prints `minifo: MESSAGE` on standard error and fails with exit status 1.
func fail(_ message: String) -> ExitCode {
    printError("minifo: " + message)
    return ExitCode(1)
}
