import ArgumentParser
import MinifoSystem
import StorageChanges

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the changes of STORAGE to a tar archive or an OCI image layer.",
        discussion: """
            tar: every created, modified, renamed or metadata-changed object as the mount shows
            it (pax format: long names, ids, nanosecond times, hard links, devices, FIFOs,
            xattrs as SCHILY.xattr.*), to extract over a copy of the base; deletions cannot be
            said in a plain tar and are counted in a warning. oci: an OCI image layer, with
            deletions as .wh.NAME, opaque directories as .wh..wh..opq and a renamed directory
            as its old name's whiteout and its whole new content.
            """)

    @Option(name: .short, help: "The archive to write.")
    var output: String

    @Option(help: "tar or oci.")
    var format: String = "tar"

    @Flag(help: "Replace FILE if it exists.")
    var force = false

    @Argument(help: "The storage directory.")
    var storage: String

    func run() throws {
        guard let format = ExportFormat(rawValue: format) else {
            throw fail("unknown format \(format): give --format tar or --format oci")
        }
        let directory = try openStorage(storage)
        let (parent, name) = try destination(directory)
        defer { close(parent) }
        if !force, (try? lstatat(parent, name)) != nil {
            throw fail("\(output) exists; add --force to replace it")
        }
        let found = try changes(of: directory, paths: [])
        let temporary = Array(".".utf8) + name + Array(".minifo-export-\(ProcessControl.processID)".utf8)
        let fd: Descriptor<OutsideLayers>
        do {
            fd = try openat(parent, temporary, [.writeOnly, .create, .exclusive, .noFollow], mode: 0o644)
        } catch {
            throw fail("cannot create a file beside \(output): \(error)")
        }
        var export = ChangeExport(directory, format: format, fd: fd.rawValue)
        do {
            try export.write(found)
            try synchronize(fd)
            close(fd)
            try rename(parent, temporary, parent, name, flags: force ? [] : .noReplace)
        } catch {
            close(fd)
            try? removeName(parent, temporary, directory: false)
            throw fail(error == .EEXIST ? "\(output) exists; add --force to replace it" : "cannot write \(output): \(error)")
        }
        for warning in export.warnings { printError("minifo: warning: " + warning) }
    }

    /// The directory FILE goes in, opened, and FILE's name. Writing into the storage directory
    /// would add a change, and the base is never written: both are refused.
    private func destination(_ directory: StorageDirectory) throws -> (Descriptor<OutsideLayers>, [UInt8]) {
        let bytes = Array(output.utf8)
        let slash = bytes.lastIndex(of: 0x2F)
        let name = Array(slash.map { bytes[($0 + 1)...] } ?? bytes[...])
        let parentPath = slash.map { $0 == 0 ? "/" : String(decoding: bytes[..<$0], as: UTF8.self) } ?? "."
        guard !name.isEmpty, name != [0x2E], name != [0x2E, 0x2E] else { throw fail("-o \(output) names a directory; give a file name") }
        let canonical: String
        do {
            canonical = try canonicalPath(parentPath)
        } catch {
            throw fail("the directory of \(output) does not exist; create it first")
        }
        for (root, what) in [(directory.path, "storage directory"), (directory.base, "base")] {
            if canonical == root || canonical.hasPrefix(root == "/" ? "/" : root + "/") {
                throw fail("\(output) is inside the \(what) \(root); write the archive somewhere else")
            }
        }
        do {
            return (try .openRoot(canonical), name)
        } catch {
            throw fail("cannot open the directory of \(output): \(error)")
        }
    }
}
