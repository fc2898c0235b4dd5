import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// The `minifo` command: help, version, options, and bad input answered with one line
    /// and nothing mounted.
    @Suite
    struct CLITests {
        @Test func versionPrintsAVersion() throws {
            try MountEnvironment.requireBinaries()
            let result = try run(MountEnvironment.minifo, ["--version"])
            #expect(result.succeeded, "\(result)")
            let version = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!version.isEmpty && version.contains(where: \.isNumber), "--version printed \(result.stdout.debugDescription)")
            #expect(!version.contains("\n"), "--version printed more than one line")
        }

        @Test func helpMentionsBothCommands() throws {
            try MountEnvironment.requireBinaries()
            let result = try run(MountEnvironment.minifo, ["--help"])
            #expect(result.succeeded, "\(result)")
            #expect(result.stdout.contains("mount"), "\(result)")
            #expect(result.stdout.contains("umount"), "\(result)")
            let mountHelp = try run(MountEnvironment.minifo, ["mount", "--help"])
            #expect(mountHelp.succeeded, "\(mountHelp)")
            for word in ["BASE", "STORAGE", "MOUNTPOINT", "-o", "--foreground"] {
                #expect(mountHelp.stdout.uppercased().contains(word.uppercased()), "`minifo mount --help` does not mention \(word)")
            }
        }

        /// One bad `minifo mount`, and where it points.
        enum BadInput: String, CaseIterable, Sendable, CustomTestStringConvertible {
            case baseMissing, baseIsAFile, storageMissing, storageIsAFile, storageInsideBase, baseInsideStorage
            case storageIsBase, mountPointMissing, mountPointIsAFile, mountPointNotEmpty, unknownOption, unknownOptionAmongGoodOnes

            var testDescription: String { rawValue }

            /// Arranges the fixture and gives (options, base, storage, mount point).
            func arrange(_ f: MountFixture) throws -> (options: [String], base: String, storage: String, mountPoint: String) {
                switch self {
                case .baseMissing:
                    return ([], f.root + "/no-such-base", f.storage, f.mountPoint)
                case .baseIsAFile:
                    try Sys.writeFile(RawPath(f.root + "/base-file"), [])
                    return ([], f.root + "/base-file", f.storage, f.mountPoint)
                case .storageMissing:
                    return ([], f.base, f.root + "/no-such-storage", f.mountPoint)
                case .storageIsAFile:
                    try Sys.writeFile(RawPath(f.root + "/storage-file"), [])
                    return ([], f.base, f.root + "/storage-file", f.mountPoint)
                case .storageInsideBase:
                    try Sys.mkdir(RawPath(f.base + "/inner-storage"))
                    return ([], f.base, f.base + "/inner-storage", f.mountPoint)
                case .baseInsideStorage:
                    try Sys.mkdir(RawPath(f.storage + "/inner-base"))
                    return ([], f.storage + "/inner-base", f.storage, f.mountPoint)
                case .storageIsBase:
                    return ([], f.base, f.base, f.mountPoint)
                case .mountPointMissing:
                    return ([], f.base, f.storage, f.root + "/no-such-mnt")
                case .mountPointIsAFile:
                    try Sys.writeFile(RawPath(f.root + "/mnt-file"), [])
                    return ([], f.base, f.storage, f.root + "/mnt-file")
                case .mountPointNotEmpty:
                    try Sys.writeFile(f.mountRaw.appending("already-here"), [])
                    return ([], f.base, f.storage, f.mountPoint)
                case .unknownOption:
                    return (["frobnicate"], f.base, f.storage, f.mountPoint)
                case .unknownOptionAmongGoodOnes:
                    return (["ro", "frobnicate=7", "fsname=x"], f.base, f.storage, f.mountPoint)
                }
            }
        }

        @Test(arguments: BadInput.allCases)
        func badInputIsOneLineAndMountsNothing(_ input: BadInput) throws {
            try MountFixture.with { fixture in
                try Sys.writeFile(fixture.baseRaw.appending("file"), Array("x".utf8))
                let (options, base, storage, mountPoint) = try input.arrange(fixture)
                let result = try fixture.runMount(options: options, base: base, storage: storage, mountPoint: mountPoint)
                #expect(!result.succeeded && !result.signaled && !result.timedOut, "\(input): want a non-zero exit: \(result)")
                #expect(result.stderrLines.count == 1, "\(input): want exactly one line on stderr: \(result)")
                #expect(result.stderr.hasPrefix("minifo: "), "\(input): stderr must start with `minifo: `: \(result)")
                if input == .unknownOption || input == .unknownOptionAmongGoodOnes {
                    #expect(result.stderr.contains("frobnicate"), "the message must name the unknown option: \(result)")
                }
                // Nothing mounted, no daemon left.
                usleep(200_000)
                #expect(!MountEnvironment.isMounted(mountPoint), "\(input): \(mountPoint) got mounted")
                #expect(!MountEnvironment.isMounted(fixture.mountPoint), "\(input): \(fixture.mountPoint) got mounted")
                let left = ProcessRef.minifoProcesses(mountPoint: mountPoint)
                #expect(left.isEmpty, "\(input): minifo processes left: \(left)")
            }
        }

        @Test func nonemptyOptionAllowsAMountPointWithFiles() throws {
            try MountFixture.with { fixture in
                try Sys.writeFile(fixture.baseRaw.appending("from-base"), Array("base\n".utf8))
                try Sys.writeFile(fixture.mountRaw.appending("hidden-by-mount"), [])
                try fixture.mount(options: ["nonempty"])
                let names = try Sys.listDirectory(fixture.mountRaw).map { String(decoding: $0.name, as: UTF8.self) }
                #expect(names == ["from-base"])
                let result = try fixture.runUnmount()
                #expect(result.succeeded, "\(result)")
                #expect(FileManager.default.fileExists(atPath: fixture.mountPoint + "/hidden-by-mount"))
            }
        }

        @Test func mountPointAlreadyAMountIsRefused() throws {
            try MountFixture.with { fixture in
                try Sys.writeFile(fixture.baseRaw.appending("file"), Array("x".utf8))
                try fixture.mount()
                let second = try fixture.runMount()
                #expect(!second.succeeded && !second.timedOut, "a second mount on the same point: \(second)")
                #expect(second.stderrLines.count == 1 && second.stderr.hasPrefix("minifo: "), "\(second)")
                #expect(MountEnvironment.mountCount(fixture.mountPoint) == 1, "mounts on \(fixture.mountPoint): \(MountEnvironment.mountCount(fixture.mountPoint))")
                #expect(try Sys.readFile(fixture.mountRaw.appending("file")) == Array("x".utf8), "the first mount still serves")
                // Also refused with nonempty: a mount point is not just a non-empty directory.
                let third = try fixture.runMount(options: ["nonempty"])
                #expect(!third.succeeded, "a second mount with -o nonempty: \(third)")
                #expect(MountEnvironment.mountCount(fixture.mountPoint) == 1)
            }
        }

        @Test func optionsShowInProcMounts() throws {
            try MountFixture.with { fixture in
                try Sys.writeFile(fixture.baseRaw.appending("file"), Array("x".utf8))
                try fixture.mount(options: ["fsname=minifo-test-source", "subtype=minitest", "ro", "default_permissions", "allow_other"])
                let entry = MountEnvironment.mountEntries().last { $0.mountPoint == fixture.mountPoint }
                let found = try #require(entry, "no /proc/mounts entry")
                #expect(found.source == "minifo-test-source")
                #expect(found.type == "fuse.minitest")
                for option in ["ro", "default_permissions", "allow_other"] {
                    #expect(found.options.contains(option), "\(option) missing from \(found.options)")
                }
                #expect(try Sys.readFile(fixture.mountRaw.appending("file")) == Array("x".utf8))
            }
        }

        @Test func umountOfSomethingNotMountedIsOneLine() throws {
            try MountFixture.with { fixture in
                let result = try fixture.runUnmount()
                #expect(!result.succeeded, "\(result)")
                #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix("minifo: "), "\(result)")
                let missing = try run(MountEnvironment.minifo, ["umount", fixture.root + "/nowhere"])
                #expect(!missing.succeeded)
                #expect(missing.stderrLines.count == 1 && missing.stderr.hasPrefix("minifo: "), "\(missing)")
            }
        }
    }
}
