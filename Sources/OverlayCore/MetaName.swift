/// A path component as the index keys it. Up to 23 bytes are packed into three words, so most
/// names cost no allocation of their own and hash in a few steps; longer names are an array.
enum MetaName: Hashable {
    /// Bytes in order from the low byte of the first word; the top byte of the last word is
    /// the count.
    case short(UInt64, UInt64, UInt64)
    case long([UInt8])

    /// The key for `bytes[range]`, normally a valid name (`Names.isValid`). Any other bytes
    /// give a key that matches no valid name.
    init(_ bytes: [UInt8], _ range: Range<Int>) {
        guard range.count <= 23 else {
            self = .long(Array(bytes[range]))
            return
        }
        var first: UInt64 = 0, second: UInt64 = 0, last = UInt64(range.count) << 56
        for i in 0..<range.count {
            let shifted = UInt64(bytes[range.lowerBound + i]) << (UInt64(i & 7) << 3)
            switch i >> 3 {
            case 0: first |= shifted
            case 1: second |= shifted
            default: last |= shifted
            }
        }
        self = .short(first, second, last)
    }

    /// The packed words as they are, without the case: hashing runs once per level of every
    /// lookup.
    func hash(into hasher: inout Hasher) {
        switch self {
        case .short(let first, let second, let last):
            hasher.combine(first)
            hasher.combine(second)
            hasher.combine(last)
        case .long(let bytes):
            hasher.combine(bytes)
        }
    }

    var count: Int {
        switch self {
        case .short(_, _, let last): Int(last >> 56)
        case .long(let bytes): bytes.count
        }
    }

    func append(to out: inout [UInt8]) {
        switch self {
        case .short(let first, let second, let last):
            for i in 0..<Int(last >> 56) {
                let word = i < 8 ? first : i < 16 ? second : last
                out.append(UInt8(truncatingIfNeeded: word >> (UInt64(i & 7) << 3)))
            }
        case .long(let bytes):
            out.append(contentsOf: bytes)
        }
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        append(to: &out)
        return out
    }
}
