import CMinifo
import Glibc

/// Every call in this module that takes a directory descriptor and a relative path reaches the
/// path through `beneath`: the directories on the way are opened with openat2(2)
/// RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, so a symlink planted in a layer, or a directory
/// swapped for one, never leads a call outside the layer, and `..` cannot either. The last
/// component is the call's own, and none of the calls follows it when it is a symlink.
/// A path of one name needs no extra call.
@inline(__always)
func beneath<R>(_ dir: Int32, _ path: some Collection<UInt8>,
                _ body: (Int32, UnsafePointer<CChar>) throws(Errno) -> R) throws(Errno) -> R {
    var lastSlash: Int?
    var offset = 0
    for byte in path {
        if byte == 0x2F { lastSlash = offset }
        offset += 1
    }
    guard let lastSlash else {
        return try withCString(path) { (p) throws(Errno) in try body(dir, p) }
    }
    let bytes = Array(path)
    let parent = try openDirectoryBeneath(dir, bytes[..<lastSlash])
    defer { Glibc.close(parent) }
    return try withCString(bytes[(lastSlash + 1)...]) { (p) throws(Errno) in try body(parent, p) }
}

/// The longest path openat2(2) takes at once (PATH_MAX with its NUL). Renames can move
/// objects deeper than that; such paths are walked a piece at a time.
private let longestPiece = Int(PATH_MAX) - 1

/// An O_PATH descriptor of the directory at `path` below `dir`, reached through directories
/// only and without leaving `dir`: ELOOP for a symlink on the way, EXDEV for a way out.
private func openDirectoryBeneath(_ dir: Int32, _ path: ArraySlice<UInt8>) throws(Errno) -> Int32 {
    var current = dir
    var rest = path
    while true {
        var piece = rest
        if rest.count > longestPiece {
            guard let cut = rest.prefix(longestPiece + 1).lastIndex(of: 0x2F) else {
                if current != dir { Glibc.close(current) }
                throw .ENAMETOOLONG
            }
            piece = rest[..<cut]
            rest = rest[(cut + 1)...]
        } else {
            rest = []
        }
        let from = current
        defer { if from != dir { Glibc.close(from) } }
        current = try withCString(piece) { (p) throws(Errno) -> Int32 in
            while true {
                let fd = cminifo_openat2(from, p, directoryFlags, 0, cminifo_RESOLVE_BENEATH_NO_SYMLINKS)
                if fd >= 0 { return fd }
                // EAGAIN: a rename raced a scoped lookup, and the kernel asks for a retry.
                let error = Errno.current
                if error != .EINTR && error != .EAGAIN { throw error }
            }
        }
        if rest.isEmpty { return current }
    }
}

private let directoryFlags = UInt64(cminifo_O_PATH | O_DIRECTORY | O_CLOEXEC)
