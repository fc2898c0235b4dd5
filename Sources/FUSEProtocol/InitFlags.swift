/// The FUSE_* INIT flags as one 64-bit word: bits 0-31 travel in
/// fuse_init_in/out.flags, bits 32-63 in flags2 (only with FUSE_INIT_EXT).
public struct InitFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let asyncRead = InitFlags(rawValue: 1 << 0)
    public static let posixLocks = InitFlags(rawValue: 1 << 1)
    public static let fileOps = InitFlags(rawValue: 1 << 2)
    public static let atomicOTrunc = InitFlags(rawValue: 1 << 3)
    public static let exportSupport = InitFlags(rawValue: 1 << 4)
    public static let bigWrites = InitFlags(rawValue: 1 << 5)
    public static let dontMask = InitFlags(rawValue: 1 << 6)
    public static let spliceWrite = InitFlags(rawValue: 1 << 7)
    public static let spliceMove = InitFlags(rawValue: 1 << 8)
    public static let spliceRead = InitFlags(rawValue: 1 << 9)
    public static let flockLocks = InitFlags(rawValue: 1 << 10)
    public static let hasIoctlDir = InitFlags(rawValue: 1 << 11)
    public static let autoInvalData = InitFlags(rawValue: 1 << 12)
    public static let doReaddirplus = InitFlags(rawValue: 1 << 13)
    public static let readdirplusAuto = InitFlags(rawValue: 1 << 14)
    public static let asyncDio = InitFlags(rawValue: 1 << 15)
    public static let writebackCache = InitFlags(rawValue: 1 << 16)
    public static let noOpenSupport = InitFlags(rawValue: 1 << 17)
    public static let parallelDirops = InitFlags(rawValue: 1 << 18)
    public static let handleKillpriv = InitFlags(rawValue: 1 << 19)
    public static let posixACL = InitFlags(rawValue: 1 << 20)
    public static let abortError = InitFlags(rawValue: 1 << 21)
    public static let maxPages = InitFlags(rawValue: 1 << 22)
    public static let cacheSymlinks = InitFlags(rawValue: 1 << 23)
    public static let noOpendirSupport = InitFlags(rawValue: 1 << 24)
    public static let explicitInvalData = InitFlags(rawValue: 1 << 25)
    public static let mapAlignment = InitFlags(rawValue: 1 << 26)
    public static let submounts = InitFlags(rawValue: 1 << 27)
    public static let handleKillprivV2 = InitFlags(rawValue: 1 << 28)
    public static let setxattrExt = InitFlags(rawValue: 1 << 29)
    public static let initExt = InitFlags(rawValue: 1 << 30)
    public static let initReserved = InitFlags(rawValue: 1 << 31)
    public static let securityCtx = InitFlags(rawValue: 1 << 32)
    public static let hasInodeDax = InitFlags(rawValue: 1 << 33)
    public static let createSuppGroup = InitFlags(rawValue: 1 << 34)
    public static let hasExpireOnly = InitFlags(rawValue: 1 << 35)
    public static let directIOAllowMmap = InitFlags(rawValue: 1 << 36)
    public static let passthrough = InitFlags(rawValue: 1 << 37)
    public static let noExportSupport = InitFlags(rawValue: 1 << 38)
    public static let hasResend = InitFlags(rawValue: 1 << 39)
    public static let allowIdmap = InitFlags(rawValue: 1 << 40)
    public static let overIoUring = InitFlags(rawValue: 1 << 41)
    public static let requestTimeout = InitFlags(rawValue: 1 << 42)

    /// The low word, for fuse_init_in/out.flags.
    var low: UInt32 { UInt32(truncatingIfNeeded: rawValue) }
    /// The high word, for fuse_init_in/out.flags2.
    var high: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 32) }

    private static let names: [(InitFlags, String)] = [
        (.asyncRead, "asyncRead"), (.posixLocks, "posixLocks"), (.fileOps, "fileOps"),
        (.atomicOTrunc, "atomicOTrunc"), (.exportSupport, "exportSupport"), (.bigWrites, "bigWrites"),
        (.dontMask, "dontMask"), (.spliceWrite, "spliceWrite"), (.spliceMove, "spliceMove"),
        (.spliceRead, "spliceRead"), (.flockLocks, "flockLocks"), (.hasIoctlDir, "hasIoctlDir"),
        (.autoInvalData, "autoInvalData"), (.doReaddirplus, "doReaddirplus"),
        (.readdirplusAuto, "readdirplusAuto"), (.asyncDio, "asyncDio"), (.writebackCache, "writebackCache"),
        (.noOpenSupport, "noOpenSupport"), (.parallelDirops, "parallelDirops"),
        (.handleKillpriv, "handleKillpriv"), (.posixACL, "posixACL"), (.abortError, "abortError"),
        (.maxPages, "maxPages"), (.cacheSymlinks, "cacheSymlinks"), (.noOpendirSupport, "noOpendirSupport"),
        (.explicitInvalData, "explicitInvalData"), (.mapAlignment, "mapAlignment"), (.submounts, "submounts"),
        (.handleKillprivV2, "handleKillprivV2"), (.setxattrExt, "setxattrExt"), (.initExt, "initExt"),
        (.initReserved, "initReserved"), (.securityCtx, "securityCtx"), (.hasInodeDax, "hasInodeDax"),
        (.createSuppGroup, "createSuppGroup"), (.hasExpireOnly, "hasExpireOnly"),
        (.directIOAllowMmap, "directIOAllowMmap"), (.passthrough, "passthrough"),
        (.noExportSupport, "noExportSupport"), (.hasResend, "hasResend"), (.allowIdmap, "allowIdmap"),
        (.overIoUring, "overIoUring"), (.requestTimeout, "requestTimeout"),
    ]
}

extension InitFlags: CustomStringConvertible {
    /// The set flags' names, then any unknown bits in hex, e.g. `[asyncRead, passthrough, 0x800000000000]`.
    public var description: String {
        var parts: [String] = []
        var unknown = rawValue
        for (flag, name) in Self.names where contains(flag) {
            parts.append(name)
            unknown &= ~flag.rawValue
        }
        if unknown != 0 {
            parts.append("0x" + String(unknown, radix: 16))
        }
        return "[" + parts.joined(separator: ", ") + "]"
    }
}
