extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        for offset in 0..<MemoryLayout<T>.size {
            append(UInt8(truncatingIfNeeded: value >> (8 * offset)))
        }
    }

    mutating func appendZeros(_ count: Int) {
        append(contentsOf: repeatElement(0, count: count))
    }

    /// struct fuse_out_header: len covers the header and `payloadLength` bytes.
    mutating func appendOutHeader(payloadLength: Int, error: Int32, unique: UInt64) {
        appendLittleEndian(UInt32(outHeaderSize + payloadLength))
        appendLittleEndian(error)
        appendLittleEndian(unique)
    }
}

/// sizeof(struct fuse_out_header).
let outHeaderSize = 16
