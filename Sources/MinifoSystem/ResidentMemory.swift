import CMinifo
import Glibc

/// Trimming the daemon's resident set once it is up.
public enum ResidentMemory {
    /// Unmaps the pages of program code and data that startup touched, and turns off
    /// fault-around for them, so that from now on only what the request path really uses is
    /// mapped. The pages stay in the page cache; touching one again is a minor fault. Code is
    /// dropped whole; of data, only the pages that still hold the file's own bytes (see
    /// `dropUnwrittenPages`). Call it while no other thread runs: a page written between the
    /// check and the drop would lose that write.
    public static func dropStartupPages() {
        guard let maps = try? readWholeFile("/proc/self/maps") else { return }
        let pagemap = try? open("/proc/self/pagemap", .readOnly)
        defer { if let pagemap { Glibc.close(pagemap) } }
        for line in maps.split(separator: 0x0A) {
            let fields = line.split(separator: 0x20, omittingEmptySubsequences: true)
            // start-end perms offset dev inode path
            guard fields.count >= 6, fields[5].first == 0x2F else { continue }
            let range = fields[0].split(separator: 0x2D)
            guard range.count == 2, let start = UInt(hex: range[0]), let end = UInt(hex: range[1]), end > start,
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            let length = Int(end - start)
            _ = madvise(address, length, MADV_RANDOM)
            if fields[1].elementsEqual("r-xp".utf8) {
                _ = madvise(address, length, MADV_DONTNEED)
            } else if let pagemap {
                dropUnwrittenPages(start..<end, pagemap: pagemap)
            }
        }
    }

    /// Gives memory malloc holds freed back to the kernel (malloc_trim(3)), after work that
    /// is done once in a while and leaves nothing behind, such as a revert.
    public static func returnFreedMemory() {
        _ = cminifo_malloc_trim()
    }

    /// Drops the pages of a private file mapping that are still the file's pages, never
    /// written since loading: /proc/self/pagemap shows them present (bit 63) and file-backed
    /// (bit 61). A written page is a private copy, and dropping it would lose what was written.
    private static func dropUnwrittenPages(_ range: Range<UInt>, pagemap: Int32) {
        let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))
        let pages = Int((range.upperBound - range.lowerBound) / pageSize)
        var entries = [UInt8](repeating: 0, count: pages * 8)
        guard (try? pread(Descriptor<OutsideLayers>(pagemap), into: &entries, count: entries.count, offset: Int64(range.lowerBound / pageSize * 8))) == entries.count else { return }
        var runStart: Int?
        for page in 0...pages {
            let entry = page < pages ? (0..<8).reduce(UInt64(0)) { $0 | UInt64(entries[page * 8 + $1]) << ($1 * 8) } : 0
            if entry & (1 << 63) != 0 && entry & (1 << 61) != 0 {
                if runStart == nil { runStart = page }
            } else if let first = runStart, let address = UnsafeMutableRawPointer(bitPattern: range.lowerBound + UInt(first) * pageSize) {
                _ = madvise(address, (page - first) * Int(pageSize), MADV_DONTNEED)
                runStart = nil
            }
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
