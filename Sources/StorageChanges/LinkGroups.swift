import MinifoSystem
import OverlayCore

/// The shared copies of hard-linked base files, kept in storage's hidden links directory under
/// the base file's inode number, and the base names each one stands for.
struct LinkGroups {
    /// Each copy by the inode number it is named after.
    let copies: [UInt64: LayerObject]
    /// Entries of the links directory that are not a non-directory named by a number.
    let strays: [RelativePath]
    /// The base paths of the non-directories, on the base's own filesystem, with those numbers.
    private let names: [UInt64: [RelativePath]]

    init(_ overlay: Overlay) throws(Errno) {
        (copies, strays) = try Self.list(overlay)
        names = copies.isEmpty ? [:] : try Self.baseNames(overlay.base, of: Set(copies.keys))
    }

    /// The entries of the links directory: the copies by inode number, and the strays.
    static func list(_ overlay: Overlay) throws(Errno) -> (copies: [UInt64: LayerObject], strays: [RelativePath]) {
        let storage = overlay.storage.root
        let directory = RelativePath(bytes: Names.links)
        var copies: [UInt64: LayerObject] = [:]
        var strays: [RelativePath] = []
        do {
            let reader = DirectoryReader(owning: try openat(storage, Names.links, [.directory, .noFollow]))
            while let entry = try reader.next() {
                if entry.isDotOrDotDot { continue }
                let path = directory.appending(entry.name)
                let stat = try lstatat(storage, path.bytes)
                // Any object but a directory can be hard-linked, and so have a shared copy.
                if let inode = UInt64(String(decoding: entry.name, as: UTF8.self)), stat.fileType != .directory {
                    copies[inode] = LayerObject(root: storage.readOnly, path: path, stat: stat)
                } else {
                    strays.append(path)
                }
            }
        } catch .ENOENT, .ENOTDIR {}
        return (copies, strays)
    }

    func baseNames(of inode: UInt64) -> [RelativePath] { names[inode] ?? [] }

    /// Walks the base for non-directories with these inode numbers, by the numbers directory
    /// entries carry, and stops once every file's link count is found.
    private static func baseNames(_ base: Layer<BaseTree>, of inodes: Set<UInt64>) throws(Errno) -> [UInt64: [RelativePath]] {
        var found: [UInt64: [RelativePath]] = [:]
        var remaining: [UInt64: UInt64] = [:]
        var pending: [RelativePath] = [.root]
        while let directory = pending.popLast() {
            let reader: DirectoryReader
            do {
                reader = DirectoryReader(owning: try openat(base.root, directory.bytes, [.directory, .noFollow]))
            } catch .EACCES {
                continue
            }
            while let entry = try reader.next() {
                if entry.isDotOrDotDot { continue }
                let path = directory.appending(entry.name)
                if entry.type == 4 || entry.type == 0 && (try? lstatat(base.root, path.bytes))?.fileType == .directory {
                    pending.append(path)
                    continue
                }
                guard inodes.contains(entry.inode), let stat = try? lstatat(base.root, path.bytes),
                      stat.fileType != .directory, stat.device == base.device else { continue }
                found[stat.inode, default: []].append(path)
                let left = remaining[stat.inode] ?? stat.linkCount
                remaining[stat.inode] = left > 0 ? left - 1 : 0
                if remaining.count == inodes.count && remaining.values.allSatisfy({ $0 == 0 }) { return found }
            }
        }
        return found
    }
}
