import FUSEProtocol
import Testing

@Suite("Request decoding: one byte-exact fixture per opcode")
struct RequestDecodeTests {
    @Test func headerFields() throws {
        var bytes = Fixture.request(Opcode.getattr.rawValue, payload: Wire { w in
            w.u32(0)
            w.u32(0)
            w.u64(0)
        }.bytes)
        bytes[38] = 0xAB  // padding is ignored
        bytes[39] = 0xCD
        let (header, _) = try decode(bytes)
        #expect(header == RequestHeader(length: 56, opcode: 3, unique: Fixture.unique, nodeID: Fixture.nodeID,
                                        uid: 1000, gid: 1001, pid: 4242, totalExtensionLength: 0))
    }

    @Test func lookup() throws {
        let bytes = Fixture.request(.lookup) { $0.cString("hello.txt") }
        let request = try decodeRequestOnly(bytes)
        #expect(request == .lookup(name: slice("hello.txt")))
        guard case .lookup(let name) = request else { return }
        // A slice of the input, not a copy.
        #expect(name.startIndex == 40 && name.endIndex == 49)
    }

    @Test func forget() throws {
        let bytes = Fixture.request(.forget) { $0.u64(0x1_0000_0005) }
        #expect(try decodeRequestOnly(bytes) == .forget(nlookup: 0x1_0000_0005))
    }

    @Test func getattr() throws {
        let bytes = Fixture.request(.getattr) { w in
            w.u32(1)
            w.u32(0)
            w.u64(0xFEED)
        }
        let request = try decodeRequestOnly(bytes)
        #expect(request == .getattr(GetattrIn(getattrFlags: 1, fileHandle: 0xFEED)))
        guard case .getattr(let arg) = request else { return }
        #expect(arg.hasFileHandle)
    }

    @Test func setattr() throws {
        let bytes = Fixture.request(.setattr) { w in
            w.u32(0xFFF)
            w.u32(0)
            w.u64(9)
            w.u64(4096)
            w.u64(0xABCD)
            w.i64(-5)
            w.i64(1_700_000_000)
            w.i64(1_700_000_001)
            w.u32(1)
            w.u32(2)
            w.u32(3)
            w.u32(0o4755)
            w.u32(0)
            w.u32(501)
            w.u32(20)
            w.u32(0)
        }
        #expect(bytes.count == 40 + 88)
        let expected = SetattrIn(
            valid: [.mode, .uid, .gid, .size, .atime, .mtime, .fileHandle, .atimeNow, .mtimeNow,
                    .lockOwner, .ctime, .killSuidgid],
            fileHandle: 9, size: 4096, lockOwner: 0xABCD, atime: -5, mtime: 1_700_000_000, ctime: 1_700_000_001,
            atimeNsec: 1, mtimeNsec: 2, ctimeNsec: 3, mode: 0o4755, uid: 501, gid: 20)
        #expect(try decodeRequestOnly(bytes) == .setattr(expected))
    }

    @Test func readlinkStatfsDestroy() throws {
        #expect(try decodeRequestOnly(Fixture.request(Opcode.readlink.rawValue)) == .readlink)
        #expect(try decodeRequestOnly(Fixture.request(Opcode.statfs.rawValue)) == .statfs)
        #expect(try decodeRequestOnly(Fixture.request(Opcode.destroy.rawValue)) == .destroy)
    }

    @Test func symlink() throws {
        let bytes = Fixture.request(.symlink) { w in
            w.cString("link")
            w.cString("../target/file")
        }
        #expect(try decodeRequestOnly(bytes) == .symlink(name: slice("link"), target: slice("../target/file")))
    }

    @Test func mknod() throws {
        let bytes = Fixture.request(.mknod) { w in
            w.u32(0o020644)
            w.u32(0x0103)
            w.u32(0o022)
            w.u32(0)
            w.cString("null")
        }
        #expect(try decodeRequestOnly(bytes) == .mknod(MknodIn(mode: 0o020644, rdev: 0x0103, umask: 0o022),
                                                      name: slice("null")))
    }

    @Test func mkdir() throws {
        let bytes = Fixture.request(.mkdir) { w in
            w.u32(0o755)
            w.u32(0o022)
            w.cString("subdir")
        }
        #expect(try decodeRequestOnly(bytes) == .mkdir(MkdirIn(mode: 0o755, umask: 0o022), name: slice("subdir")))
    }

    @Test func unlinkRmdirRemovexattr() throws {
        #expect(try decodeRequestOnly(Fixture.request(.unlink) { $0.cString("f") }) == .unlink(name: slice("f")))
        #expect(try decodeRequestOnly(Fixture.request(.rmdir) { $0.cString("d") }) == .rmdir(name: slice("d")))
        #expect(try decodeRequestOnly(Fixture.request(.removexattr) { $0.cString("user.x") })
            == .removexattr(name: slice("user.x")))
    }

    @Test func rename() throws {
        let bytes = Fixture.request(.rename) { w in
            w.u64(99)
            w.cString("old")
            w.cString("new name")
        }
        #expect(try decodeRequestOnly(bytes)
            == .rename(RenameIn(newDir: 99), oldName: slice("old"), newName: slice("new name")))
    }

    @Test func rename2() throws {
        let bytes = Fixture.request(.rename2) { w in
            w.u64(99)
            w.u32(2)
            w.u32(0)
            w.cString("a")
            w.cString("b")
        }
        #expect(try decodeRequestOnly(bytes)
            == .rename2(Rename2In(newDir: 99, flags: 2), oldName: slice("a"), newName: slice("b")))
    }

    @Test func link() throws {
        let bytes = Fixture.request(.link) { w in
            w.u64(1234)
            w.cString("hardlink")
        }
        #expect(try decodeRequestOnly(bytes) == .link(LinkIn(oldNodeID: 1234), name: slice("hardlink")))
    }

    @Test func openAndOpendir() throws {
        let payload = Wire { w in
            w.u32(0o100002)
            w.u32(1)
        }.bytes
        #expect(try decodeRequestOnly(Fixture.request(Opcode.open.rawValue, payload: payload))
            == .open(OpenIn(flags: 0o100002, openFlags: 1)))
        #expect(try decodeRequestOnly(Fixture.request(Opcode.opendir.rawValue, payload: payload))
            == .opendir(OpenIn(flags: 0o100002, openFlags: 1)))
        #expect(OpenIn(flags: 0o1001, openFlags: 1).killSuidgid && !OpenIn(flags: 0o1001).killSuidgid)
    }

    @Test(arguments: [Opcode.read, .readdir, .readdirplus])
    func readFamily(opcode: Opcode) throws {
        let bytes = Fixture.request(opcode) { w in
            w.u64(7)
            w.u64(0x1_0000_0000)
            w.u32(131_072)
            w.u32(2)
            w.u64(0xDEAD)
            w.u32(0o2)
            w.u32(0)
        }
        let arg = ReadIn(fileHandle: 7, offset: 0x1_0000_0000, size: 131_072,
                         readFlags: 2, lockOwner: 0xDEAD, flags: 0o2)
        let expected: Request = switch opcode {
        case .read: .read(arg)
        case .readdir: .readdir(arg)
        default: .readdirplus(arg)
        }
        #expect(try decodeRequestOnly(bytes) == expected)
    }

    @Test func write() throws {
        let data: [UInt8] = Array(0..<200).map { UInt8($0) }
        let bytes = Fixture.request(.write) { w in
            w.u64(5)
            w.u64(4096)
            w.u32(200)
            w.u32(4)
            w.u64(0)
            w.u32(0o100001)
            w.u32(0)
            w.raw(data)
        }
        let request = try decodeRequestOnly(bytes)
        let arg = WriteIn(fileHandle: 5, offset: 4096, size: 200, writeFlags: 4, lockOwner: 0, flags: 0o100001)
        #expect(request == .write(arg, data: ArraySlice(data)))
        #expect(arg.killSuidgid && !WriteIn(fileHandle: 5, offset: 0, size: 1, writeFlags: 3).killSuidgid)
        guard case .write(_, let payload) = request else { return }
        #expect(payload.startIndex == 80 && payload.count == 200)
    }

    @Test(arguments: [Opcode.release, .releasedir])
    func releaseFamily(opcode: Opcode) throws {
        let bytes = Fixture.request(opcode) { w in
            w.u64(11)
            w.u32(0o2)
            w.u32(3)
            w.u64(0xBEEF)
        }
        let arg = ReleaseIn(fileHandle: 11, flags: 0o2, releaseFlags: 3, lockOwner: 0xBEEF)
        #expect(try decodeRequestOnly(bytes) == (opcode == .release ? .release(arg) : .releasedir(arg)))
    }

    @Test(arguments: [Opcode.fsync, .fsyncdir])
    func fsyncFamily(opcode: Opcode) throws {
        let bytes = Fixture.request(opcode) { w in
            w.u64(12)
            w.u32(1)
            w.u32(0)
        }
        let request = try decodeRequestOnly(bytes)
        let arg = FsyncIn(fileHandle: 12, fsyncFlags: 1)
        #expect(request == (opcode == .fsync ? .fsync(arg) : .fsyncdir(arg)))
        #expect(arg.dataOnly)
    }

    @Test func setxattrCompat() throws {
        let bytes = Fixture.request(.setxattr) { w in
            w.u32(5)
            w.u32(1)
            w.cString("user.comment")
            w.raw("hello")
        }
        #expect(try decodeRequestOnly(bytes)
            == .setxattr(SetxattrIn(size: 5, flags: 1), name: slice("user.comment"), value: slice("hello")))
    }

    @Test func setxattrExtended() throws {
        let bytes = Fixture.request(.setxattr) { w in
            w.u32(3)
            w.u32(2)
            w.u32(1)
            w.u32(0)
            w.cString("system.posix_acl_access")
            w.raw([0, 1, 0])
        }
        #expect(try decodeRequestOnly(bytes, negotiated: [.setxattrExt])
            == .setxattr(SetxattrIn(size: 3, flags: 2, setxattrFlags: 1),
                         name: slice("system.posix_acl_access"), value: [0, 1, 0]))
    }

    @Test func setxattrEmptyValue() throws {
        let bytes = Fixture.request(.setxattr) { w in
            w.u32(0)
            w.u32(0)
            w.cString("user.empty")
        }
        #expect(try decodeRequestOnly(bytes)
            == .setxattr(SetxattrIn(size: 0), name: slice("user.empty"), value: []))
    }

    @Test func getxattrAndListxattr() throws {
        let get = Fixture.request(.getxattr) { w in
            w.u32(0)
            w.u32(0)
            w.cString("user.x")
        }
        #expect(try decodeRequestOnly(get) == .getxattr(GetxattrIn(size: 0), name: slice("user.x")))
        let list = Fixture.request(.listxattr) { w in
            w.u32(65536)
            w.u32(0)
        }
        #expect(try decodeRequestOnly(list) == .listxattr(size: 65536))
    }

    @Test func flush() throws {
        let bytes = Fixture.request(.flush) { w in
            w.u64(13)
            w.u32(0)
            w.u32(0)
            w.u64(0xCAFE)
        }
        #expect(try decodeRequestOnly(bytes) == .flush(FlushIn(fileHandle: 13, lockOwner: 0xCAFE)))
    }

    @Test func access() throws {
        let bytes = Fixture.request(.access) { w in
            w.u32(6)
            w.u32(0)
        }
        #expect(try decodeRequestOnly(bytes) == .access(mask: 6))
    }

    @Test func create() throws {
        let bytes = Fixture.request(.create) { w in
            w.u32(0o100101)
            w.u32(0o100644)
            w.u32(0o022)
            w.u32(1)
            w.cString("new.txt")
        }
        #expect(try decodeRequestOnly(bytes)
            == .create(CreateIn(flags: 0o100101, mode: 0o100644, umask: 0o022, openFlags: 1), name: slice("new.txt")))
        #expect(CreateIn(flags: 0o1101, mode: 0o100644, openFlags: 1).killSuidgid)
    }

    @Test func tmpfile() throws {
        let bytes = Fixture.request(.tmpfile) { w in
            w.u32(0o20200002)
            w.u32(0o100600)
            w.u32(0o077)
            w.u32(0)
            w.cString("/")
        }
        #expect(try decodeRequestOnly(bytes) == .tmpfile(CreateIn(flags: 0o20200002, mode: 0o100600, umask: 0o077)))
    }

    @Test func interrupt() throws {
        let bytes = Fixture.request(.interrupt) { $0.u64(0x8000_0000_0000_0042) }
        #expect(try decodeRequestOnly(bytes) == .interrupt(unique: 0x8000_0000_0000_0042))
    }

    @Test func batchForget() throws {
        let bytes = Fixture.request(.batchForget) { w in
            w.u32(3)
            w.u32(0)
            for i in UInt64(1)...3 {
                w.u64(100 + i)
                w.u64(i)
            }
        }
        #expect(try decodeRequestOnly(bytes) == .batchForget([
            ForgetOne(nodeID: 101, nlookup: 1), ForgetOne(nodeID: 102, nlookup: 2), ForgetOne(nodeID: 103, nlookup: 3),
        ]))
        let empty = Fixture.request(.batchForget) { w in
            w.u32(0)
            w.u32(0)
        }
        #expect(try decodeRequestOnly(empty) == .batchForget([]))
    }

    @Test func fallocate() throws {
        let bytes = Fixture.request(.fallocate) { w in
            w.u64(14)
            w.u64(8192)
            w.u64(1 << 30)
            w.u32(3)
            w.u32(0)
        }
        #expect(try decodeRequestOnly(bytes)
            == .fallocate(FallocateIn(fileHandle: 14, offset: 8192, length: 1 << 30, mode: 3)))
    }

    @Test func lseek() throws {
        let bytes = Fixture.request(.lseek) { w in
            w.u64(15)
            w.u64(12345)
            w.u32(4)
            w.u32(0)
        }
        #expect(try decodeRequestOnly(bytes) == .lseek(LseekIn(fileHandle: 15, offset: 12345, whence: 4)))
    }

    @Test(arguments: [Opcode.copyFileRange, .copyFileRange64])
    func copyFileRange(opcode: Opcode) throws {
        let bytes = Fixture.request(opcode) { w in
            for value: UInt64 in [1, 2, 3, 4, 5, 0x1_0000_0000, 0] { w.u64(value) }
        }
        let arg = CopyFileRangeIn(fileHandleIn: 1, offsetIn: 2, nodeIDOut: 3, fileHandleOut: 4, offsetOut: 5,
                                  length: 0x1_0000_0000, flags: 0)
        let expected: Request = opcode == .copyFileRange ? .copyFileRange(arg) : .copyFileRange64(arg)
        #expect(try decodeRequestOnly(bytes) == expected)
    }

    @Test func syncfs() throws {
        let bytes = Fixture.request(.syncfs) { $0.u64(0) }
        #expect(try decodeRequestOnly(bytes) == .syncfs)
    }

    @Test func statx() throws {
        let bytes = Fixture.request(.statx) { w in
            w.u32(1)
            w.u32(0)
            w.u64(16)
            w.u32(0x2000)
            w.u32(0xFFF)
        }
        #expect(try decodeRequestOnly(bytes)
            == .statx(StatxIn(getattrFlags: 1, fileHandle: 16, sxFlags: 0x2000, sxMask: 0xFFF)))
    }

    @Test(arguments: [Opcode.getlk, .setlk, .setlkw, .bmap, .ioctl, .poll, .notifyReply, .setupmapping, .removemapping])
    func unsupported(opcode: Opcode) throws {
        let bytes = Fixture.request(opcode.rawValue, payload: Array(repeating: 0xEE, count: 48))
        #expect(try decodeRequestOnly(bytes) == .unsupported(opcode))
    }

    @Test func opcodeNumbersMatchFuseH() {
        #expect(Opcode.allCases.count == 51)
        #expect(Opcode(rawValue: 7) == nil)
        #expect(Opcode(rawValue: 19) == nil)
        #expect(Opcode.initialize.rawValue == 26)
        #expect(Opcode.statx.rawValue == 52)
        #expect(Opcode.copyFileRange64.rawValue == 53)
        #expect(Opcode.initialize.name == "INIT")
        #expect(Opcode.copyFileRange64.name == "COPY_FILE_RANGE_64")
        #expect(!Opcode.forget.hasReply && !Opcode.batchForget.hasReply && Opcode.lookup.hasReply)
    }
}

