import Foundation
import Testing

extension MinifoMountTests {
    /// `minifo help TOPIC` and the shell completion scripts generated from the commands.
    @Suite
    struct HelpTests {
        @Test(arguments: [
            ("storage", ["META_dAfFgHE39ktF3HD2sr", "whiteout", "redirect", "adopt_base", "import-legacy"]),
            ("options", ["allow_other", "nopassthrough", "storage=DIR", "lowerdir=DIR", "nofail"]),
            ("fstab", ["/etc/fstab", "fuse.minifo", "mount.fuse3", "mount.minifo", "upperdir="]),
        ])
        func topicExplains(_ topic: String, _ words: [String]) throws {
            try MountEnvironment.requireBinaries()
            let result = try run(MountEnvironment.minifo, ["help", topic])
            #expect(result.succeeded && result.stderr.isEmpty, "\(result)")
            for word in words {
                #expect(result.stdout.contains(word), "`minifo help \(topic)` does not mention \(word)")
            }
        }

        @Test func rootHelpListsTopicsAndSubcommandHelpStillWorks() throws {
            try MountEnvironment.requireBinaries()
            let root = try run(MountEnvironment.minifo, ["--help"])
            for topic in ["storage", "options", "fstab"] {
                #expect(root.stdout.contains("minifo help TOPIC") && root.stdout.contains("  \(topic) "), "--help does not list \(topic)")
            }
            let mount = try run(MountEnvironment.minifo, ["help", "mount"])
            #expect(mount.succeeded && mount.stdout.contains("MOUNTPOINT") && mount.stdout.contains("nopassthrough"), "\(mount)")
        }

        @Test(arguments: [("bash", "complete -"), ("zsh", "#compdef minifo"), ("fish", "complete -c 'minifo'")])
        func completionScript(_ shell: String, _ marker: String) throws {
            try MountEnvironment.requireBinaries()
            let result = try run(MountEnvironment.minifo, ["--generate-completion-script", shell])
            #expect(result.succeeded, "\(result)")
            #expect(result.stdout.contains(marker), "\(shell) script lacks \(marker.debugDescription)")
            for word in ["umount", "foreground", "lazy"] {
                #expect(result.stdout.contains(word), "\(shell) script does not complete \(word)")
            }
        }
    }
}
