/// One decoded request: the opcode's fixed struct plus its names or data.
/// Names are slices of the request bytes without their NUL; data and values
/// are slices too, so a `Request` is valid only while its buffer is.
public enum Request: Sendable, Equatable {
    case lookup(name: ArraySlice<UInt8>)
    /// No reply.
    case forget(nlookup: UInt64)
    case getattr(GetattrIn)
    case setattr(SetattrIn)
    case readlink
    /// `name` is the new entry, `target` the link's contents.
    case symlink(name: ArraySlice<UInt8>, target: ArraySlice<UInt8>)
    case mknod(MknodIn, name: ArraySlice<UInt8>)
    case mkdir(MkdirIn, name: ArraySlice<UInt8>)
    case unlink(name: ArraySlice<UInt8>)
    case rmdir(name: ArraySlice<UInt8>)
    case rename(RenameIn, oldName: ArraySlice<UInt8>, newName: ArraySlice<UInt8>)
    case link(LinkIn, name: ArraySlice<UInt8>)
    case open(OpenIn)
    case read(ReadIn)
    /// `data.count == WriteIn.size`.
    case write(WriteIn, data: ArraySlice<UInt8>)
    case statfs
    case release(ReleaseIn)
    case fsync(FsyncIn)
    /// `value.count == SetxattrIn.size`.
    case setxattr(SetxattrIn, name: ArraySlice<UInt8>, value: ArraySlice<UInt8>)
    case getxattr(GetxattrIn, name: ArraySlice<UInt8>)
    /// `size` 0 asks only for the length of the list.
    case listxattr(size: UInt32)
    case removexattr(name: ArraySlice<UInt8>)
    case flush(FlushIn)
    case initialize(InitIn)
    case opendir(OpenIn)
    case readdir(ReadIn)
    case releasedir(ReleaseIn)
    case fsyncdir(FsyncIn)
    /// fuse_access_in.mask: R_OK, W_OK, X_OK bits.
    case access(mask: UInt32)
    case create(CreateIn, name: ArraySlice<UInt8>)
    /// `unique` is the request to interrupt.
    case interrupt(unique: UInt64)
    case destroy
    /// No reply.
    case batchForget([ForgetOne])
    case fallocate(FallocateIn)
    case readdirplus(ReadIn)
    case rename2(Rename2In, oldName: ArraySlice<UInt8>, newName: ArraySlice<UInt8>)
    case lseek(LseekIn)
    /// Answered with `Reply.write(size:)`.
    case copyFileRange(CopyFileRangeIn)
    case syncfs
    case tmpfile(CreateIn)
    case statx(StatxIn)
    /// Answered with `Reply.copyFileRange64(bytesCopied:)`; ENOSYS makes the
    /// kernel fall back to COPY_FILE_RANGE for good.
    case copyFileRange64(CopyFileRangeIn)
    /// Locks, BMAP, IOCTL, POLL, NOTIFY_REPLY and DAX mappings: answer ENOSYS.
    case unsupported(Opcode)
}