@Suite("Request framing: extensions, slices and lengths")
struct RequestFramingTests {
    @Test(arguments: [Opcode.create, .mknod, .mkdir, .symlink, .tmpfile])
    func extensionsAreExcluded(opcode: Opcode) throws {
        let fixed: [UInt8] = switch opcode {
        case .mkdir: Array(repeating: 0, count: 8)
        case .symlink: []
        default: Array(repeating: 0, count: 16)
        }
        var payload = fixed + Array("entry".utf8) + [0]
        if opcode == .symlink { payload += Array("target".utf8) + [0] }
        let ext = Fixture.groupsExtension([27, 1000, 4242])
        let bytes = Fixture.request(opcode.rawValue, payload: payload, extensions: ext)
        #expect(bytes[36] == UInt8(ext.count / 8))

        let (header, request) = try decode(bytes)
        #expect(header.totalExtensionLength == 3)
        switch request {
        case .create(_, let name), .mknod(_, let name), .mkdir(_, let name):
            #expect(name == slice("entry"))
        case .symlink(let name, let target):
            #expect(name == slice("entry") && target == slice("target"))
        case .tmpfile:
            break
        default:
            Issue.record("unexpected \(request)")
        }
    }

    /// A name whose NUL lies only inside the extension area is truncated.
    @Test func nameMayNotRunIntoExtensions() throws {
        let ext: [UInt8] = Array("abcdefg".utf8) + [0]
        let bytes = Fixture.request(Opcode.mkdir.rawValue, payload: Array(repeating: 0, count: 8) + Array("dir".utf8),
                                    extensions: ext)
        #expect(throws: DecodeError.truncated(unique: Fixture.unique)) { try decode(bytes) }
        // Before 7.38 the field was padding, so the same bytes are all payload.
        #expect(try decodeRequestOnly(bytes, minor: 37) == .mkdir(MkdirIn(mode: 0), name: slice("dirabcdefg")))
    }

