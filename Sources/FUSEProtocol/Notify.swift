/// Unsolicited notifications (enum fuse_notify_code): fuse_out_header with
/// unique 0 and the notify code in `error`, then the code's struct.
public enum Notify {
    static let invalInodeCode: Int32 = 2
    static let invalEntryCode: Int32 = 3
    static let deleteCode: Int32 = 6

    /// FUSE_NOTIFY_INVAL_INODE, struct fuse_notify_inval_inode_out: drop the
    /// cached attributes and the data in [offset, offset + length); a negative
    /// offset invalidates only the attributes, a length <= 0 means to the end.
    public static func invalInode(nodeID: UInt64, offset: Int64, length: Int64, into buffer: inout [UInt8]) {
        buffer.appendOutHeader(payloadLength: 24, error: invalInodeCode, unique: 0)
        buffer.appendLittleEndian(nodeID)
        buffer.appendLittleEndian(offset)
        buffer.appendLittleEndian(length)
    }

    /// FUSE_NOTIFY_INVAL_ENTRY, struct fuse_notify_inval_entry_out then the name and its NUL.
    public static func invalEntry(parent: UInt64, name: some Collection<UInt8>, into buffer: inout [UInt8]) {
        let nameLength = name.count
        buffer.appendOutHeader(payloadLength: 16 + nameLength + 1, error: invalEntryCode, unique: 0)
        buffer.appendLittleEndian(parent)
        buffer.appendLittleEndian(UInt32(nameLength))
        buffer.appendZeros(4)
        buffer.append(contentsOf: name)
        buffer.append(0)
    }

    /// FUSE_NOTIFY_DELETE, struct fuse_notify_delete_out then the name and its
    /// NUL: like invalEntry, and also tells watchers (inotify) the child is gone.
    public static func delete(parent: UInt64, child: UInt64, name: some Collection<UInt8>,
                              into buffer: inout [UInt8]) {
        let nameLength = name.count
        buffer.appendOutHeader(payloadLength: 24 + nameLength + 1, error: deleteCode, unique: 0)
        buffer.appendLittleEndian(parent)
        buffer.appendLittleEndian(child)
        buffer.appendLittleEndian(UInt32(nameLength))
        buffer.appendZeros(4)
        buffer.append(contentsOf: name)
        buffer.append(0)
    }
}
