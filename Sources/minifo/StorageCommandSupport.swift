import MinifoSystem
import OverlayCore
import StorageChanges

/// Opens STORAGE for status, diff and export (or, `writable`, for revert, with its lock held):
/// a bad directory, a missing base or a damaged META file ends the command with one line.
/// Repairs made while reading are warned about.
func openStorage(_ path: String, writable: Bool = false) throws -> StorageDirectory {
    let storage: StorageDirectory
    do {
        storage = try StorageDirectory(path, writable: writable)
    } catch {
        throw fail(error.description)
    }
    for warning in storage.warnings { printError("minifo: warning: " + warning) }
    return storage
}

/// The changes of `storage` that `paths` select.
func changes(of storage: StorageDirectory, paths: [String]) throws -> [StorageChange] {
    guard let filter = ChangeFilter(paths) else { throw fail("a PATH must not contain '..': give paths inside the mount") }
    do {
        return try storage.changes().filter(filter.keeps)
    } catch {
        throw fail("cannot read \(storage.path) and its base \(storage.base): \(error)")
    }
}

/// Standard output, written in large pieces.
struct StandardOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ text: String) {
        buffer += text.utf8
        if buffer.count >= 64 * 1024 { flush() }
    }

    mutating func write(_ bytes: [UInt8]) {
        buffer += bytes
        if buffer.count >= 64 * 1024 { flush() }
    }

    mutating func flush() {
        var done = 0
        while done < buffer.count {
            guard let written = try? MinifoSystem.write(1, Array(buffer[done...])), written > 0 else { break }
            done += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
