/// Bounds-checked little-endian cursor over request bytes. Every read that
/// would run past the end throws `.truncated` instead of trapping.
struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private var position: Int
    private let unique: UInt64?

    init(_ bytes: ArraySlice<UInt8>, unique: UInt64?) {
        self.bytes = bytes
        self.position = bytes.startIndex
        self.unique = unique
    }

    var remaining: Int { bytes.endIndex - position }

    var truncated: DecodeError { .truncated(unique: unique) }

    mutating func read<T: FixedWidthInteger & UnsignedInteger>(_: T.Type = T.self) throws(DecodeError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw truncated }
        var value: T = 0
        for offset in 0..<size {
            value |= T(bytes[position + offset]) << (8 * offset)
        }
        position += size
        return value
    }

    mutating func skip(_ count: Int) throws(DecodeError) {
        guard count >= 0, remaining >= count else { throw truncated }
        position += count
    }

    /// The next `count` bytes, without copying.
    mutating func bytes(_ count: Int) throws(DecodeError) -> ArraySlice<UInt8> {
        guard count >= 0, remaining >= count else { throw truncated }
        defer { position += count }
        return bytes[position..<position + count]
    }

    /// A NUL-terminated name, returned without its NUL; the cursor moves past the NUL.
    mutating func name() throws(DecodeError) -> ArraySlice<UInt8> {
        guard let nul = bytes[position...].firstIndex(of: 0) else { throw truncated }
        defer { position = nul + 1 }
        return bytes[position..<nul]
    }
}
