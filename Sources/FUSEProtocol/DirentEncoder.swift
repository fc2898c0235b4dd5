/// Packs the body of a READDIR reply (struct fuse_dirent records) or a
/// READDIRPLUS reply (struct fuse_direntplus records), each padded to 8 bytes.
///
/// In READDIRPLUS every record with a non-zero `EntryOut.nodeID` adds one
/// to that node's lookup count, except "." and "..", which the kernel skips
/// without counting; pass `entry: nil` for those (a zeroed fuse_entry_out).
public struct DirentEncoder: Sendable {
    /// The READDIR size: the records may not exceed it.
    public let maxSize: Int
    public let plus: Bool
    private var records: [UInt8] = []

    public init(maxSize: Int, plus: Bool) {
        self.maxSize = maxSize
        self.plus = plus
    }

    public var isEmpty: Bool { records.isEmpty }

    /// Appends one record and returns true, or returns false and appends
    /// nothing when it would not fit in `maxSize`.
    ///
    /// - Parameters:
    ///   - offset: the cookie of the *next* entry, sent back as READDIR's offset.
    ///   - type: the DT_* value, `mode >> 12`.
    ///   - name: 1...1024 bytes, no '/' or NUL; the kernel fails the whole reply otherwise.
    ///   - entry: READDIRPLUS only; ignored by plain READDIR.
    public mutating func append(ino: UInt64, offset: UInt64, type: UInt32,
                                name: some Collection<UInt8>, entry: EntryOut?) -> Bool {
        let nameLength = name.count
        let fixedLength = (plus ? EntryOut.size : 0) + 24
        let recordLength = (fixedLength + nameLength + 7) & ~7
        guard recordLength <= maxSize - records.count else { return false }

        if plus {
            if let entry {
                entry.encode(into: &records)
            } else {
                records.appendZeros(EntryOut.size)
            }
        }
        records.appendLittleEndian(ino)
        records.appendLittleEndian(offset)
        records.appendLittleEndian(UInt32(nameLength))
        records.appendLittleEndian(type)
        records.append(contentsOf: name)
        records.appendZeros(recordLength - fixedLength - nameLength)
        return true
    }

    /// Appends the fuse_out_header and the records. No records means end of directory.
    public func encode(unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: records.count, error: 0, unique: unique)
        buffer.append(contentsOf: records)
    }
}
