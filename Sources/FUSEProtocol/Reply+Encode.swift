/// Reply encoders. Each appends one complete reply, fuse_out_header first,
/// to `buffer`; the caller clears the buffer between replies.
public enum Reply {
    /// A bare fuse_out_header. `errno` is positive (0 for an empty success,
    /// as RELEASE, FLUSH and FSYNC want); it goes on the wire negated. The
    /// kernel rejects errors outside 1...511, so those are sent as EIO.
    public static func error(_ errno: Int32, unique: UInt64, into buffer: inout [UInt8]) {
        let errno = (0...511).contains(errno) ? errno : EIO
        buffer.appendOutHeader(payloadLength: 0, error: -errno, unique: unique)
    }

    /// fuse_entry_out, for LOOKUP, MKNOD, MKDIR, SYMLINK and LINK.
    public static func entry(_ entry: EntryOut, unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: EntryOut.size, error: 0, unique: unique)
        entry.encode(into: &buffer)
    }

    /// fuse_attr_out, for GETATTR and SETATTR.
    public static func attr(_ attr: Attr, validSeconds: UInt64, validNsec: UInt32,
                            unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: 16 + Attr.size, error: 0, unique: unique)
        buffer.appendLittleEndian(validSeconds)
        buffer.appendLittleEndian(validNsec)
        buffer.appendZeros(4)
        attr.encode(into: &buffer)
    }

    /// fuse_open_out, for OPEN and OPENDIR.
    public static func open(_ open: OpenOut, unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: OpenOut.size, error: 0, unique: unique)
        open.encode(into: &buffer)
    }

    /// fuse_entry_out then fuse_open_out, for CREATE and TMPFILE.
    public static func create(_ entry: EntryOut, _ open: OpenOut, unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: EntryOut.size + OpenOut.size, error: 0, unique: unique)
        entry.encode(into: &buffer)
        open.encode(into: &buffer)
    }

    /// fuse_init_out.
    public static func initialize(_ out: InitOut, unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: InitOut.size, error: 0, unique: unique)
        out.encode(into: &buffer)
    }

    /// fuse_statfs_out.
    public static func statfs(_ statfs: StatfsOut, unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: StatfsOut.size, error: 0, unique: unique)
        statfs.encode(into: &buffer)
    }

    /// fuse_write_out, for WRITE and COPY_FILE_RANGE.
    public static func write(size: UInt32, unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: 8, error: 0, unique: unique)
        buffer.appendLittleEndian(size)
        buffer.appendZeros(4)
    }

    /// fuse_getxattr_out, answering GETXATTR or LISTXATTR with size 0.
    public static func xattrSize(_ size: UInt32, unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: 8, error: 0, unique: unique)
        buffer.appendLittleEndian(size)
        buffer.appendZeros(4)
    }

    /// fuse_lseek_out.
    public static func lseek(offset: UInt64, unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: 8, error: 0, unique: unique)
        buffer.appendLittleEndian(offset)
    }

    /// fuse_copy_file_range_out, for COPY_FILE_RANGE_64.
    public static func copyFileRange64(bytesCopied: UInt64, unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: 8, error: 0, unique: unique)
        buffer.appendLittleEndian(bytesCopied)
    }

    /// fuse_statx_out.
    public static func statx(_ statx: Statx, validSeconds: UInt64, validNsec: UInt32,
                             unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: 32 + Statx.size, error: 0, unique: unique)
        buffer.appendLittleEndian(validSeconds)
        buffer.appendLittleEndian(validNsec)
        buffer.appendZeros(4 + 2 * 8)
        statx.encode(into: &buffer)
    }

    /// Raw payload: READLINK (no NUL), GETXATTR and LISTXATTR data, small READs.
    public static func bytes(_ payload: some Collection<UInt8>, unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: payload.count, error: 0, unique: unique)
        buffer.append(contentsOf: payload)
    }

    /// Only the fuse_out_header of a success reply whose `payloadLength`
    /// bytes the caller writes itself in the same writev (READ).
    public static func dataHeader(payloadLength: Int, unique: UInt64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: payloadLength, error: 0, unique: unique)
    }
}