    @Test func extensionLongerThanRequestIsTruncated() {
        var bytes = Fixture.request(.lookup) { $0.cString("x") }
        bytes[36] = 1  // 8 bytes of extensions, but the payload is only 2
        #expect(throws: DecodeError.truncated(unique: Fixture.unique)) { try decode(bytes) }
    }

    @Test func bytesBeyondLengthAreIgnored() throws {
        let bytes = Fixture.request(.lookup) { $0.cString("x") } + Array("garbage".utf8)
        #expect(try decodeRequestOnly(bytes) == .lookup(name: slice("x")))
    }

    @Test func decodesFromTheMiddleOfABuffer() throws {
        let request = Fixture.request(.rename) { w in
            w.u64(5)
            w.cString("from")
            w.cString("to")
        }
        let buffer = Array(repeating: 0xFF, count: 13) + request + Array(repeating: 0xFF, count: 7)
        let (header, decoded) = try decodeRequest(buffer[13..<(13 + request.count)], protocolMinor: 45)
        #expect(header.unique == Fixture.unique)
        #expect(decoded == .rename(RenameIn(newDir: 5), oldName: slice("from"), newName: slice("to")))
        guard case .rename(_, let old, let new) = decoded else { return }
        #expect(old.startIndex == 13 + 48 && new.startIndex == 13 + 53)
    }

