import Foundation
import Glibc
import Testing

extension MinifoMountTests {
    /// Two changes the kernel lets run at once, which the daemon must not mix up: a change
    /// inside a directory while the directory is renamed, and a change of a base object's
    /// metadata while another change copies it up. Found by the concurrency test (a META
    /// record hidden by a storage copy, once in CI).
    @Suite
    struct RaceTests {
        /// The kernel locks the two parents for a rename, not the directory moved, so creates
        /// inside it run meanwhile; through a descriptor of the directory they must land in it,
        /// wherever its name has gone, as natively.
        @Test(arguments: [false, true])
        func changesInsideADirectoryBeingRenamedLandInIt(exchange: Bool) throws {
            try MountFixture.with { fixture in
                for name in ["a", "b", "a/d", "b/d"] { try Sys.mkdir(fixture.baseRaw.appending(name)) }
                try fixture.mount()
                let m = fixture.mountRaw
                if !exchange { try #require(rmdir(fixture.mountPoint + "/b/d") == 0) }
                let directory = try Sys.open(m.appending("a/d"), O_RDONLY | O_DIRECTORY)
                defer { close(directory) }
                let rounds = 1500
                let renamed = Locked(0)
                let errors = Locked<[String]>([])
                DispatchQueue.concurrentPerform(iterations: 2) { worker in
                    if worker == 0 {
                        for i in 0..<rounds {
                            let (from, to) = i % 2 == 0 ? ("a/d", "b/d") : ("b/d", "a/d")
                            let rc = DiffCalls.renameat2(fixture.mountPoint + "/" + from, fixture.mountPoint + "/" + to,
                                                         exchange ? 2 /* RENAME_EXCHANGE */ : 0)
                            if rc != 0 { errors.withLock { $0.append("rename \(from) \(to): \(String(cString: strerror(Int32(-rc))))") } }
                            renamed.withLock { $0 += 1 }
                        }
                        return
                    }
                    var i = 0
                    while renamed.withLock({ $0 }) < rounds {
                        let name = "n\(i)"
                        i += 1
                        let fd = openat(directory, name, O_WRONLY | O_CREAT | O_EXCL, 0o644)
                        if fd < 0 {
                            errors.withLock { $0.append("create \(name): \(String(cString: strerror(errno)))") }
                            continue
                        }
                        close(fd)
                        if unlinkat(directory, name, 0) != 0 {
                            errors.withLock { $0.append("unlink \(name): \(String(cString: strerror(errno)))") }
                        }
                    }
                }
                let failed = errors.withLock { $0 }
                #expect(failed.isEmpty, "\(failed.count) calls failed, none would natively: \(failed.prefix(5))")
                for name in ["a/d", "b/d"] where Sys.statResult(m.appending(name)).errnoValue == 0 {
                    let left = try Sys.listDirectory(m.appending(name)).map { String(decoding: $0.name, as: UTF8.self) }
                    #expect(left.isEmpty, "\(name) holds files created and removed in the other directory: \(left.prefix(5))")
                }
            }
        }

        /// A chmod or setxattr of a base directory records the change in META, and a create
        /// below it copies the directory up, taking what META records along. The kernel locks
        /// only the create's own parent, so both may run at once: the change must end up in
        /// the copy, never in a META record the copy hides.
        @Test func metadataChangedWhileACreateCopiesTheDirectoryUpIsKept() throws {
            let count = 150
            try MountFixture.with { fixture in
                for i in 0..<count {
                    try Sys.mkdir(fixture.baseRaw.appending("d\(i)"))
                    try Sys.mkdir(fixture.baseRaw.appending("d\(i)/sub"))
                }
                try fixture.mount()
                let m = fixture.mountRaw
                for i in 0..<count {
                    let directory = m.appending("d\(i)")
                    DispatchQueue.concurrentPerform(iterations: 2) { worker in
                        if worker == 0 {
                            _ = Xattr.setErrno(directory, "user.k", [UInt8(i % 256)])
                            _ = directory.withCString { chmod($0, 0o711) }
                        } else {
                            _ = try? Sys.writeFile(directory.appending("sub/new"), [1])
                        }
                    }
                }
                var lost: [String] = []
                for i in 0..<count {
                    let directory = m.appending("d\(i)")
                    if try Sys.lstat(directory).st_mode & 0o7777 != 0o711 { lost.append("mode of d\(i)") }
                    if (try? Xattr.get(directory, Array("user.k".utf8))) != [UInt8(i % 256)] { lost.append("xattr of d\(i)") }
                }
                #expect(lost.isEmpty, "changes lost: \(lost.prefix(8))")
                let unmount = try fixture.runUnmount()
                try #require(unmount.succeeded, "\(unmount)")
                let check = try run(MountEnvironment.minifo, ["check", fixture.storage])
                #expect(check.succeeded, "minifo check: \(check.stdout)")
            }
        }
    }
}
