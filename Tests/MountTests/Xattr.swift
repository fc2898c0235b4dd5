import Glibc

/// The `l*xattr` calls, looked up with dlsym because Glibc's Swift module does not
/// import <sys/xattr.h>. None of them follows a symlink.
enum Xattr {
    private typealias ListFn = @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<CChar>?, Int) -> Int
    private typealias GetFn = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int
    private typealias SetFn = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32
    private typealias RemoveFn = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>) -> Int32

    private static func symbol<T>(_ name: String, as: T.Type) -> T {
        guard let sym = dlsym(nil, name) else { fatalError("dlsym(\(name)) failed") }
        return unsafeBitCast(sym, to: T.self)
    }

    private static let llistxattr = symbol("llistxattr", as: ListFn.self)
    private static let lgetxattr = symbol("lgetxattr", as: GetFn.self)
    private static let lsetxattr = symbol("lsetxattr", as: SetFn.self)
    private static let lremovexattr = symbol("lremovexattr", as: RemoveFn.self)

    /// The names of every extended attribute, sorted.
    static func list(_ path: RawPath) throws -> [[UInt8]] {
        let size = path.withCString { llistxattr($0, nil, 0) }
        if size < 0 { throw SysError(call: "llistxattr", path: path.description, errno: errno) }
        if size == 0 { return [] }
        var buffer = [UInt8](repeating: 0, count: size + 256)
        let n = path.withCString { p in
            buffer.withUnsafeMutableBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { llistxattr(p, $0.baseAddress!, $0.count) }
            }
        }
        if n < 0 { throw SysError(call: "llistxattr", path: path.description, errno: errno) }
        return buffer[0..<n].split(separator: 0, omittingEmptySubsequences: true).map(Array.init).sorted {
            $0.lexicographicallyPrecedes($1)
        }
    }

    static func get(_ path: RawPath, _ name: [UInt8]) throws -> [UInt8] {
        let key = RawPath(bytes: name)
        let size = path.withCString { p in key.withCString { lgetxattr(p, $0, nil, 0) } }
        if size < 0 { throw SysError(call: "lgetxattr \(key)", path: path.description, errno: errno) }
        var buffer = [UInt8](repeating: 0, count: size + 256)
        let n = path.withCString { p in
            key.withCString { k in buffer.withUnsafeMutableBytes { lgetxattr(p, k, $0.baseAddress!, $0.count) } }
        }
        if n < 0 { throw SysError(call: "lgetxattr \(key)", path: path.description, errno: errno) }
        return Array(buffer[0..<n])
    }

    static func set(_ path: RawPath, _ name: String, _ value: [UInt8]) throws {
        let rc = path.withCString { p in
            name.withCString { k in value.withUnsafeBytes { lsetxattr(p, k, $0.baseAddress, value.count, 0) } }
        }
        if rc != 0 { throw SysError(call: "lsetxattr \(name)", path: path.description, errno: errno) }
    }

    /// `lsetxattr`, giving 0 or errno.
    static func setErrno(_ path: RawPath, _ name: String, _ value: [UInt8]) -> Int32 {
        let rc = path.withCString { p in
            name.withCString { k in value.withUnsafeBytes { lsetxattr(p, k, $0.baseAddress, value.count, 0) } }
        }
        return rc == 0 ? 0 : errno
    }

    /// `lremovexattr`, giving 0 or errno.
    static func removeErrno(_ path: RawPath, _ name: String) -> Int32 {
        let rc = path.withCString { p in name.withCString { lremovexattr(p, $0) } }
        return rc == 0 ? 0 : errno
    }
}
