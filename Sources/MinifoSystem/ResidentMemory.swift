import Glibc

/// Trimming the daemon's resident set once it is up.
public enum ResidentMemory {
    /// Unmaps the pages of program code that startup touched, and turns off fault-around for
    /// them, so that from now on only the code the request path really uses is mapped. The pages
    /// stay in the page cache; touching one again is a minor fault. Only executable, read-only
    /// mappings qualify: read-only data may have been relocated in memory after loading.
    public static func dropStartupCode() {
        guard let maps = try? readWholeFile("/proc/self/maps") else { return }
        for line in maps.split(separator: 0x0A) {
            let fields = line.split(separator: 0x20, omittingEmptySubsequences: true)
            // start-end perms offset dev inode path
            guard fields.count >= 6, fields[5].first == 0x2F else { continue }
            let permissions = Array(fields[1])
            guard permissions == Array("r-xp".utf8) else { continue }
            let range = fields[0].split(separator: 0x2D)
            guard range.count == 2, let start = UInt(hex: range[0]), let end = UInt(hex: range[1]), end > start,
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            let length = Int(end - start)
            _ = madvise(address, length, MADV_RANDOM)
            _ = madvise(address, length, MADV_DONTNEED)
        }
    }

    private static func readWholeFile(_ path: String) throws(Errno) -> [UInt8] {
        let fd = try open(path, .readOnly)
        defer { Glibc.close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = try read(fd, into: &chunk)
            if count == 0 { return result }
            result += chunk[..<count]
        }
    }
}

private extension UInt {
    init?(hex digits: ArraySlice<UInt8>) {
        var value: UInt = 0
        for digit in digits {
            let nibble: UInt8
            switch digit {
            case 0x30...0x39: nibble = digit - 0x30
            case 0x61...0x66: nibble = digit - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt(nibble)
        }
        self = value
    }
}
