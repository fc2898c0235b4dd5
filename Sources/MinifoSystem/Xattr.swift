import CMinifo
import Glibc

/// Extended attributes of the object at `path` below the directory `dir`, never following a
/// final symlink. The path is reached through `/proc/self/fd/DIR/PATH` so that symlinks and
/// special files work too, which the descriptor-based calls cannot do.
public enum ExtendedAttributes {
    /// lgetxattr(2). With `capacity` 0 only the value's size is returned.
    public static func get(_ dir: Int32, _ path: some Collection<UInt8>, name: some Collection<UInt8>, capacity: Int) throws(Errno) -> (size: Int, value: [UInt8]) {
        var value = [UInt8](repeating: 0, count: capacity)
        let size = try withProcPath(dir, path) { (p) throws(Errno) -> Int in
            try withCString(name) { (n) throws(Errno) -> Int in
                try value.withUnsafeMutableBytes { raw in
                    attempt { lgetxattr(p, n, capacity == 0 ? nil : raw.baseAddress, capacity) }
                }.get()
            }
        }
        if capacity > 0 { value.removeSubrange(size...) }
        return (size, value)
    }

    /// llistxattr(2): NUL-terminated names back to back. With `capacity` 0 only the size.
    public static func list(_ dir: Int32, _ path: some Collection<UInt8>, capacity: Int) throws(Errno) -> (size: Int, names: [UInt8]) {
        var names = [UInt8](repeating: 0, count: capacity)
        let size = try withProcPath(dir, path) { (p) throws(Errno) -> Int in
            try names.withUnsafeMutableBytes { raw in
                attempt { llistxattr(p, capacity == 0 ? nil : raw.baseAddress?.assumingMemoryBound(to: CChar.self), capacity) }
            }.get()
        }
        if capacity > 0 { names.removeSubrange(size...) }
        return (size, names)
    }

    private static func withProcPath<R>(_ dir: Int32, _ path: some Collection<UInt8>, _ body: (UnsafePointer<CChar>) throws(Errno) -> R) throws(Errno) -> R {
        var full = Array("/proc/self/fd/\(dir)".utf8)
        if !path.isEmpty {
            full.append(0x2F)
            full.append(contentsOf: path)
        }
        return try withCString(full, body)
    }
}
