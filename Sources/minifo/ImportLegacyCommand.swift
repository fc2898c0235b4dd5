import ArgumentParser
import MinifoServer
import MinifoSystem
import OverlayCore

struct ImportLegacyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-legacy",
        abstract: "Convert a storage directory written by the mini_fo kernel module, in place.",
        discussion: """
            mini_fo kept a META file in each storage directory: 'D name' lines for deleted \
            base entries and 'R old-base-path name' lines for renamed directories. They become \
            whiteouts and redirects in minifo's META file at the storage root; the storage's \
            files stay as they are. The old META files are copied to the backup directory first \
            (default: STORAGE.legacy-backup-YYYYMMDD-HHMMSS beside STORAGE, in UTC). A line \
            mini_fo could not have written is refused with its file and line number, and nothing \
            is changed. A mounted storage is refused. See 'minifo help storage'.
            """)

    @Option(help: ArgumentHelp("The base directory the storage belongs to.", valueName: "dir"))
    var base: String

    @Option(help: ArgumentHelp("The base's path when mini_fo mounted it (base=), which R lines hold; default: --base.",
                               valueName: "dir"))
    var oldBase: String?

    @Option(help: ArgumentHelp("Where to copy the old META files; must not exist.", valueName: "dir"))
    var backup: String?

    @Argument(help: "The storage directory mini_fo wrote.")
    var storage: String

    func run() throws {
        let storagePath = try Self.directory(storage, role: "storage directory")
        let basePath = try Self.directory(base, role: "base")
        if storagePath == basePath || storagePath.hasPrefix(basePath + "/") || basePath.hasPrefix(storagePath + "/") {
            throw fail("the storage directory \(storagePath) and the base \(basePath) contain each other; give the storage mini_fo wrote and its base")
        }
        let backupPath = try backup.map(Self.absolute) ?? storagePath + ".legacy-backup-" + Timespec.now.utcStamp
        do {
            let legacy = try LegacyImport(storage: storagePath, base: basePath, oldBase: oldBase ?? basePath)
            for warning in legacy.warnings { printError("minifo: warning: " + warning) }
            let summary = try legacy.convert(backup: backupPath)
            print("imported \(summary.files) mini_fo META file\(summary.files == 1 ? "" : "s") into \(storagePath): "
                  + "\(summary.deletions) deleted, \(summary.renames) renamed; the old files are in \(backupPath)")
        } catch {
            throw fail(error.description)
        }
    }

    /// `path` with its parent directory made canonical, as the backup directory that is still
    /// to be created.
    private static func absolute(_ path: String) throws -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let name = parts.last, name != ".", name != ".." else { throw fail("the backup \(path) must name a new directory") }
        let parent = path.hasPrefix("/") ? "/" + parts.dropLast().joined(separator: "/") : (parts.count > 1 ? parts.dropLast().joined(separator: "/") : ".")
        let canonical = try directory(parent, role: "backup's parent directory")
        return (canonical == "/" ? "" : canonical) + "/" + name
    }

    private static func directory(_ path: String, role: String) throws -> String {
        do {
            return try MountConfiguration.existingDirectory(path, role: role)
        } catch {
            throw fail(error.description)
        }
    }
}
