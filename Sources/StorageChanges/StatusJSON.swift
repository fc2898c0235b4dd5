import MinifoSystem
import OverlayCore

/// `minifo status --json`: a JSON array with one object per change, in the order of the text
/// output. Members:
///
/// - `kind`: created, modified, metadata, deleted, renamed or opaque;
/// - `path`: the mount path ("" is the root); `type`: file, directory, symlink, fifo, socket,
///   character device or block device;
/// - `base`: the base path it is measured against (for renamed, the old one), `storage`: where
///   storage holds it, `old_path`: for renamed, the mount path whose whiteout hides the old name;
/// - `differs`: a list of type, data, replaced, mode, owner, mtime, atime, xattrs;
/// - `mode` ["0644", "0600"], `uid` and `gid` [before, after], `mtime` and `atime` [before,
///   after] as "SECONDS.NANOSECONDS" since the epoch, `xattrs` [{name, change: set, removed or
///   changed}] for what differs.
///
/// A path or name that is not valid UTF-8 is given with U+FFFD for each bad byte, and its
/// exact bytes in base64 under the same key with `_base64` added (`path_base64`, ...).
public enum StatusJSON {
    public static func document(_ changes: [StorageChange]) -> String {
        var writer = JSONWriter()
        writer.write(.array(changes.map(object)))
        return writer.text
    }

    static func object(_ change: StorageChange) -> JSONWriter.Value {
        var members: [(String, JSONWriter.Value)] = [("kind", .string(change.kind.rawValue))]
        members += JSONWriter.bytes("path", change.path.isRoot ? [] : change.path.bytes)
        members.append(("type", .string(TextFormatting.typeName(change.fileType))))
        if let base = change.basePath { members += JSONWriter.bytes("base", base.isRoot ? [] : base.bytes) }
        if let storage = change.storagePath { members += JSONWriter.bytes("storage", storage.isRoot ? [] : storage.bytes) }
        if let old = change.oldPath { members += JSONWriter.bytes("old_path", old.bytes) }
        let d = change.differences
        var differs: [String] = []
        if d.type { differs.append("type") }
        if d.data { differs.append("data") }
        if d.replaced { differs.append("replaced") }
        if d.mode { differs.append("mode") }
        if d.owner { differs.append("owner") }
        if d.modificationTime { differs.append("mtime") }
        if d.accessTime { differs.append("atime") }
        if !d.xattrs.isEmpty { differs.append("xattrs") }
        members.append(("differs", .array(differs.map { .string($0) })))
        if let before = change.before, let after = change.after {
            if d.mode { members.append(("mode", .array([.string(TextFormatting.mode(before.mode)), .string(TextFormatting.mode(after.mode))]))) }
            if d.owner {
                members.append(("uid", .array([.number(Int64(before.uid)), .number(Int64(after.uid))])))
                members.append(("gid", .array([.number(Int64(before.gid)), .number(Int64(after.gid))])))
            }
            if d.modificationTime { members.append(("mtime", .array([time(before.modificationTime), time(after.modificationTime)]))) }
            if d.accessTime { members.append(("atime", .array([time(before.accessTime), time(after.accessTime)]))) }
        }
        if !d.xattrs.isEmpty {
            members.append(("xattrs", .array(d.xattrs.map { xattr in
                .object(JSONWriter.bytes("name", xattr.name)
                    + [("change", .string(xattr.before == nil ? "set" : xattr.after == nil ? "removed" : "changed"))])
            })))
        }
        return .object(members)
    }

    private static func time(_ time: Timespec) -> JSONWriter.Value {
        .string("\(time.seconds).\(TextFormatting.padded(time.nanoseconds, 9))")
    }
}
