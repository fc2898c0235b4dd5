/// enum fuse_opcode.
public enum Opcode: UInt32, Sendable, CaseIterable {
    case lookup = 1
    case forget = 2
    case getattr = 3
    case setattr = 4
    case readlink = 5
    case symlink = 6
    case mknod = 8
    case mkdir = 9
    case unlink = 10
    case rmdir = 11
    case rename = 12
    case link = 13
    case open = 14
    case read = 15
    case write = 16
    case statfs = 17
    case release = 18
    case fsync = 20
    case setxattr = 21
    case getxattr = 22
    case listxattr = 23
    case removexattr = 24
    case flush = 25
    case initialize = 26
    case opendir = 27
    case readdir = 28
    case releasedir = 29
    case fsyncdir = 30
    case getlk = 31
    case setlk = 32
    case setlkw = 33
    case access = 34
    case create = 35
    case interrupt = 36
    case bmap = 37
    case destroy = 38
    case ioctl = 39
    case poll = 40
    case notifyReply = 41
    case batchForget = 42
    case fallocate = 43
    case readdirplus = 44
    case rename2 = 45
    case lseek = 46
    case copyFileRange = 47
    case setupmapping = 48
    case removemapping = 49
    case syncfs = 50
    case tmpfile = 51
    case statx = 52
    case copyFileRange64 = 53

    /// False for FORGET and BATCH_FORGET, which the kernel never waits on.
    public var hasReply: Bool {
        self != .forget && self != .batchForget
    }

    /// The kernel's name without the FUSE_ prefix, for logs.
    public var name: String {
        switch self {
        case .lookup: "LOOKUP"
        case .forget: "FORGET"
        case .getattr: "GETATTR"
        case .setattr: "SETATTR"
        case .readlink: "READLINK"
        case .symlink: "SYMLINK"
        case .mknod: "MKNOD"
        case .mkdir: "MKDIR"
        case .unlink: "UNLINK"
        case .rmdir: "RMDIR"
        case .rename: "RENAME"
        case .link: "LINK"
        case .open: "OPEN"
        case .read: "READ"
        case .write: "WRITE"
        case .statfs: "STATFS"
        case .release: "RELEASE"
        case .fsync: "FSYNC"
        case .setxattr: "SETXATTR"
        case .getxattr: "GETXATTR"
        case .listxattr: "LISTXATTR"
        case .removexattr: "REMOVEXATTR"
        case .flush: "FLUSH"
        case .initialize: "INIT"
        case .opendir: "OPENDIR"
        case .readdir: "READDIR"
        case .releasedir: "RELEASEDIR"
        case .fsyncdir: "FSYNCDIR"
        case .getlk: "GETLK"
        case .setlk: "SETLK"
        case .setlkw: "SETLKW"
        case .access: "ACCESS"
        case .create: "CREATE"
        case .interrupt: "INTERRUPT"
        case .bmap: "BMAP"
        case .destroy: "DESTROY"
        case .ioctl: "IOCTL"
        case .poll: "POLL"
        case .notifyReply: "NOTIFY_REPLY"
        case .batchForget: "BATCH_FORGET"
        case .fallocate: "FALLOCATE"
        case .readdirplus: "READDIRPLUS"
        case .rename2: "RENAME2"
        case .lseek: "LSEEK"
        case .copyFileRange: "COPY_FILE_RANGE"
        case .setupmapping: "SETUPMAPPING"
        case .removemapping: "REMOVEMAPPING"
        case .syncfs: "SYNCFS"
        case .tmpfile: "TMPFILE"
        case .statx: "STATX"
        case .copyFileRange64: "COPY_FILE_RANGE_64"
        }
    }
}
