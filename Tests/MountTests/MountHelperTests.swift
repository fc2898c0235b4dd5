import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// The mount(8) form: `minifo BASE MNT -o storage=DIR` as mount.fuse3 runs it for
    /// `mount -t fuse.minifo` and fstab, `mount.minifo` for `-t minifo`, and mini_fo's and
    /// overlayfs's option names.
    @Suite
    struct MountHelperTests {
        private static func seed(_ fixture: MountFixture) throws {
            try Sys.mkdir(fixture.baseRaw.appending("dir"))
            try Sys.writeFile(fixture.baseRaw.appending("dir/file"), Array("from base\n".utf8))
        }

        /// The mount is up, shows the base, takes a write into storage, and names `source` in
        /// /proc/mounts.
        private static func expectServes(_ fixture: MountFixture, source: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let entry = MountEnvironment.mountEntries().last { $0.mountPoint == fixture.mountPoint }
            let found = try #require(entry, "\(fixture.mountPoint) is not in /proc/mounts", sourceLocation: sourceLocation)
            #expect(found.type == "fuse.minifo", sourceLocation: sourceLocation)
            #expect(found.source == source, "source shown by mount(8)", sourceLocation: sourceLocation)
            #expect(try Sys.readFile(fixture.mountRaw.appending("dir/file")) == Array("from base\n".utf8), sourceLocation: sourceLocation)
            try Sys.writeFile(fixture.mountRaw.appending("new"), Array("changed\n".utf8))
            #expect(try Sys.readFile(fixture.storageRaw.appending("new")) == Array("changed\n".utf8), sourceLocation: sourceLocation)
        }

        @Test func pathFirstWithStorageOption() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                // As mount.fuse3 passes them after mount(8) and fstab: fstab-only options included.
                let result = try run(MountEnvironment.minifo, [
                    fixture.base, fixture.mountPoint, "-o", "rw,storage=\(fixture.storage),defaults,noauto,x-systemd.automount,noatime,noexec",
                    "-o", "dev,suid",
                ], timeout: 30)
                try #require(result.succeeded, "\(result)")
                #expect(result.stderr.isEmpty, "\(result)")
                try Self.expectServes(fixture, source: fixture.base)
                let options = MountEnvironment.mountEntries().last { $0.mountPoint == fixture.mountPoint }?.options ?? []
                for option in ["noatime", "noexec"] { #expect(options.contains(option), "\(option) missing from \(options)") }
                for option in ["nosuid", "nodev"] { #expect(!options.contains(option), "\(option) in \(options) despite dev,suid") }
            }
        }

        @Test func overlayfsOptionNames() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                try Sys.mkdir(RawPath(fixture.root + "/work"))
                let options = "lowerdir=\(fixture.base),upperdir=\(fixture.storage),workdir=\(fixture.root)/work"
                let result = try run(MountEnvironment.minifo, ["-o", options, fixture.mountPoint], timeout: 30)
                try #require(result.succeeded, "\(result)")
                try Self.expectServes(fixture, source: fixture.base)
                #expect(try Sys.listDirectory(RawPath(fixture.root + "/work")).isEmpty, "workdir is not used")
            }
        }

        @Test func mountFuse3RunsMinifoFromPath() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                let helper = try #require(["/sbin/mount.fuse3", "/usr/sbin/mount.fuse3"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                          "mount.fuse3 is missing: install the fuse3 package")
                let directory = (MountEnvironment.minifo as NSString).deletingLastPathComponent
                let result = try shell(#"PATH="$1:$PATH" exec "$2" "$3" "$4" -t fuse.minifo -o "storage=$5,nofail,_netdev""#,
                                       [directory, helper, fixture.base, fixture.mountPoint, fixture.storage], timeout: 30)
                try #require(result.succeeded, "\(result)")
                try Self.expectServes(fixture, source: fixture.base)
            }
        }

        @Test func mountTypeFuseMinifo() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                let result = try MountNamespace.runScript(fixture, """
                    mount -t fuse.minifo "$BASE" "$MNT" -o "storage=$STORAGE" || exit 1
                    grep " $MNT " /proc/self/mounts | cut -d' ' -f1,3
                    cat "$MNT/dir/file"
                    echo changed > "$MNT/new"
                    umount "$MNT" && echo unmounted
                    """)
                #expect(result.succeeded, "\(result)")
                #expect(result.stdout == "\(fixture.base) fuse.minifo\nfrom base\nunmounted\n", "\(result)")
                #expect(try Sys.readFile(fixture.storageRaw.appending("new")) == Array("changed\n".utf8))
                #expect(!FileManager.default.fileExists(atPath: fixture.base + "/new"), "the base was written")
            }
        }

        @Test func fstabEntryMountsAndMountAllSeesItMounted() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                let fstab = fixture.root + "/fstab"
                try "\(fixture.base) \(fixture.mountPoint) fuse.minifo storage=\(fixture.storage),nofail,_netdev,x-systemd.automount 0 0\n"
                    .write(toFile: fstab, atomically: true, encoding: .utf8)
                let result = try MountNamespace.runScript(fixture, """
                    mount -T "\(fstab)" "$MNT" || exit 1
                    cat "$MNT/dir/file"
                    mount -T "\(fstab)" -a && echo mount-all-again
                    grep -c " $MNT " /proc/self/mounts
                    umount "$MNT" && echo unmounted
                    mount --fstab "\(fstab)" -a && ls "$MNT/dir"
                    umount "$MNT" && echo unmounted
                    """)
                #expect(result.succeeded, "\(result)")
                #expect(result.stdout == "from base\nmount-all-again\n1\nunmounted\nfile\nunmounted\n", "\(result)")
            }
        }

        @Test func mountTypeMinifoWithMiniFoOptions() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                let result = try MountNamespace.runScript(fixture, """
                    mount -t minifo -o "base=$BASE,sto=$STORAGE" "$BASE" "$MNT" || exit 1
                    grep " $MNT " /proc/self/mounts | cut -d' ' -f1,3
                    cat "$MNT/dir/file"
                    umount "$MNT" && echo unmounted
                    """)
                #expect(result.succeeded, "\(result)")
                #expect(result.stdout == "\(fixture.base) fuse.minifo\nfrom base\nunmounted\n", "\(result)")
            }
        }

        /// One bad mount(8)-form command line and what its message must name.
        enum BadInput: String, CaseIterable, Sendable, CustomTestStringConvertible {
            case unknownOption, twoLowerLayers, noStorage, noBase, storageTwice, missingWorkdir, setuidWithoutMountFuse
            case dropPrivileges, emptyStorage, wrongType

            var testDescription: String { rawValue }

            func arguments(_ f: MountFixture) -> (arguments: [String], mentions: String) {
                switch self {
                case .unknownOption: ([f.base, f.mountPoint, "-o", "storage=\(f.storage),frobnicate"], "frobnicate")
                case .twoLowerLayers: (["-o", "lowerdir=\(f.base):\(f.root),upperdir=\(f.storage)", f.mountPoint], "lowerdir")
                case .noStorage: ([f.base, f.mountPoint, "-o", "ro"], "storage=DIR")
                case .noBase: ([f.mountPoint, "-o", "storage=\(f.storage)"], "base directory")
                case .storageTwice: ([f.base, f.mountPoint, "-o", "storage=\(f.storage),upperdir=\(f.root)"], "two different")
                case .missingWorkdir: (["-o", "lowerdir=\(f.base),upperdir=\(f.storage),workdir=\(f.root)/no-work", f.mountPoint], "no-work")
                case .setuidWithoutMountFuse: ([f.base, f.mountPoint, "-o", "storage=\(f.storage),setuid=nobody"], "fuse.minifo")
                case .dropPrivileges: ([f.base, f.mountPoint, "-o", "storage=\(f.storage),drop_privileges"], "drop_privileges")
                case .emptyStorage: ([f.base, f.mountPoint, "-o", "sto="], "sto=")
                case .wrongType: ([f.base, f.mountPoint, "-t", "ext4", "-o", "storage=\(f.storage)"], "ext4")
                }
            }
        }

        @Test(arguments: BadInput.allCases)
        func badInputIsOneLineAndMountsNothing(_ input: BadInput) throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                let (arguments, mentions) = input.arguments(fixture)
                let result = try run(MountEnvironment.minifo, arguments, timeout: 30)
                #expect(!result.succeeded && !result.signaled && !result.timedOut, "want a non-zero exit: \(result)")
                #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix("minifo: "), "want one line: \(result)")
                #expect(result.stderr.contains(mentions), "the message should name \(mentions): \(result)")
                #expect(!MountEnvironment.isMounted(fixture.mountPoint))
            }
        }
    }
}
