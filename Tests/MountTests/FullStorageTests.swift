import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// Storage on a small tmpfs.
    @Suite
    struct FullStorageTests {
        static let bigSize = 2 << 20

        /// Mounts a tmpfs of `size` on the storage directory, for `body`, and always unmounts it.
        static func withSmallStorage(_ fixture: MountFixture, size: String, _ body: () throws -> Void) throws {
            let mounted = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0755", "minifo-test-storage", fixture.storage])
            try #require(mounted.succeeded, "mounting a tmpfs on the storage directory: \(mounted)")
            defer {
                if MountEnvironment.isMounted(fixture.mountPoint) { _ = try? fixture.runUnmount() }
                _ = try? run("/bin/umount", ["-l", fixture.storage])
            }
            try body()
        }

        /// copy_file_range(2) answers EXDEV between filesystems of
        /// different types, and every copy-up to such a storage directory failed.
        @Test func copyUpToStorageOnAnotherKindOfFilesystem() throws {
            try MountFixture.with { fixture in
                let data = BaseTree.randomBytes(300_000)
                try Sys.writeFile(fixture.baseRaw.appending("file"), data)
                try Self.withSmallStorage(fixture, size: "16m") {
                    try fixture.mount()
                    let file = fixture.mountRaw.appending("file")
                    let fd = try Sys.open(file, O_WRONLY | O_APPEND)
                    #expect(write(fd, "!", 1) == 1)
                    close(fd)
                    #expect(try Sys.readFile(file) == data + Array("!".utf8))
                    #expect(try Sys.readFile(fixture.storageRaw.appending("file")) == data + Array("!".utf8))
                }
            }
        }
    }
}
