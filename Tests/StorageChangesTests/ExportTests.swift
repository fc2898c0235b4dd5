import Foundation
import MinifoSystem
import OverlayCore
@testable import StorageChanges
import Testing

/// A member read back from tar bytes: the ustar header with the pax records applied.
struct ParsedMember {
    var path: String
    var type: UInt8
    var mode: UInt32
    var size: Int
    var link: String
    var pax: [String: [UInt8]]
    var data: [UInt8]
}

/// Reads a tar archive, checking each header's checksum.
func parseTar(_ bytes: [UInt8]) throws -> [ParsedMember] {
    func octal(_ range: Range<Int>, _ at: Int) -> Int {
        Int(String(decoding: bytes[(at + range.lowerBound)..<(at + range.upperBound)].prefix { $0 != 0 && $0 != 0x20 }, as: UTF8.self), radix: 8) ?? 0
    }
    func text(_ range: Range<Int>, _ at: Int) -> String {
        String(decoding: bytes[(at + range.lowerBound)..<(at + range.upperBound)].prefix { $0 != 0 }, as: UTF8.self)
    }
    var members: [ParsedMember] = []
    var offset = 0
    var pax: [String: [UInt8]] = [:]
    while offset + 512 <= bytes.count {
        let block = bytes[offset..<offset + 512]
        if block.allSatisfy({ $0 == 0 }) { break }
        var sum = 0
        for (i, byte) in block.enumerated() { sum += (148..<156).contains(i) ? 0x20 : Int(byte) }
        try #require(sum == octal(148..<156, offset), "bad checksum at \(offset)")
        #expect(text(257..<263, offset) == "ustar")
        let size = octal(124..<136, offset)
        let type = bytes[offset + 156]
        let data = Array(bytes[(offset + 512)..<(offset + 512 + size)])
        offset += 512 + (size + 511) / 512 * 512
        if type == 0x78 {
            var rest = data[...]
            while let space = rest.firstIndex(of: 0x20) {
                let length = Int(String(decoding: rest[rest.startIndex..<space], as: UTF8.self))!
                let record = rest[(space + 1)..<(rest.startIndex + length - 1)]
                let equals = record.firstIndex(of: 0x3D)!
                pax[String(decoding: record[..<equals], as: UTF8.self)] = Array(record[(equals + 1)...])
                rest = rest[(rest.startIndex + length)...]
            }
            continue
        }
        let prefix = text(345..<500, offset - 512 - (size + 511) / 512 * 512)
        let name = text(0..<100, offset - 512 - (size + 511) / 512 * 512)
        let path = pax["path"].map { String(decoding: $0, as: UTF8.self) } ?? (prefix.isEmpty ? name : prefix + "/" + name)
        let link = pax["linkpath"].map { String(decoding: $0, as: UTF8.self) } ?? text(157..<257, offset - 512 - (size + 511) / 512 * 512)
        members.append(ParsedMember(path: path, type: type, mode: UInt32(octal(100..<108, offset - 512 - (size + 511) / 512 * 512)),
                                    size: size, link: link, pax: pax, data: data))
        pax = [:]
    }
    return members
}

@Suite struct ExportTests {
    @Test func paxRecordsCountTheirOwnLength() {
        #expect(TarWriter.paxRecord("path", Array("a".utf8)) == Array("9 path=a\n".utf8))
        let long = TarWriter.paxRecord("path", Array(repeating: 0x61, count: 93))
        #expect(long.count == 103 && long.starts(with: Array("103 path=".utf8)))
        #expect(TarWriter.paxTime(Timespec(seconds: -2, nanoseconds: 500_000_000)) == "-1.500000000")
    }

