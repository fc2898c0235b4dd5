import FUSEProtocol
import Testing

@Suite("Reply encoding: byte-exact against fuse.h layouts")
struct ReplyEncodeTests {
    private func encoded(_ encode: (inout [UInt8]) -> Void) -> [UInt8] {
        var buffer: [UInt8] = []
        encode(&buffer)
        return buffer
    }

    @Test func errorLiteralBytes() {
        let bytes = encoded { Reply.error(2, unique: 0x0102_0304_0506_0708, into: &$0) }
        #expect(bytes == [0x10, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01])
    }

    @Test func emptySuccess() {
        #expect(encoded { Reply.error(0, unique: 5, into: &$0) } == Fixture.outHeader(length: 16, unique: 5))
    }

    @Test(arguments: [Int32(-2), 512, 100_000, .min])
    func errnoOutsideTheKernelRangeBecomesEIO(errno: Int32) {
        let bytes = encoded { Reply.error(errno, unique: 5, into: &$0) }
        #expect(bytes == Fixture.outHeader(length: 16, error: -5, unique: 5))
    }

    @Test func appendsWithoutClearing() {
        var buffer: [UInt8] = [0xAA]
        Reply.error(0, unique: 1, into: &buffer)
        #expect(buffer.count == 17 && buffer[0] == 0xAA)
    }

    @Test func entry() {
        let bytes = encoded { Reply.entry(Fixture.entry, unique: Fixture.unique, into: &$0) }
        #expect(bytes == Fixture.outHeader(length: 16 + 128) + Fixture.entryBytes)
    }

    @Test func attr() {
        let bytes = encoded {
            Reply.attr(Fixture.attr, validSeconds: 0x1_0000_0001, validNsec: 250, unique: Fixture.unique, into: &$0)
        }
        let expected = Fixture.outHeader(length: 16 + 104) + Wire { w in
            w.u64(0x1_0000_0001)
            w.u32(250)
            w.u32(0)
            w.raw(Fixture.attrBytes)
        }.bytes
        #expect(bytes == expected)
    }

