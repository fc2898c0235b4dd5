import Foundation
import MinifoSystem
import OverlayCore
import StorageChanges

/// A base and a storage directory under a fresh temporary directory, removed on deinit, with
/// the overlay calls a mount would make to change them.
final class Scratch {
    let root: String
    var base: String { root + "/base" }
    var storage: String { root + "/storage" }

    init() throws {
        root = NSTemporaryDirectory() + "minifo-changes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func write(_ relative: String, _ text: String, in layer: String? = nil) throws {
        let url = URL(fileURLWithPath: (layer ?? base) + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// A base with something to change for every kind of change.
    static func withEveryKind() throws -> Scratch {
        let s = try Scratch()
        try s.write("etc/x", "one\ntwo\n")
        try s.write("etc/y", "y\n")
        try s.write("etc/same", "same\n")
        try s.write("usr/z", "z\n")
        try s.write("old/sub/f", "f\n")
        try s.write("d/g", "g\n")
        try s.write("rfile", "r\n")
        try s.write("h1", "h\n")
        link(s.base + "/h1", s.base + "/h2")
        try s.write("xa", "xa\n")
        try s.write("cp", "cp\n")
        return s
    }

    func mkdir(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: base + "/" + relative, withIntermediateDirectories: true)
    }

    /// Runs `body` on a writable overlay, as a mount would, and closes it.
    func change(_ body: (Overlay) throws -> Void) throws {
        let overlay = try Overlay(base: base, storage: storage)
        try body(overlay)
    }

    func open() throws(StorageError) -> StorageDirectory { try StorageDirectory(storage) }

    func status(_ paths: [String] = []) throws -> [String] {
        try open().changes().filter(ChangeFilter(paths)!.keeps).map(StatusFormat.line)
    }
}

func path(_ string: String) -> RelativePath {
    string.isEmpty ? .root : RelativePath(bytes: Array(string.utf8))
}

func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

extension Overlay {
    /// Appends `text` to the file at `relative`, copying it up as a write through the mount does.
    func append(_ relative: String, _ text: String) throws {
        let (fd, entry) = try openForWriting(path(relative), flags: O_WRONLY)
        defer { MinifoSystem.close(fd) }
        try writeAll(fd, Array(text.utf8), offset: entry.stat.size)
    }

    func make(_ relative: String, _ text: String) throws {
        let target = path(relative)
        let (_, _, fd) = try create(target.name, in: target.parent!, .file(flags: O_WRONLY), mode: 0o100644,
                                    caller: Caller(uid: 0, gid: 0))
        if let fd {
            try writeAll(fd, Array(text.utf8), offset: 0)
            MinifoSystem.close(fd)
        }
    }

    /// One change of every kind to a base made by `Scratch.withEveryKind()`.
    func makeEveryKindOfChange() throws {
        try append("etc/x", "three\n")
        try chmod("etc/y", 0o600)
        try makeDirectory("a")
        try make("a/b", "new\n")
        try delete("usr/z")
        try move("old", "new")
        try delete("d/g")
        try delete("d", directory: true)
        try makeDirectory("d")
        try move("rfile", "rfile2")
        try append("h1", "more\n")
        try setExtendedAttribute(path("xa"), name: bytes("user.k"), value: bytes("v"), flags: 0)
    }

    func makeDirectory(_ relative: String) throws {
        let target = path(relative)
        _ = try create(target.name, in: target.parent!, .directory, mode: 0o040755, caller: Caller(uid: 0, gid: 0))
    }

    func delete(_ relative: String, directory: Bool = false) throws {
        let target = path(relative)
        try remove(target.name, in: target.parent!, directory: directory)
    }

    func move(_ from: String, _ to: String) throws {
        let source = path(from), target = path(to)
        try rename(source.name, in: source.parent!, to: target.name, in: target.parent!, flags: [])
    }

    func chmod(_ relative: String, _ mode: UInt32) throws {
        var change = AttributeChange()
        change.mode = mode
        _ = try changeAttributes(path(relative), change, fd: nil)
    }
}
