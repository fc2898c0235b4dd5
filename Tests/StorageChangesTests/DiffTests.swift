import Foundation
import MinifoSystem
import OverlayCore
@testable import StorageChanges
import Testing

@Suite struct DiffTests {
    /// Applies unified hunks to `old`, checking every context and removed line on the way.
    private func apply(_ hunks: [[UInt8]], to old: [UInt8]) throws -> [UInt8] {
        let oldLines = UnifiedDiff.lines(old).map(Array.init)
        var result: [[UInt8]] = []
        var next = 0
        for hunk in hunks {
            let lines = UnifiedDiff.lines(hunk).map(Array.init).filter { !$0.starts(with: Array("\\ No newline".utf8)) }
            let header = String(decoding: lines[0], as: UTF8.self)
            let oldStart = Int(header.split(separator: " ")[1].dropFirst().split(separator: ",")[0])!
            let startIndex = header.contains(",0 +") ? oldStart : oldStart - 1
            result += oldLines[next..<startIndex]
            next = startIndex
            for line in lines.dropFirst() {
                switch line.first {
                case 0x20, 0x2D:
                    try #require(oldLines[next] == Array(line.dropFirst()), "context or removed line does not match")
                    if line.first == 0x20 { result.append(Array(line.dropFirst())) }
                    next += 1
                default:
                    result.append(Array(line.dropFirst()))
                }
            }
        }
        result += oldLines[next...]
        return result.flatMap { $0 + [0x0A] }
    }

    /// The length of a longest common subsequence, by dynamic programming.
    private func lcs(_ a: [Int], _ b: [Int]) -> Int {
        var row = [Int](repeating: 0, count: b.count + 1)
        for x in a {
            var diagonal = 0
            for j in 0..<b.count {
                let up = row[j + 1]
                row[j + 1] = x == b[j] ? diagonal + 1 : max(row[j + 1], row[j])
                diagonal = up
            }
        }
        return row[b.count]
    }

    @Test func myersFindsALongestCommonSubsequence() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let a = (0..<Int.random(in: 0...40, using: &generator)).map { _ in Int.random(in: 0...5, using: &generator) }
            let b = (0..<Int.random(in: 0...40, using: &generator)).map { _ in Int.random(in: 0...5, using: &generator) }
            let matches = LineDiff.matches(a, b)
            #expect(matches.count == lcs(a, b), "a \(a) b \(b)")
            #expect(matches.allSatisfy { a[$0.0] == b[$0.1] })
            #expect(zip(matches, matches.dropFirst()).allSatisfy { $0.0 < $1.0 && $0.1 < $1.1 })
        }
    }

    @Test func hunksTurnTheOldTextIntoTheNew() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let words = ["a", "b", "c", "d", "e", "f", "g"]
            let old = (0..<Int.random(in: 0...30, using: &generator)).map { _ in words.randomElement(using: &generator)! + "\n" }.joined()
            let new = (0..<Int.random(in: 0...30, using: &generator)).map { _ in words.randomElement(using: &generator)! + "\n" }.joined()
            let hunks = UnifiedDiff.hunks(Array(old.utf8), Array(new.utf8))
            #expect(try apply(hunks, to: Array(old.utf8)) == Array(new.utf8), "old \(old.debugDescription) new \(new.debugDescription)")
            #expect(hunks.isEmpty == (old == new))
        }
    }

    @Test func hunksLookLikeDiffU() {
        let old = (1...20).map { "line \($0)\n" }.joined()
        let new = old.replacingOccurrences(of: "line 2\n", with: "line two\n").replacingOccurrences(of: "line 18\n", with: "")
        let text = UnifiedDiff.hunks(Array(old.utf8), Array(new.utf8)).map { String(decoding: $0, as: UTF8.self) }
        #expect(text == [
            "@@ -1,5 +1,5 @@\n line 1\n-line 2\n+line two\n line 3\n line 4\n line 5\n",
            "@@ -15,6 +15,5 @@\n line 15\n line 16\n line 17\n-line 18\n line 19\n line 20\n",
        ])
        let noNewline = UnifiedDiff.hunks(Array("a\nb".utf8), Array("a\nc".utf8)).map { String(decoding: $0, as: UTF8.self) }
        #expect(noNewline == ["@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"])
        let created = UnifiedDiff.hunks([], Array("x\n".utf8)).map { String(decoding: $0, as: UTF8.self) }
        #expect(created == ["@@ -0,0 +1 @@\n+x\n"])
    }

    @Test func sha256MatchesKnownDigests() {
        var empty = SHA256()
        #expect(empty.hexDigest() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256()
        abc.update(Array("abc".utf8))
        #expect(abc.hexDigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var long = SHA256()
        for _ in 0..<1000 { long.update(Array(repeating: UInt8(ascii: "a"), count: 1000)) }
        #expect(long.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func diffOfAStorageDirectoryAppliesWithPatch() throws {
        let s = try Scratch()
        try s.write("etc/x", (1...10).map { "l\($0)\n" }.joined())
        try s.write("gone", "bye\n")
        try s.write("bin", "bin\u{0}ary")
        try s.change { o in
            try o.append("etc/x", "l11\n")
            try o.delete("gone")
            try o.make("newf", "new\n")
            try o.append("bin", "\u{0}")
            try o.chmod("etc/x", 0o600)
        }
        let storage = try s.open()
        let text = try storage.changes().map { String(decoding: try DiffFormat(storage).diff($0), as: UTF8.self) }.joined()
        #expect(text.contains("--- base/etc/x\t"))
        #expect(text.contains("+++ storage/etc/x\t"))
        #expect(text.contains("@@ -8,3 +8,4 @@\n l8\n l9\n l10\n+l11\n"))
        #expect(text.contains("  mode 0644 -> 0600\n"))
        #expect(text.contains("+++ /dev/null\t"))
        #expect(text.contains("--- /dev/null\t"))
        #expect(text.contains("Binary files base/bin and storage/bin differ: 7 bytes, sha256 "))
        try FileManager.default.copyItem(atPath: s.base, toPath: s.root + "/copy")
        try text.write(toFile: s.root + "/patch", atomically: false, encoding: .utf8)
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/patch") else { return }
        let patch = Process()
        patch.executableURL = URL(fileURLWithPath: "/usr/bin/patch")
        patch.arguments = ["-s", "-p1", "-d", s.root + "/copy", "-i", s.root + "/patch"]
        try patch.run()
        patch.waitUntilExit()
        #expect(try String(contentsOfFile: s.root + "/copy/etc/x", encoding: .utf8) == (1...11).map { "l\($0)\n" }.joined())
        #expect(try String(contentsOfFile: s.root + "/copy/newf", encoding: .utf8) == "new\n")
        #expect(!FileManager.default.fileExists(atPath: s.root + "/copy/gone"))
    }
}