    @Test func writerRoundTripsEveryKindOfMember() throws {
        let s = try Scratch()
        let file = s.root + "/data"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: file))
        let out = s.root + "/out.tar"
        let fd = try MinifoSystem.open(out, [.writeOnly, .create, .exclusive], mode: 0o644)
        let data = try MinifoSystem.open(file, [])
        var writer = TarWriter(fd: fd)
        let longName = Array((String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 120)).utf8)
        var regular = TarEntry(path: longName, kind: .regular, mode: 0o640)
        regular.size = 5
        regular.uid = 3_000_000
        regular.modificationTime = Timespec(seconds: 1_700_000_000, nanoseconds: 5)
        regular.xattrs = [(Array("user.k".utf8), [0, 1, 0x0A, 0xFF])]
        try writer.append(regular, data: Descriptor(unchecked: data))
        var link = TarEntry(path: Array("hard".utf8), kind: .hardLink, mode: 0o640)
        link.link = longName
        try writer.append(link)
        var symlink = TarEntry(path: Array("sl".utf8), kind: .symlink, mode: 0o777)
        symlink.link = Array("target".utf8)
        try writer.append(symlink)
        var device = TarEntry(path: Array("dev".utf8), kind: .characterDevice, mode: 0o600)
        device.deviceMajor = 1
        device.deviceMinor = 3
        try writer.append(device)
        try writer.append(TarEntry(path: Array("dir".utf8), kind: .directory, mode: 0o755))
        try writer.append(TarEntry(path: Array("fifo".utf8), kind: .fifo, mode: 0o644))
        try writer.append(TarEntry(path: [0x62, 0xFF], kind: .regular, mode: 0o644))
        try writer.finish()
        MinifoSystem.close(fd)
        MinifoSystem.close(data)

        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(bytes.count % 512 == 0)
        let members = try parseTar(bytes)
        #expect(members.map(\.path) == [String(decoding: longName, as: UTF8.self), "hard", "sl", "dev", "dir/", "fifo", "b\u{FFFD}"])
        #expect(members[0].data == Array("hello".utf8) && members[0].mode == 0o640)
        #expect(members[0].pax["uid"] == Array("3000000".utf8))
        #expect(members[0].pax["mtime"] == Array("1700000000.000000005".utf8))
        #expect(members[0].pax["SCHILY.xattr.user.k"] == [0, 1, 0x0A, 0xFF])
        #expect(members.map(\.type) == [0x30, 0x31, 0x32, 0x33, 0x35, 0x36, 0x30])
        #expect(members[1].link == String(decoding: longName, as: UTF8.self))
        #expect(members[6].pax["hdrcharset"] == Array("BINARY".utf8))

        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tar") else { return }
        let listing = Process()
        listing.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        listing.arguments = ["--xattrs", "-tvf", out]
        let pipe = Pipe()
        listing.standardOutput = pipe
        try listing.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        listing.waitUntilExit()
        #expect(listing.terminationStatus == 0)
        #expect(text.contains("3000000/0"))
        #expect(text.contains("hard link to dd"))
        #expect(text.contains("sl -> target"))
        #expect(text.contains("1,3"))
    }

    @Test func ociLayerHasWhiteoutsOpaqueMarkersAndWholeRenamedDirectories() throws {
        let s = try Scratch()
        try s.write("old/sub/f", "f\n")
        try s.write("usr/z", "z\n")
        try s.write("d/g", "g\n")
        try s.write("etc/x", "x\n")
        try s.change { o in
            try o.move("old", "new")
            try o.delete("usr/z")
            try o.delete("d/g")
            try o.delete("d", directory: true)
            try o.makeDirectory("d")
            try o.append("etc/x", "more\n")
        }
        let storage = try s.open()
        func export(_ format: ExportFormat) throws -> ([ParsedMember], [String]) {
            let out = s.root + "/out-\(format)"
            let fd = try MinifoSystem.open(out, [.writeOnly, .create, .exclusive], mode: 0o644)
            var export = ChangeExport(storage, format: format, fd: fd)
            try export.write(try storage.changes())
            MinifoSystem.close(fd)
            return (try parseTar(Array(try Data(contentsOf: URL(fileURLWithPath: out)))), export.warnings)
        }
        let (oci, ociWarnings) = try export(.oci)
        #expect(oci.map(\.path) == ["d/", "d/.wh..wh..opq", "etc/", "etc/x", ".wh.old", "new/", "new/sub/", "new/sub/f", "usr/", "usr/.wh.z"])
        #expect(ociWarnings.isEmpty)
        let (tar, tarWarnings) = try export(.tar)
        #expect(tar.map(\.path) == ["d/", "etc/x", "new/", "new/sub/", "new/sub/f"])
        #expect(tar.first { $0.path == "etc/x" }?.data == Array("x\nmore\n".utf8))
        #expect(tarWarnings.count == 1 && tarWarnings[0].hasPrefix("3 deletions"))
    }
}
