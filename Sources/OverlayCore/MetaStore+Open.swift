import MinifoSystem

extension MetaStore {
    static let displayName = String(decoding: fileName, as: UTF8.self)

    /// Opens or creates the file and replays its records into `index`. A damaged record at the
    /// very end is the trace of an append cut short by a crash: it is cut off with a warning.
    /// Damage followed by a valid record is `corrupt`, and the file is left untouched.
    /// With `readOnly` nothing is written: a missing file reads as empty and a torn tail is
    /// only skipped.
    static func open(storageRoot: StorageDescriptor, base: [UInt8], force: Bool, readOnly: Bool,
                     into index: inout MetaIndex) throws(MetaError) -> (MetaFile, [String]) {
        let empty = MetaFile(fd: .none, size: 0, records: 0)
        if !readOnly {
            do {
                try removeName(storageRoot, temporaryFileName, directory: false)
            } catch .ENOENT {
            } catch {
                throw .io(error, "removing the \(displayName).tmp an interrupted compaction left")
            }
        }
        let fd: StorageDescriptor
        do {
            fd = try openat(storageRoot, fileName, readOnly ? [.noFollow, .nonBlocking] : [.readWrite, .append, .noFollow, .nonBlocking])
        } catch .ENOENT {
            if readOnly { return (empty, []) }
            return (try create(storageRoot: storageRoot, base: base, index: index), [])
        } catch {
            throw .io(error, "opening \(displayName) in the storage directory")
        }
        let owned = OwnedDescriptor(owning: fd)
        let bytes: [UInt8]
        do throws(Errno) {
            guard try fstat(fd).fileType == .regular else { throw .EINVAL }
            bytes = try readAll(fd)
        } catch {
            throw .io(error, "reading \(displayName) in the storage directory (it must be a regular file)")
        }
        if bytes.isEmpty {
            if readOnly { return (empty, []) }
            return (try create(storageRoot: storageRoot, base: base, index: index), [])
        }

        let header: (base: [UInt8], length: Int)
        do {
            header = try MetaFormat.decodeHeader(bytes)
        } catch {
            throw .corrupt(offset: error.offset, reason: error.reason)
        }
        if header.base != base && !force {
            throw .baseMismatch(recorded: String(decoding: header.base, as: UTF8.self), given: String(decoding: base, as: UTF8.self))
        }

        // Whiteout and inode records of typical paths take 30 to 60 bytes.
        index.reserveCapacity((bytes.count - header.length) / 32)
        var offset = header.length
        var records = 0
        var warnings: [String] = []
        replay: while offset < bytes.count {
            switch MetaFormat.frame(in: bytes, at: offset) {
            case .record(let body):
                do {
                    index.apply(try MetaFormat.decode(bytes, body))
                } catch {
                    throw .corrupt(offset: error.offset, reason: error.reason)
                }
                records += 1
                offset = body.upperBound + 4
            case .damaged(let reason):
                if MetaFormat.hasRecord(in: bytes, after: offset) { throw .corrupt(offset: offset, reason: reason) }
                warnings.append("\(displayName): dropped the last \(bytes.count - offset) bytes, from byte offset \(offset) "
                    + "(\(reason)): an append cut short by a crash; the change it held is lost")
                break replay
            }
        }

        if readOnly {
            return (MetaFile(fd: owned.release(), size: Int64(offset), records: records), warnings)
        }
        if header.base != base {
            return (try create(storageRoot: storageRoot, base: base, index: index), warnings)
        }
        if offset < bytes.count {
            do {
                try truncate(fd, size: Int64(offset))
                try synchronize(fd, dataOnly: true)
            } catch {
                throw .io(error, "cutting a torn record off the end of \(displayName)")
            }
        }
        return (MetaFile(fd: owned.release(), size: Int64(offset), records: records), warnings)
    }

    /// Writes a new file holding `index` and puts it in place, durably.
    private static func create(storageRoot: StorageDescriptor, base: [UInt8], index: MetaIndex) throws(MetaError) -> MetaFile {
        do throws(Errno) {
            let file = try rewrite(index, base: base, storageRoot: storageRoot)
            do {
                try syncDirectory(storageRoot)
            } catch {
                close(file.fd)
                throw error
            }
            return file
        } catch {
            throw .io(error, "writing \(displayName) in the storage directory")
        }
    }

    /// The whole file, read from its start.
    private static func readAll(_ fd: StorageDescriptor) throws(Errno) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(try fstat(fd).size))
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let count = try pread(fd, into: &chunk, count: chunk.count, offset: Int64(bytes.count))
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }
}
