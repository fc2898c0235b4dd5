/// One line of a META file that the original mini_fo kernel module kept in each directory of
/// its storage. It wrote two kinds, each ended by a newline, names unescaped:
///
///     D <name>                    the base entry <name> of this directory is deleted
///     R <old-base-path> <name>    <name> here is a renamed base directory; its base contents
///                                 are at <old-base-path>, an absolute path under the base
///                                 directory the module was mounted with (base=)
public enum LegacyRecord: Equatable, Sendable {
    case deleted(name: [UInt8])
    /// `from` is relative to the base root.
    case renamed(from: RelativePath, name: [UInt8])
}

/// A line of a legacy META file that is not a record mini_fo wrote.
public struct LegacyLineError: Error, Equatable, Sendable {
    /// 1-based.
    public var line: Int
    public var reason: String
}

public enum LegacyMeta {
    /// The records of a legacy META file with their line numbers. `oldBase` is the base
    /// directory the kernel module was mounted with, whose absolute paths `R` lines hold.
    public static func parse(_ bytes: [UInt8], oldBase: String) throws(LegacyLineError) -> [(line: Int, record: LegacyRecord)] {
        let baseComponents = components(Array(oldBase.utf8))
        var records: [(line: Int, record: LegacyRecord)] = []
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for (index, line) in lines.enumerated() {
            let number = index + 1
            if index == lines.count - 1 && bytes.last != 0x0A {
                throw LegacyLineError(line: number, reason: "the last line has no newline: the file was cut short")
            }
            guard line.count >= 2, line[line.startIndex + 1] == 0x20 else {
                throw LegacyLineError(line: number, reason: line.isEmpty ? "an empty line" : "not a 'D name' or 'R path name' line")
            }
            let rest = Array(line.dropFirst(2))
            switch line.first {
            case UInt8(ascii: "D"):
                guard Names.isValid(rest) else { throw LegacyLineError(line: number, reason: "'\(text(rest))' is not a file name") }
                records.append((number, .deleted(name: rest)))
            case UInt8(ascii: "R"):
                guard let space = rest.firstIndex(of: 0x20) else {
                    throw LegacyLineError(line: number, reason: "an R line needs an old base path and a new name")
                }
                let path = Array(rest[..<space])
                let name = Array(rest[(space + 1)...])
                guard path.first == 0x2F else { throw LegacyLineError(line: number, reason: "the old path '\(text(path))' is not absolute") }
                let pathComponents = components(path)
                guard pathComponents.count > baseComponents.count, pathComponents.starts(with: baseComponents) else {
                    throw LegacyLineError(line: number, reason: "the old path '\(text(path))' is not below the base \(oldBase) "
                                            + "(if mini_fo had the base at another path, give that path with --old-base)")
                }
                let relative = Array(pathComponents.dropFirst(baseComponents.count))
                guard relative.allSatisfy(Names.isValid) else {
                    throw LegacyLineError(line: number, reason: "the old path '\(text(path))' has a '.' or '..' in it")
                }
                guard Names.isValid(name) else { throw LegacyLineError(line: number, reason: "'\(text(name))' is not a directory name") }
                records.append((number, .renamed(from: RelativePath(bytes: Array(relative.joined(separator: [0x2F]))), name: name)))
            default:
                throw LegacyLineError(line: number, reason: "not a 'D name' or 'R path name' line")
            }
        }
        return records
    }

    /// The names of an absolute path, empty ones (from `//` or a trailing `/`) left out.
    private static func components(_ path: [UInt8]) -> [[UInt8]] {
        path.split(separator: 0x2F).map(Array.init)
    }

    private static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