    @Test func open() {
        let out = OpenOut(fileHandle: 0xF00D, openFlags: [.keepCache, .passthrough], backingID: -7)
        let bytes = encoded { Reply.open(out, unique: Fixture.unique, into: &$0) }
        #expect(bytes == Fixture.outHeader(length: 32) + Wire { w in
            w.u64(0xF00D)
            w.u32(0x82)
            w.i32(-7)
        }.bytes)
    }

    @Test func openFlagBits() {
        let all: OpenFlags = [.directIO, .keepCache, .nonSeekable, .cacheDir, .stream, .noFlush,
                              .parallelDirectWrites, .passthrough]
        #expect(all.rawValue == 0xFF)
    }

    @Test func create() {
        let bytes = encoded {
            Reply.create(Fixture.entry, OpenOut(fileHandle: 3, openFlags: .directIO), unique: Fixture.unique, into: &$0)
        }
        #expect(bytes == Fixture.outHeader(length: 16 + 128 + 16) + Fixture.entryBytes + Wire { w in
            w.u64(3)
            w.u32(1)
            w.u32(0)
        }.bytes)
    }

    @Test func statfs() {
        let out = StatfsOut(blocks: 1000, bfree: 500, bavail: 400, files: 100, ffree: 50,
                            bsize: 4096, namelen: 255, frsize: 4096)
        let bytes = encoded { Reply.statfs(out, unique: Fixture.unique, into: &$0) }
        #expect(bytes == Fixture.outHeader(length: 96) + Wire { w in
            for value: UInt64 in [1000, 500, 400, 100, 50] { w.u64(value) }
            w.u32(4096)
            w.u32(255)
            w.u32(4096)
            w.zeros(28)
        }.bytes)
    }

    @Test func eightByteReplies() {
        let write = encoded { Reply.write(size: 0x0001_0000, unique: 1, into: &$0) }
        #expect(write == Fixture.outHeader(length: 24, unique: 1) + [0, 0, 1, 0, 0, 0, 0, 0])
        let xattr = encoded { Reply.xattrSize(42, unique: 1, into: &$0) }
        #expect(xattr == Fixture.outHeader(length: 24, unique: 1) + [42, 0, 0, 0, 0, 0, 0, 0])
        let lseek = encoded { Reply.lseek(offset: 0x0102_0304_0506_0708, unique: 1, into: &$0) }
        #expect(lseek == Fixture.outHeader(length: 24, unique: 1) + [8, 7, 6, 5, 4, 3, 2, 1])
        let copy = encoded { Reply.copyFileRange64(bytesCopied: 1 << 33, unique: 1, into: &$0) }
        #expect(copy == Fixture.outHeader(length: 24, unique: 1) + [0, 0, 0, 0, 2, 0, 0, 0])
    }

    @Test func bytesAndDataHeader() {
        let link = encoded { Reply.bytes("../a/b".utf8, unique: 1, into: &$0) }
        #expect(link == Fixture.outHeader(length: 22, unique: 1) + Array("../a/b".utf8))
        let empty = encoded { Reply.bytes([UInt8](), unique: 1, into: &$0) }
        #expect(empty == Fixture.outHeader(length: 16, unique: 1))
        let header = encoded { Reply.dataHeader(payloadLength: 131_072, unique: 1, into: &$0) }
        #expect(header == Fixture.outHeader(length: 16 + 131_072, unique: 1))
    }

    @Test func statx() {
        let statx = Statx(
            mask: 0x7FF, blksize: 4096, attributes: 0x20, nlink: 1, uid: 1000, gid: 1001, mode: 0o100644,
            ino: 77, size: 10, blocks: 8, attributesMask: 0x1234,
            atime: StatxTimestamp(seconds: 1, nanoseconds: 2), btime: StatxTimestamp(seconds: -3, nanoseconds: 4),
            ctime: StatxTimestamp(seconds: 5, nanoseconds: 6), mtime: StatxTimestamp(seconds: 7, nanoseconds: 8),
            rdevMajor: 9, rdevMinor: 10, devMajor: 11, devMinor: 12)
        let bytes = encoded { Reply.statx(statx, validSeconds: 1, validNsec: 2, unique: Fixture.unique, into: &$0) }
        let expected = Fixture.outHeader(length: 16 + 288) + Wire { w in
            w.u64(1)
            w.u32(2)
            w.u32(0)
            w.zeros(16)
            w.u32(0x7FF)
            w.u32(4096)
            w.u64(0x20)
            w.u32(1)
            w.u32(1000)
            w.u32(1001)
            w.u16(0o100644)
            w.u16(0)
            w.u64(77)
            w.u64(10)
            w.u64(8)
            w.u64(0x1234)
            for (seconds, nanoseconds) in [(Int64(1), UInt32(2)), (-3, 4), (5, 6), (7, 8)] {
                w.i64(seconds)
                w.u32(nanoseconds)
                w.u32(0)
            }
            for value: UInt32 in [9, 10, 11, 12] { w.u32(value) }
            w.zeros(112)
        }.bytes
        #expect(bytes == expected)
    }
}

@Suite("Notifications")
struct NotifyTests {
    @Test func invalInode() {
        var buffer: [UInt8] = []
        Notify.invalInode(nodeID: 42, offset: -1, length: 0, into: &buffer)
        #expect(buffer == Fixture.outHeader(length: 40, error: 2, unique: 0) + Wire { w in
            w.u64(42)
            w.i64(-1)
            w.i64(0)
        }.bytes)
    }

    @Test func invalEntry() {
        var buffer: [UInt8] = []
        Notify.invalEntry(parent: 1, name: "file.txt".utf8, into: &buffer)
        #expect(buffer == Fixture.outHeader(length: 16 + 16 + 9, error: 3, unique: 0) + Wire { w in
            w.u64(1)
            w.u32(8)
            w.u32(0)
            w.cString("file.txt")
        }.bytes)
    }

    @Test func delete() {
        var buffer: [UInt8] = []
        Notify.delete(parent: 1, child: 99, name: "gone".utf8, into: &buffer)
        #expect(buffer == Fixture.outHeader(length: 16 + 24 + 5, error: 6, unique: 0) + Wire { w in
            w.u64(1)
            w.u64(99)
            w.u32(4)
            w.u32(0)
            w.cString("gone")
        }.bytes)
    }
}
