import MinifoSystem

/// Mounting and unmounting a FUSE filesystem: mount(2) directly as root, or through
/// `fusermount3`, which hands back the /dev/fuse descriptor over `_FUSE_COMMFD`.
public enum FUSEMount {
    /// Mounts and returns the session's /dev/fuse descriptor.
    public static func mount(_ request: MountRequest) throws(MountError) -> Int32 {
        if ProcessControl.effectiveUserID == 0 {
            return try mountDirectly(request)
        }
        return try mountWithFusermount(request)
    }

    /// Unmounts `mountPoint`. `lazy` detaches it even while it is busy (MNT_DETACH).
    public static func unmount(_ mountPoint: String, lazy: Bool) throws(MountError) {
        if ProcessControl.effectiveUserID == 0 {
            do {
                try MinifoSystem.unmount(mountPoint, lazy: lazy)
            } catch {
                throw .unmountFailed(mountPoint, error)
            }
            return
        }
        guard let fusermount = fusermountPath() else { throw .noFusermount }
        let arguments = ["fusermount3", "-u"] + (lazy ? ["-z"] : []) + ["--", mountPoint]
        do {
            let pid = try ProcessControl.spawn(fusermount, arguments)
            let status = try ProcessControl.waitForExit(pid)
            if status != 0 { throw MountError.fusermountFailed(status, "") }
        } catch let error as MountError {
            throw error
        } catch {
            throw .unmountFailed(mountPoint, error as? Errno ?? .EIO)
        }
    }

    private static func mountDirectly(_ request: MountRequest) throws(MountError) -> Int32 {
        let device: Int32
        do {
            device = try open("/dev/fuse", .readWrite)
        } catch {
            throw .noDevice(error)
        }
        let stat: FileStat
        do {
            stat = try MinifoSystem.stat(path: request.mountPoint)
        } catch {
            close(device)
            throw .mountFailed(request.mountPoint, error)
        }
        let options = (["fd=\(device)", "rootmode=\(String(stat.mode & 0o170000, radix: 8))",
                        "user_id=\(ProcessControl.effectiveUserID)", "group_id=\(ProcessControl.effectiveGroupID)"]
                       + request.commonOptions).joined(separator: ",")
        var flags: UInt = 0
        if request.readOnly { flags |= mountReadOnly }
        if !request.allowSetUID { flags |= mountNoSetUID }
        if !request.allowDevices { flags |= mountNoDevices }
        for name in request.genericOptions {
            guard let option = genericMountOptions[name] else { continue }
            flags = option.set ? flags | option.flag : flags & ~option.flag
        }
        do {
            try MinifoSystem.mount(source: request.fileSystemName, target: request.mountPoint,
                                   type: "fuse." + request.subtype, flags: flags, options: options)
        } catch {
            close(device)
            throw .mountFailed(request.mountPoint, error)
        }
        return device
    }

    private static func mountWithFusermount(_ request: MountRequest) throws(MountError) -> Int32 {
        guard let fusermount = fusermountPath() else { throw .noFusermount }
        var options = request.commonOptions
        options.append(request.readOnly ? "ro" : "rw")
        if !request.allowSetUID { options.append("nosuid") }
        if !request.allowDevices { options.append("nodev") }
        if request.nonEmpty { options.append("nonempty") }
        options += request.genericOptions
        options.append("fsname=" + request.fileSystemName)
        options.append("subtype=" + request.subtype)
        do {
            let (ours, theirs) = try ProcessControl.socketPair()
            defer { close(ours) }
            let environment = ProcessControl.currentEnvironment().filter { !$0.hasPrefix("_FUSE_COMMFD=") }
                + ["_FUSE_COMMFD=\(theirs)"]
            // fusermount3 explains its failures on standard error, which a background daemon
            // does not have: collect it to pass on.
            let (messages, messagesEnd) = try ProcessControl.pipe()
            defer { close(messages) }
            let pid: Int32
            do {
                pid = try ProcessControl.spawn(fusermount, ["fusermount3", "-o", options.joined(separator: ","), "--", request.mountPoint],
                                               environment: environment, inherit: [theirs], standardError: messagesEnd)
            } catch {
                close(theirs)
                close(messagesEnd)
                throw error
            }
            close(theirs)
            close(messagesEnd)
            let device = try ProcessControl.receiveDescriptor(ours)
            let status = try ProcessControl.waitForExit(pid)
            guard let device, status == 0 else {
                if let device { close(device) }
                var buffer = [UInt8](repeating: 0, count: 1024)
                let count = (try? read(messages, into: &buffer)) ?? 0
                let message = String(decoding: buffer[..<count].prefix { $0 != 0x0A }, as: UTF8.self)
                throw MountError.fusermountFailed(status, message)
            }
            return device
        } catch let error as MountError {
            throw error
        } catch {
            throw .mountFailed(request.mountPoint, error as? Errno ?? .EIO)
        }
    }

    /// Where `fusermount3` is installed, if it is.
    public static func fusermountPath() -> String? {
        for directory in ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin", "/sbin"] {
            let path = directory + "/fusermount3"
            if accessible(path, mode: accessExecute) { return path }
        }
        return nil
    }
}

/// Why a mount or unmount failed, each with a message that says what to do.
public enum MountError: Error, CustomStringConvertible {
    case noDevice(Errno)
    case noFusermount
    case fusermountFailed(Int32, String)
    case mountFailed(String, Errno)
    case unmountFailed(String, Errno)

    public var description: String {
        switch self {
        case .noDevice(let errno):
            return "cannot open /dev/fuse: \(errno) (load the fuse module with 'modprobe fuse', or in a container pass --device /dev/fuse)"
        case .noFusermount:
            return "not running as root and fusermount3 is not installed (install the 'fuse3' package, or run as root)"
        case .fusermountFailed(let status, let message):
            if message.isEmpty { return "fusermount3 failed (exit status \(status)); see its message above" }
            if message.contains("/dev/fuse") && message.contains("Permission denied") {
                return message + " (as root, 'chmod 0666 /dev/fuse' lets other users mount FUSE filesystems)"
            }
            return message
        case .mountFailed(let path, let errno):
            return "cannot mount on \(path): \(errno)"
        case .unmountFailed(let path, let errno):
            if errno == .EBUSY { return "cannot unmount \(path): it is busy (close the files and shells using it, or use --lazy)" }
            if errno == .EINVAL { return "cannot unmount \(path): it is not a mount point" }
            return "cannot unmount \(path): \(errno)"
        }
    }
}
