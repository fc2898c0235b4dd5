import MinifoSystem

/// The open META file, as the store appends to it.
struct MetaFile {
    /// Opened with O_APPEND; owned.
    var fd: StorageDescriptor
    /// The end of the last whole record, where the next one goes.
    var size: Int64
    /// Records after the header, live or superseded.
    var records: Int
    /// Whether a failed append left bytes past `size` that could not be cut off yet.
    var tailDamaged = false

    /// Appends one framed record with a single write(2). A short write (a full disk) is cut
    /// off again and reported as ENOSPC, so that the file always ends with a whole record.
    mutating func append(_ record: [UInt8]) throws(Errno) {
        if tailDamaged {
            try truncate(fd, size: size)
            tailDamaged = false
        }
        let written = try write(fd, record)
        guard written == record.count else {
            do { try truncate(fd, size: size) } catch { tailDamaged = true }
            throw .ENOSPC
        }
        size += Int64(written)
        records += 1
    }
}
