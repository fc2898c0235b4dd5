/// A path as META records hold it: its components below the root, none for the root itself.
/// Every component is a valid name (`Names.isValid`: 1 to 255 bytes, no NUL or '/', not "."
/// or ".."). The joined path may be longer than an `*at` call takes (renames can move state
/// deeper), up to the 16-bit length the file gives it.
struct MetaPath: Hashable {
    private(set) var components: [MetaName]

    static let root = MetaPath(checked: [])
    static let maxLength = Int(UInt16.max)

    /// A path from components that are valid names already.
    init(checked components: [MetaName]) { self.components = components }

    /// Parses the '/'-separated `bytes[range]`, empty for the root; nil if any rule is broken.
    init?(_ bytes: [UInt8], _ range: Range<Int>) {
        guard range.count <= Self.maxLength else { return nil }
        components = []
        if range.isEmpty { return }
        var count = 1
        for index in range where bytes[index] == 0x2F { count += 1 }
        components.reserveCapacity(count)
        var start = range.lowerBound
        for index in range {
            switch bytes[index] {
            case 0:
                return nil
            case 0x2F:
                guard Self.isName(bytes, start..<index) else { return nil }
                components.append(MetaName(bytes, start..<index))
                start = index + 1
            default:
                break
            }
        }
        guard Self.isName(bytes, start..<range.upperBound) else { return nil }
        components.append(MetaName(bytes, start..<range.upperBound))
    }

    /// The META form of `path`, or nil if it is not a well-formed relative path.
    init?(_ path: RelativePath) {
        if path.isRoot {
            self = .root
        } else if path.bytes.isEmpty {
            return nil
        } else {
            self.init(path.bytes, 0..<path.bytes.count)
        }
    }

    /// Length and dots; the caller has ruled out NUL and '/'.
    private static func isName(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        switch range.count {
        case 1: bytes[range.lowerBound] != 0x2E
        case 2: bytes[range.lowerBound] != 0x2E || bytes[range.lowerBound + 1] != 0x2E
        case 3...255: true
        default: false
        }
    }

    var isRoot: Bool { components.isEmpty }

    /// The components joined by '/', empty for the root.
    var bytes: [UInt8] {
        var bytes: [UInt8] = []
        for (i, name) in components.enumerated() {
            if i > 0 { bytes.append(0x2F) }
            name.append(to: &bytes)
        }
        return bytes
    }

    var relativePath: RelativePath { isRoot ? .root : RelativePath(bytes: bytes) }

    /// Whether `self` is `other` or lies below it.
    func isWithin(_ other: MetaPath) -> Bool {
        components.count >= other.components.count && components.starts(with: other.components)
    }
}
