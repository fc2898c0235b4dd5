/// Decodes one request as read from /dev/fuse.
///
/// - Parameters:
///   - protocolMinor: the negotiated minor; total_extlen is honoured from 7.38.
///     INIT decodes the same whatever is passed.
///   - negotiated: the flags of our INIT reply; FUSE_SETXATTR_EXT selects the
///     16-byte fuse_setxattr_in.
///
/// Bytes past the header's `len` are ignored; request extensions
/// (total_extlen * 8 bytes at the end) are excluded from the payload.
/// Assumes a negotiated minor of at least `minimumKernelMinor`.
public func decodeRequest(
    _ bytes: ArraySlice<UInt8>,
    protocolMinor: UInt32,
    negotiated: InitFlags = []
) throws(DecodeError) -> (RequestHeader, Request) {
    var headerReader = ByteReader(bytes, unique: nil)
    let header = try RequestHeader(&headerReader)

    let extensionLength = protocolMinor >= 38 ? Int(header.totalExtensionLength) * 8 : 0
    let payloadLength = Int(header.length) - RequestHeader.size - extensionLength
    guard payloadLength >= 0, Int(header.length) <= bytes.count else {
        throw .truncated(unique: header.unique)
    }
    guard let opcode = Opcode(rawValue: header.opcode) else {
        throw .unknownOpcode(header.opcode, unique: header.unique)
    }
    let start = bytes.startIndex + RequestHeader.size
    var payload = ByteReader(bytes[start..<start + payloadLength], unique: header.unique)
    return (header, try Request(opcode, &payload, negotiated: negotiated))
}

extension Request {
    init(_ opcode: Opcode, _ r: inout ByteReader, negotiated: InitFlags) throws(DecodeError) {
        switch opcode {
        case .lookup:
            self = .lookup(name: try r.name())
        case .forget:
            self = .forget(nlookup: try r.read())
        case .getattr:
            self = .getattr(try GetattrIn(&r))
        case .setattr:
            self = .setattr(try SetattrIn(&r))
        case .readlink:
            self = .readlink
        case .symlink:
            let name = try r.name()
            self = .symlink(name: name, target: try r.name())
        case .mknod:
            let arg = try MknodIn(&r)
            self = .mknod(arg, name: try r.name())
        case .mkdir:
            let arg = try MkdirIn(&r)
            self = .mkdir(arg, name: try r.name())
        case .unlink:
            self = .unlink(name: try r.name())
        case .rmdir:
            self = .rmdir(name: try r.name())
        case .rename:
            let arg = try RenameIn(&r)
            let oldName = try r.name()
            self = .rename(arg, oldName: oldName, newName: try r.name())
        case .link:
            let arg = try LinkIn(&r)
            self = .link(arg, name: try r.name())
        case .open:
            self = .open(try OpenIn(&r))
        case .read:
            self = .read(try ReadIn(&r))
        case .write:
            let arg = try WriteIn(&r)
            self = .write(arg, data: try r.bytes(Int(arg.size)))
        case .statfs:
            self = .statfs
        case .release:
            self = .release(try ReleaseIn(&r))
        case .fsync:
            self = .fsync(try FsyncIn(&r))
        case .setxattr:
            let arg = try SetxattrIn(&r, extended: negotiated.contains(.setxattrExt))
            let name = try r.name()
            self = .setxattr(arg, name: name, value: try r.bytes(Int(arg.size)))
        case .getxattr:
            let arg = try GetxattrIn(&r)
            self = .getxattr(arg, name: try r.name())
        case .listxattr:
            self = .listxattr(size: try GetxattrIn(&r).size)
        case .removexattr:
            self = .removexattr(name: try r.name())
        case .flush:
            self = .flush(try FlushIn(&r))
        case .initialize:
            self = .initialize(try InitIn(&r))
        case .opendir:
            self = .opendir(try OpenIn(&r))
        case .readdir:
            self = .readdir(try ReadIn(&r))
        case .releasedir:
            self = .releasedir(try ReleaseIn(&r))
        case .fsyncdir:
            self = .fsyncdir(try FsyncIn(&r))
        case .access:
            let mask: UInt32 = try r.read()
            try r.skip(4)
            self = .access(mask: mask)
        case .create:
            let arg = try CreateIn(&r)
            self = .create(arg, name: try r.name())
        case .interrupt:
            self = .interrupt(unique: try r.read())
        case .destroy:
            self = .destroy
        case .batchForget:
            let count: UInt32 = try r.read()
            try r.skip(4)
            guard Int(count) <= r.remaining / ForgetOne.size else { throw r.truncated }
            var items: [ForgetOne] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<count {
                items.append(try ForgetOne(&r))
            }
            self = .batchForget(items)
        case .fallocate:
            self = .fallocate(try FallocateIn(&r))
        case .readdirplus:
            self = .readdirplus(try ReadIn(&r))
        case .rename2:
            let arg = try Rename2In(&r)
            let oldName = try r.name()
            self = .rename2(arg, oldName: oldName, newName: try r.name())
        case .lseek:
            self = .lseek(try LseekIn(&r))
        case .copyFileRange:
            self = .copyFileRange(try CopyFileRangeIn(&r))
        case .syncfs:
            try r.skip(8)
            self = .syncfs
        case .tmpfile:
            // The name that follows is always "/"; the new inode has none.
            self = .tmpfile(try CreateIn(&r))
        case .statx:
            self = .statx(try StatxIn(&r))
        case .copyFileRange64:
            self = .copyFileRange64(try CopyFileRangeIn(&r))
        case .getlk, .setlk, .setlkw, .bmap, .ioctl, .poll, .notifyReply, .setupmapping, .removemapping:
            self = .unsupported(opcode)
        }
    }
}