    @Test func nameWithoutNulIsTruncated() {
        let bytes = Fixture.request(.lookup) { $0.raw("no-terminator") }
        #expect(throws: DecodeError.truncated(unique: Fixture.unique)) { try decode(bytes) }
    }

    @Test func writeShorterThanItsSizeIsTruncated() {
        let bytes = Fixture.request(.write) { w in
            w.u64(1)
            w.u64(0)
            w.u32(100)
            w.u32(0)
            w.u64(0)
            w.u32(0)
            w.u32(0)
            w.raw(Array(repeating: 1, count: 99))
        }
        #expect(throws: DecodeError.truncated(unique: Fixture.unique)) { try decode(bytes) }
    }

    @Test func setxattrValueShorterThanItsSizeIsTruncated() {
        let bytes = Fixture.request(.setxattr) { w in
            w.u32(10)
            w.u32(0)
            w.cString("user.a")
            w.raw("short")
        }
        #expect(throws: DecodeError.truncated(unique: Fixture.unique)) { try decode(bytes) }
    }

    @Test func batchForgetCountBeyondPayloadIsTruncated() {
        let bytes = Fixture.request(.batchForget) { w in
            w.u32(0xFFFF_FFFF)
            w.u32(0)
            w.u64(1)
            w.u64(1)
        }
        #expect(throws: DecodeError.truncated(unique: Fixture.unique)) { try decode(bytes) }
    }

