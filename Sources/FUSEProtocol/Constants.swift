/// FUSE_ROOT_ID: the node ID of the mount's root directory.
public let fuseRootID: UInt64 = 1

/// FUSE_KERNEL_VERSION spoken by this module.
public let kernelMajor: UInt32 = 7

/// FUSE_KERNEL_MINOR_VERSION spoken by this module (Linux 6.18).
public let kernelMinor: UInt32 = 45

/// Oldest kernel minor accepted at INIT (Linux 5.9).
public let minimumKernelMinor: UInt32 = 31

// The few errno values this module itself produces (Linux numbering).
let EIO: Int32 = 5
let ENOSYS: Int32 = 38
