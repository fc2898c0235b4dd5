import Foundation
import Testing

extension MinifoMountTests {
    /// `minifo import-legacy`: a storage directory the mini_fo kernel module wrote, converted
    /// in place, mounts showing what mini_fo showed.
    @Suite
    struct ImportLegacyTests {
        static let meta = "META_dAfFgHE39ktF3HD2sr"

        private static func write(_ text: String, _ path: String) throws {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        }

        private static func names(_ directory: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        }

        /// mini_fo's storage after `rm /etc/init.d/S96led`, `rm -r /old`, `mv /usr/share/doc
        /// /usr/share/newdoc` and a new /etc/init.d/S20new.
        private static func seed(_ fixture: MountFixture) throws {
            for (path, text) in [("etc/init.d/S96led", "led\n"), ("etc/init.d/S10net", "net\n"),
                                 ("usr/share/doc/pkg/README", "readme\n"), ("old/keep", "old\n")] {
                try write(text, fixture.base + "/" + path)
            }
            try write("new\n", fixture.storage + "/etc/init.d/S20new")
            try FileManager.default.createDirectory(atPath: fixture.storage + "/usr/share/newdoc", withIntermediateDirectories: true)
            try write("D old\n", fixture.storage + "/" + meta)
            try write("D S96led\n", fixture.storage + "/etc/init.d/" + meta)
            try write("D doc\nR \(fixture.base)/usr/share/doc newdoc\n", fixture.storage + "/usr/share/" + meta)
        }

        @Test func convertedStorageMountsAsMiniFoShowedIt() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                let backup = fixture.root + "/backup"
                let result = try run(MountEnvironment.minifo, ["import-legacy", "--base", fixture.base, "--backup", backup, fixture.storage])
                try #require(result.succeeded, "\(result)")
                #expect(result.stdout.contains("imported 3 mini_fo META files") && result.stdout.contains(backup), "\(result)")
                #expect(try Self.names(backup) == [Self.meta, "etc", "usr"])

                try fixture.mount()
                #expect(try Self.names(fixture.mountPoint) == ["etc", "usr"])
                #expect(try Self.names(fixture.mountPoint + "/etc/init.d") == ["S10net", "S20new"])
                #expect(try Self.names(fixture.mountPoint + "/usr/share") == ["newdoc"])
                #expect(try String(contentsOfFile: fixture.mountPoint + "/usr/share/newdoc/pkg/README", encoding: .utf8) == "readme\n")
                // Still a working overlay: a change lands in storage.
                try "changed\n".write(toFile: fixture.mountPoint + "/usr/share/newdoc/pkg/README", atomically: false, encoding: .utf8)
                #expect(try String(contentsOfFile: fixture.storage + "/usr/share/newdoc/pkg/README", encoding: .utf8) == "changed\n")
                #expect(try String(contentsOfFile: fixture.base + "/usr/share/doc/pkg/README", encoding: .utf8) == "readme\n")
            }
        }

        @Test func aMountedStorageIsRefused() throws {
            try MountFixture.with { fixture in
                try FileManager.default.createDirectory(atPath: fixture.base + "/etc", withIntermediateDirectories: true)
                try fixture.mount()
                try Self.write("D passwd\n", fixture.storage + "/etc/" + Self.meta)
                let result = try run(MountEnvironment.minifo, ["import-legacy", "--base", fixture.base, fixture.storage])
                #expect(!result.succeeded && result.stderrLines.count == 1 && result.stderr.contains("is mounted"), "\(result)")
                #expect(try String(contentsOfFile: fixture.storage + "/etc/" + Self.meta, encoding: .utf8) == "D passwd\n")
                #expect(try Self.names(fixture.root) == ["base", "mnt", "storage"], "a backup was made")
            }
        }

        @Test func aMalformedLineIsOneLineWithFileAndLineAndChangesNothing() throws {
            try MountFixture.with { fixture in
                try Self.seed(fixture)
                try Self.write("D fine\nR no-path-here\n", fixture.storage + "/etc/" + Self.meta)
                let result = try run(MountEnvironment.minifo, ["import-legacy", "--base", fixture.base, fixture.storage])
                #expect(!result.succeeded && result.stderrLines.count == 1 && result.stderr.hasPrefix("minifo: "), "\(result)")
                #expect(result.stderr.contains("\(fixture.storage)/etc/\(Self.meta):2:"), "\(result)")
                #expect(try String(contentsOfFile: fixture.storage + "/" + Self.meta, encoding: .utf8) == "D old\n")
                #expect(try Self.names(fixture.root) == ["base", "mnt", "storage"], "a backup was made")
            }
        }
    }
}
