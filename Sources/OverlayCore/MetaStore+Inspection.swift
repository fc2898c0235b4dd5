import MinifoSystem

/// What `MetaStore.inspect` finds in a META file: its base, its records, and every stretch of
/// bytes that is not a valid record.
public struct MetaInspection: Sendable {
    /// The base directory the header names.
    public var base: String
    /// The file's size in bytes.
    public var size: Int
    /// Valid records, live or superseded.
    public var records: Int
    /// Records a compacted file would hold.
    public var liveRecords: Int
    public var damage: [MetaDamage]
}

/// Bytes of a META file that are not a valid record.
public struct MetaDamage: Sendable, Equatable {
    public var offset: Int
    public var length: Int
    public var reason: String
    /// Nothing valid follows: an append cut short by a crash, which opening drops by itself.
    public var isTornTail: Bool
}

extension MetaStore {
    /// Reads the META file in the storage root without changing it; nil when there is none
    /// (or it is empty). A damaged header is `.corrupt`. Damaged records are skipped: reading
    /// goes on at the next well-framed record, and each skipped stretch is listed.
    public static func inspect(storageRoot: StorageDescriptor) throws(MetaError) -> MetaInspection? {
        guard let bytes = try readFile(storageRoot: storageRoot) else { return nil }
        var index = MetaIndex()
        return try scan(bytes, into: &index)
    }

    /// Rewrites the META file with every valid record and nothing else (compacted), dropping
    /// damaged ones, and returns what the file held before. The storage must not be in use.
    /// A damaged header cannot be salvaged: the base it named is unknown.
    public static func salvage(storageRoot: StorageDescriptor) throws(MetaError) -> MetaInspection? {
        guard let bytes = try readFile(storageRoot: storageRoot) else { return nil }
        var index = MetaIndex()
        let inspection = try scan(bytes, into: &index)
        do throws(Errno) {
            let file = try rewrite(index, base: Array(inspection.base.utf8), storageRoot: storageRoot)
            close(file.fd)
            try syncDirectory(storageRoot)
        } catch {
            throw .io(error, "rewriting \(displayName) in the storage directory")
        }
        return inspection
    }

    private static func readFile(storageRoot: StorageDescriptor) throws(MetaError) -> [UInt8]? {
        let fd: StorageDescriptor
        do {
            fd = try openat(storageRoot, fileName, [.noFollow, .nonBlocking])
        } catch .ENOENT {
            return nil
        } catch {
            throw .io(error, "opening \(displayName) in the storage directory")
        }
        let owned = OwnedDescriptor(owning: fd)
        do throws(Errno) {
            guard try fstat(owned.descriptor).fileType == .regular else { throw .EINVAL }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 256 * 1024)
            while true {
                let count = try pread(owned.descriptor, into: &chunk, count: chunk.count, offset: Int64(bytes.count))
                if count == 0 { break }
                bytes.append(contentsOf: chunk[0..<count])
            }
            return bytes.isEmpty ? nil : bytes
        } catch {
            throw .io(error, "reading \(displayName) in the storage directory (it must be a regular file)")
        }
    }

    private static func scan(_ bytes: [UInt8], into index: inout MetaIndex) throws(MetaError) -> MetaInspection {
        let header: (base: [UInt8], length: Int)
        do {
            header = try MetaFormat.decodeHeader(bytes)
        } catch {
            throw .corrupt(offset: error.offset, reason: error.reason)
        }
        var inspection = MetaInspection(base: String(decoding: header.base, as: UTF8.self), size: bytes.count,
                                        records: 0, liveRecords: 0, damage: [])
        var offset = header.length
        while offset < bytes.count {
            switch MetaFormat.frame(in: bytes, at: offset) {
            case .record(let body):
                do {
                    index.apply(try MetaFormat.decode(bytes, body))
                    inspection.records += 1
                } catch {
                    inspection.damage.append(MetaDamage(offset: offset, length: body.upperBound + 4 - offset,
                                                        reason: error.reason, isTornTail: false))
                }
                offset = body.upperBound + 4
            case .damaged(let reason):
                let next = MetaFormat.nextRecord(in: bytes, after: offset)
                inspection.damage.append(MetaDamage(offset: offset, length: (next ?? bytes.count) - offset, reason: reason,
                                                    isTornTail: next == nil && !MetaFormat.hasRecord(in: bytes, after: offset)))
                offset = next ?? bytes.count
            }
        }
        inspection.liveRecords = index.liveRecords
        return inspection
    }
}

extension MetaFormat {
    /// The offset of the first well-framed record after `offset`, or nil if there is none or
    /// the search gives up (after checksumming 8 MiB of candidates, as `hasRecord` does).
    static func nextRecord(in bytes: [UInt8], after offset: Int) -> Int? {
        var budget = 8 << 20
        var candidate = offset + 1
        while candidate + 9 <= bytes.count {
            let length = Int(bytes[candidate]) | Int(bytes[candidate + 1]) << 8 | Int(bytes[candidate + 2]) << 16
                | Int(bytes[candidate + 3]) << 24
            if (1...maxRecordLength).contains(length) && candidate + 8 + length <= bytes.count {
                budget -= length
                if budget < 0 { return nil }
                if case .record = frame(in: bytes, at: candidate) { return candidate }
            }
            candidate += 1
        }
        return nil
    }
}
