import Foundation
import Glibc

/// Builds the base tree the read-path tests compare through the mount: every file type,
/// odd names, owners, modes, old times, xattrs, hard links, a sparse file, a big random
/// file and a 5000-entry directory.
enum BaseTree {
    static let bigFile = "big.bin"
    static let bigFileSize = 5 << 20
    static let sparseFile = "sparse.bin"
    static let sparseFileSize = 3 << 20
    static let manyDirectory = "many"
    static let manyCount = 5000
    static let specialDirectory = "special"
    static let hardLinks = ("hard-a", "dir/hard-b")
    static let xattrFile = "xattr-file"
    static let xattrDirectory = "xattr-dir"
    static let emptyDirectory = "dir/sub/empty-dir"
    static let smallFile = "small.txt"
    /// `f\xff\xfe.bin`: not valid UTF-8.
    static let invalidUTF8Name: [UInt8] = [0x66, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]
    static let oldTimes = (atime: (1_000_000_000, 123_456_789), mtime: (999_999_999, 987_654_321))
    static let metaName = "META_dAfFgHE39ktF3HD2sr"

    static func build(at base: RawPath) throws {
        try Sys.writeFile(base.appending("empty"), [])
        try Sys.writeFile(base.appending(smallFile), Array("hello, minifo\n".utf8))
        try Sys.writeFile(base.appending("one-page.bin"), randomBytes(4096))
        try Sys.writeFile(base.appending("odd-size.bin"), randomBytes(12_345))
        try Sys.writeFile(base.appending("just-over-1M.bin"), randomBytes((1 << 20) + 1))
        try Sys.writeFile(base.appending(bigFile), randomBytes(bigFileSize))
        try makeSparseFile(base.appending(sparseFile))

        // Nested directories.
        try Sys.mkdir(base.appending("dir"))
        try Sys.mkdir(base.appending("dir/sub"))
        try Sys.mkdir(base.appending("dir/sub/deeper"))
        try Sys.mkdir(base.appending(emptyDirectory))
        try Sys.mkdir(base.appending("rmdir-me"))
        try Sys.writeFile(base.appending("dir/sub/deeper/leaf.txt"), Array("leaf\n".utf8))
        try Sys.writeFile(base.appending("dir/top.txt"), randomBytes(777))

        // Symlinks: relative, absolute, dangling, to a directory.
        try Sys.mkdir(base.appending("links"))
        try Sys.symlink(Array("../small.txt".utf8), base.appending("links/relative"))
        try Sys.symlink(base.appending(smallFile).bytes, base.appending("links/absolute"))
        try Sys.symlink(Array("does/not/exist".utf8), base.appending("links/dangling"))
        try Sys.symlink(Array("../dir".utf8), base.appending("links/to-dir"))
        try Sys.symlink(Array("/".utf8), base.appending("links/to-root"))

        // A hard-linked pair across directories.
        try Sys.writeFile(base.appending(hardLinks.0), randomBytes(3000))
        try Sys.link(base.appending(hardLinks.0), base.appending(hardLinks.1))

        // FIFO, unix socket, character device.
        let special = base.appending(specialDirectory)
        try Sys.mkdir(special)
        try Sys.mknod(special.appending("fifo"), FileType.fifo.rawValue | 0o640, 0)
        try Sys.bindSocket(special.appending("socket"))
        try Sys.mknod(special.appending("null"), FileType.characterDevice.rawValue | 0o666, Sys.makeDevice(major: 1, minor: 3))

        // Extended attributes (user namespace) on a file and a directory.
        try Sys.writeFile(base.appending(xattrFile), Array("xattrs here\n".utf8))
        try Xattr.set(base.appending(xattrFile), "user.one", Array("1".utf8))
        try Xattr.set(base.appending(xattrFile), "user.binary", [0, 1, 2, 0xff, 0, 0x80])
        try Xattr.set(base.appending(xattrFile), "user.empty", [])
        try Xattr.set(base.appending(xattrFile), "user.big", randomBytes(3000))
        try Sys.mkdir(base.appending(xattrDirectory))
        try Xattr.set(base.appending(xattrDirectory), "user.dir", Array("directory value".utf8))

        // A directory with 5000 entries.
        let many = base.appending(manyDirectory)
        try Sys.mkdir(many)
        for i in 0..<manyCount {
            let fd = try Sys.open(many.appending("entry-\(String(i).leftPadded(to: 5))"), O_WRONLY | O_CREAT | O_EXCL, 0o644)
            close(fd)
        }

        // Odd names.
        let names = base.appending("names")
        try Sys.mkdir(names)
        let oddNames: [[UInt8]] = [
            Array("with space".utf8), Array(" leading and trailing ".utf8), Array("new\nline".utf8),
            Array("back\\slash".utf8), Array("tab\there".utf8), invalidUTF8Name, Array("ünïcödé ✓".utf8),
            Array("-starts-with-dash".utf8), Array("...".utf8), Array(String(repeating: "n", count: 255).utf8),
        ]
        for name in oddNames {
            try Sys.writeFile(names.appending(name), name + Array(" content\n".utf8))
        }
        try Sys.mkdir(names.appending(Array("dir with\nnewline".utf8)))
        try Sys.symlink(invalidUTF8Name, names.appending(Array("link to \\xff".utf8)))

        // Modes.
        let modes = base.appending("modes")
        try Sys.mkdir(modes)
        for (name, mode) in [("m0600", 0o600), ("m0755", 0o755), ("m4755", 0o4755), ("m2755", 0o2755), ("m0000", 0o000), ("m0444", 0o444)] {
            try Sys.writeFile(modes.appending(name), Array(name.utf8))
            try Sys.chmod(modes.appending(name), mode_t(mode))
        }
        try Sys.mkdir(modes.appending("d0700"), 0o700)
        try Sys.chmod(modes.appending("d0700"), 0o700)
        try Sys.mkdir(modes.appending("d1777"))
        try Sys.chmod(modes.appending("d1777"), 0o1777)

        // Owners (chown clears setuid, so chmod after).
        let owned = base.appending("owned")
        try Sys.mkdir(owned)
        try Sys.writeFile(owned.appending("file"), Array("owned\n".utf8))
        try Sys.lchown(owned.appending("file"), 1234, 5678)
        try Sys.writeFile(owned.appending("setuid"), Array("setuid\n".utf8))
        try Sys.lchown(owned.appending("setuid"), 1234, 5678)
        try Sys.chmod(owned.appending("setuid"), 0o4755)
        try Sys.mkdir(owned.appending("dir"))
        try Sys.lchown(owned.appending("dir"), 1234, 5678)
        try Sys.symlink(Array("file".utf8), owned.appending("link"))
        try Sys.lchown(owned.appending("link"), 1234, 5678)
        try Sys.lchown(owned, 4321, 8765)

        // Old times, with nanoseconds, on a file, a symlink, a directory.
        let old = base.appending("old")
        try Sys.mkdir(old)
        try Sys.writeFile(old.appending("file"), Array("old\n".utf8))
        try Sys.symlink(Array("file".utf8), old.appending("link"))
        try Sys.mkdir(old.appending("dir"))
        for name in ["file", "link", "dir"] {
            try Sys.setTimes(old.appending(name), atime: oldTimes.atime, mtime: oldTimes.mtime)
        }
        try Sys.setTimes(old, atime: (1_234_567_890, 1), mtime: (1_234_567_890, 999_999_999))
        try Sys.setTimes(base.appending(bigFile), atime: (1_500_000_000, 5), mtime: (1_400_000_000, 7))
    }

    /// 4 KiB of data at 0 and at 1 MiB, holes elsewhere, 3 MiB long (a hole at the end).
    static func makeSparseFile(_ path: RawPath) throws {
        let fd = try Sys.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        try Sys.writeAll(fd, randomBytes(4096), at: 0, path: path)
        try Sys.writeAll(fd, randomBytes(4096), at: 1 << 20, path: path)
        if ftruncate(fd, off_t(sparseFileSize)) != 0 {
            throw SysError(call: "ftruncate", path: path.description, errno: errno)
        }
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        let fd = open("/dev/urandom", O_RDONLY)
        precondition(fd >= 0, "/dev/urandom: errno \(errno)")
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, count - filled) }
            precondition(n > 0 || errno == EINTR, "/dev/urandom: errno \(errno)")
            if n > 0 { filled += n }
        }
        return bytes
    }
}
