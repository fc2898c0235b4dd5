/// What to ask the kernel for when mounting: the options of `mount -t fuse` that minifo passes on.
public struct MountRequest: Sendable {
    public var mountPoint: String
    public var fileSystemName: String
    public var subtype: String
    public var readOnly = false
    public var allowOther = false
    public var defaultPermissions = true
    public var allowSetUID = false
    public var allowDevices = false
    public var nonEmpty = false
    /// Names from `genericMountOptions` (noatime, noexec, sync...), in the order given.
    public var genericOptions: [String] = []

    public init(mountPoint: String, fileSystemName: String, subtype: String) {
        self.mountPoint = mountPoint
        self.fileSystemName = fileSystemName
        self.subtype = subtype
    }

    /// Options both mount(2) and fusermount3 understand.
    var commonOptions: [String] {
        var options: [String] = []
        if defaultPermissions { options.append("default_permissions") }
        if allowOther { options.append("allow_other") }
        return options
    }
}
