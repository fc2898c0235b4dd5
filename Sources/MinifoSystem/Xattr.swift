import CMinifo
import Glibc

/// Extended attributes of the object at `path` below the directory `dir` (`beneath`), set and
/// removed in a writable tree only, never
/// following a final symlink. The object is reached through `/proc/self/fd/PARENT/NAME` so
/// that symlinks and special files work too, which the descriptor-based calls cannot do.
public enum ExtendedAttributes {
    /// lgetxattr(2). With `capacity` 0 only the value's size is returned.
    public static func get(_ dir: Descriptor<some FileTree>, _ path: some Collection<UInt8>, name: some Collection<UInt8>, capacity: Int) throws(Errno) -> (size: Int, value: [UInt8]) {
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
    public static func list(_ dir: Descriptor<some FileTree>, _ path: some Collection<UInt8>, capacity: Int) throws(Errno) -> (size: Int, names: [UInt8]) {
        var names = [UInt8](repeating: 0, count: capacity)
        let size = try withProcPath(dir, path) { (p) throws(Errno) -> Int in
            try names.withUnsafeMutableBytes { raw in
                attempt { llistxattr(p, capacity == 0 ? nil : raw.baseAddress?.assumingMemoryBound(to: CChar.self), capacity) }
            }.get()
        }
        if capacity > 0 { names.removeSubrange(size...) }
        return (size, names)
    }

    /// lsetxattr(2); `flags` are XATTR_CREATE (1) and XATTR_REPLACE (2).
    public static func set(_ dir: Descriptor<some WritableTree>, _ path: some Collection<UInt8>, name: some Collection<UInt8>, value: some Collection<UInt8>, flags: Int32 = 0) throws(Errno) {
        let bytes = Array(value)
        _ = try withProcPath(dir, path) { (p) throws(Errno) -> Int32 in
            try withCString(name) { (n) throws(Errno) -> Int32 in
                try bytes.withUnsafeBytes { raw in
                    attempt { lsetxattr(p, n, raw.baseAddress, raw.count, flags) }
                }.get()
            }
        }
    }

    /// lremovexattr(2).
    public static func remove(_ dir: Descriptor<some WritableTree>, _ path: some Collection<UInt8>, name: some Collection<UInt8>) throws(Errno) {
        _ = try withProcPath(dir, path) { (p) throws(Errno) -> Int32 in
            try withCString(name) { (n) throws(Errno) -> Int32 in try retrying { lremovexattr(p, n) } }
        }
    }

    /// Every attribute of one object as (name, value) pairs.
    public static func all(_ dir: Descriptor<some FileTree>, _ path: some Collection<UInt8>) throws(Errno) -> [([UInt8], [UInt8])] {
        let size = try list(dir, path, capacity: 0).size
        if size == 0 { return [] }
        let names = try list(dir, path, capacity: size + 256).names
        var result: [([UInt8], [UInt8])] = []
        for name in names.split(separator: 0) {
            let length = try get(dir, path, name: name, capacity: 0).size
            result.append((Array(name), try get(dir, path, name: name, capacity: length + 256).value))
        }
        return result
    }

    private static func withProcPath<R>(_ dir: Descriptor<some FileTree>, _ path: some Collection<UInt8>, _ body: (UnsafePointer<CChar>) throws(Errno) -> R) throws(Errno) -> R {
        try beneath(dir.rawValue, path) { (parent, name) throws(Errno) -> R in
            var full = Array("/proc/self/fd/\(parent)".utf8)
            let length = strlen(name)
            if length > 0 {
                full.append(0x2F)
                full.append(contentsOf: UnsafeRawBufferPointer(start: name, count: length))
            }
            return try withCString(full, body)
        }
    }
}
