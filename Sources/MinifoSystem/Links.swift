import Glibc

/// readlinkat(2): the target of the symlink at `path` below `dir` (`beneath`), as raw bytes.
public func readlinkat(_ dir: Descriptor<some FileTree>, _ path: some Collection<UInt8>) throws(Errno) -> [UInt8] {
    var capacity = 256
    while true {
        var target = [UInt8](repeating: 0, count: capacity)
        let count = try beneath(dir.rawValue, path) { (d, p) throws(Errno) -> Int in
            try target.withUnsafeMutableBytes { raw in
                attempt { Glibc.readlinkat(d, p, raw.baseAddress!.assumingMemoryBound(to: CChar.self), capacity) }
            }.get()
        }
        if count < capacity {
            target.removeSubrange(count...)
            return target
        }
        capacity *= 4
        if capacity > Int(PATH_MAX) * 4 { throw .ENAMETOOLONG }
    }
}
