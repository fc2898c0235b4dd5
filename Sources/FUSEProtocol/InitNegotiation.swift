/// Why `negotiateInit` produced no working session.
public enum NegotiationError: Error, Sendable, Equatable {
    /// Major below 7, or 7 with a minor below `minimumKernelMinor`: reply EPROTO.
    case unsupportedVersion(major: UInt32, minor: UInt32)
    /// Major above 7: reply `InitOut.versionOnly` and wait for the kernel's
    /// next INIT, which fuse.h says will come with a matching major.
    case kernelMajorTooNew(major: UInt32, minor: UInt32)
}

/// Page size the kernel counts max_pages in; 4 KiB on x86-64 and default arm64.
let pageSize: UInt32 = 4096

/// FUSE_DEFAULT_MAX_PAGES_PER_REQ: the request size limit without FUSE_MAX_PAGES.
let defaultMaxPages: UInt32 = 32

/// FILESYSTEM_MAX_STACK_DEPTH: the deepest stack passthrough accepts.
let maxPassthroughStackDepth: UInt32 = 2

/// Computes our fuse_init_out from the kernel's fuse_init_in, applying the
/// rules of the kernel's process_init_reply so the result states what the
/// kernel will actually do:
///
/// - minor is min(kernel's, 45); flags are the kernel's offer ∩ `wanted`,
///   plus FUSE_INIT_EXT when offered (without it flags2 is ignored).
/// - FUSE_PASSTHROUGH survives only with `maxStackDepth` in 1...2 and
///   without FUSE_WRITEBACK_CACHE; `maxStackDepth` is sent only with it.
/// - FUSE_REQUEST_TIMEOUT survives only with a non-zero `requestTimeout`.
/// - `maxWrite` is at least 4 KiB; with FUSE_MAX_PAGES, max_pages covers it
///   (the kernel further clamps to fs.fuse.max_pages_limit, 256 by default);
///   without, it is capped at the kernel's default 32 pages.
/// - max_readahead echoes the kernel's; time_gran is 1 ns; max_background
///   64 and congestion_threshold 48.
public func negotiateInit(
    _ kernel: InitIn,
    wanted: InitFlags,
    maxWrite: UInt32 = 1 << 20,
    maxStackDepth: UInt32 = 1,
    requestTimeout: UInt16 = 0
) -> Result<InitOut, NegotiationError> {
    guard kernel.major <= kernelMajor else {
        return .failure(.kernelMajorTooNew(major: kernel.major, minor: kernel.minor))
    }
    guard kernel.major == kernelMajor, kernel.minor >= minimumKernelMinor else {
        return .failure(.unsupportedVersion(major: kernel.major, minor: kernel.minor))
    }

    var flags = kernel.flags.intersection(wanted)
    if kernel.flags.contains(.initExt) {
        flags.insert(.initExt)
    }
    if !(1...maxPassthroughStackDepth).contains(maxStackDepth) || flags.contains(.writebackCache) {
        flags.remove(.passthrough)
    }
    if requestTimeout == 0 {
        flags.remove(.requestTimeout)
    }

    var write = max(maxWrite, pageSize)
    var maxPages: UInt16 = 0
    if flags.contains(.maxPages) {
        let pages = min(write / pageSize + (write % pageSize == 0 ? 0 : 1), UInt32(UInt16.max))
        maxPages = UInt16(pages)
        write = min(write, pages * pageSize)
    } else {
        write = min(write, defaultMaxPages * pageSize)
    }

    return .success(InitOut(
        major: kernelMajor,
        minor: min(kernel.minor, kernelMinor),
        maxReadahead: kernel.maxReadahead,
        flags: flags,
        maxBackground: 64,
        congestionThreshold: 48,
        maxWrite: write,
        timeGran: 1,
        maxPages: maxPages,
        maxStackDepth: flags.contains(.passthrough) ? maxStackDepth : 0,
        requestTimeout: flags.contains(.requestTimeout) ? requestTimeout : 0
    ))
}
