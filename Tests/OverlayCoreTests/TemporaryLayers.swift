import Foundation
import MinifoSystem
import OverlayCore

/// A base and a storage directory under a fresh temporary directory, removed on deinit.
final class TemporaryLayers {
    let root: URL
    var base: URL { root.appendingPathComponent("base") }
    var storage: URL { root.appendingPathComponent("storage") }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("minifo-core-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func write(_ relative: String, _ text: String, in layer: URL) throws {
        let url = layer.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func mkdir(_ relative: String, in layer: URL) throws {
        try FileManager.default.createDirectory(at: layer.appendingPathComponent(relative), withIntermediateDirectories: true)
    }

    func overlay() throws -> Overlay {
        try Overlay(base: base.path, storage: storage.path)
    }
}

func path(_ string: String) -> RelativePath {
    string.isEmpty ? .root : RelativePath(bytes: Array(string.utf8))
}

func names(_ overlay: Overlay, _ directory: String) throws -> [String] {
    let stream = try overlay.openDirectory(path(directory))
    var result: [String] = []
    var offset: Int64 = 0
    while let item = try stream.next(from: offset) {
        result.append(String(decoding: item.name, as: UTF8.self))
        offset = item.nextOffset
    }
    return result.filter { $0 != "." && $0 != ".." }.sorted()
}