    @Test func lengthFieldLongerThanBufferIsTruncated() {
        var bytes = Fixture.request(.forget) { $0.u64(1) }
        bytes[0] = 49
        #expect(throws: DecodeError.truncated(unique: Fixture.unique)) { try decode(bytes) }
    }

    @Test func lengthFieldShorterThanHeaderIsTruncated() {
        var bytes = Fixture.request(.forget) { $0.u64(1) }
        bytes[0] = 39
        #expect(throws: DecodeError.truncated(unique: Fixture.unique)) { try decode(bytes) }
    }

    @Test func unknownOpcode() {
        let bytes = Fixture.request(9999, payload: [1, 2, 3])
        #expect(throws: DecodeError.unknownOpcode(9999, unique: Fixture.unique)) { try decode(bytes) }
        #expect(DecodeError.unknownOpcode(9999, unique: 1).errno == 38)
        #expect(DecodeError.truncated(unique: nil).errno == 5)
        // CUSE_INIT and the byte-swapped FUSE_INIT are not ours either.
        for opcode: UInt32 in [0, 7, 19, 54, 4096, 436_207_616] {
            #expect(throws: DecodeError.unknownOpcode(opcode, unique: Fixture.unique)) {
                try decode(Fixture.request(opcode))
            }
        }
    }
}
