import MinifoSystem
import OverlayCore

/// `minifo status`: one line per change, `KIND     PATH` with the kind padded to eight
/// columns, and in parentheses what differs beyond the kind itself.
public enum StatusFormat {
    public static func line(_ change: StorageChange) -> String {
        let kind = change.kind.rawValue
        var line = kind + String(repeating: " ", count: max(1, 9 - kind.count))
        if change.kind == .renamed, let from = change.basePath {
            line += TextFormatting.path(from) + " -> "
        }
        line += TextFormatting.path(change.path)
        let details = self.details(change)
        if !details.isEmpty { line += " (" + details.joined(separator: ", ") + ")" }
        return line
    }

    /// What differs, in words: for a modified file the data is implied and its time too.
    static func details(_ change: StorageChange) -> [String] {
        let d = change.differences
        var out: [String] = []
        if d.replaced { out.append("replaced") }
        if d.type, let before = change.before, let after = change.after {
            out.append("\(TextFormatting.typeName(before.fileType)) -> \(TextFormatting.typeName(after.fileType))")
            return out
        }
        if change.kind == .renamed && d.data { out.append("contents changed") }
        guard let before = change.before, let after = change.after else { return out }
        if d.mode { out.append("mode \(TextFormatting.mode(before.mode)) -> \(TextFormatting.mode(after.mode))") }
        if d.owner { out.append("owner \(before.uid):\(before.gid) -> \(after.uid):\(after.gid)") }
        let timeImplied = change.kind == .modified || change.kind == .renamed && d.data
        if d.modificationTime && !timeImplied { out.append("mtime " + times(before.modificationTime, after.modificationTime)) }
        if d.accessTime { out.append("atime " + times(before.accessTime, after.accessTime)) }
        for xattr in d.xattrs {
            let what = xattr.before == nil ? "set" : xattr.after == nil ? "removed" : "changed"
            out.append("xattr \(TextFormatting.escaped(xattr.name)) \(what)")
        }
        return out
    }

    /// Two times to the second, or to the nanosecond when the seconds are the same.
    private static func times(_ before: Timespec, _ after: Timespec) -> String {
        let precise = before.seconds == after.seconds
        return TextFormatting.time(before, nanoseconds: precise) + " -> " + TextFormatting.time(after, nanoseconds: precise)
    }
}
