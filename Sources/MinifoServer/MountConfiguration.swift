import FUSETransport
import MinifoSystem
import OverlayCore

/// Everything `minifo mount` was asked for, checked: three directories and the `-o` options.
public struct MountConfiguration: Sendable {
    public var base: String
    public var storage: String
    public var mountPoint: String
    public var request: MountRequest
    public var debug = false
    public var workers = 4
    /// How long the kernel may cache names and attributes, in seconds.
    public var cacheTimeout: Double = 60
    /// Serve reads of open files from the kernel (FUSE passthrough) where it is offered.
    public var passthrough = true
    /// Use a storage directory whose META file names another base.
    public var adoptBase = false
    /// Descriptors opened read-only before a copy-up see the new data.
    public var coherent = false

    /// Parses `-o` option strings (each comma-separated) and checks the three directories.
    public init(base: String, storage: String, mountPoint: String, options: [String]) throws(ConfigurationError) {
        self.base = base
        self.storage = storage
        self.mountPoint = mountPoint
        request = MountRequest(mountPoint: mountPoint, fileSystemName: "minifo", subtype: "minifo")
        // A root mount serves every user, as a native filesystem would (fuse-overlayfs does the
        // same); `private` keeps it to its owner. Other users keep FUSE's rule.
        request.allowOther = ProcessControl.effectiveUserID == 0
        for option in options.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: true) }) {
            try apply(String(option))
        }
        try checkDirectories()
    }

    private mutating func apply(_ option: String) throws(ConfigurationError) {
        let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        let value = parts.count > 1 ? String(parts[1]) : nil
        switch (name, value) {
        case ("ro", nil): request.readOnly = true
        case ("rw", nil): request.readOnly = false
        case ("allow_other", nil): request.allowOther = true
        case ("private", nil): request.allowOther = false
        case ("default_permissions", nil): request.defaultPermissions = true
        case ("nonempty", nil): request.nonEmpty = true
        case ("suid", nil): request.allowSetUID = true
        case ("nosuid", nil): request.allowSetUID = false
        case ("dev", nil): request.allowDevices = true
        case ("nodev", nil): request.allowDevices = false
        case ("debug", nil): debug = true
        case ("passthrough", nil): passthrough = true
        case ("nopassthrough", nil): passthrough = false
        case ("adopt_base", nil): adoptBase = true
        case ("coherent", nil): coherent = true
        case (_, nil) where genericMountOptions[name] != nil: request.genericOptions.append(name)
        case ("fsname", let v?) where !v.isEmpty && !v.contains(","): request.fileSystemName = v
        case ("subtype", let v?) where !v.isEmpty && v.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }):
            request.subtype = v
        case ("threads", let v?):
            guard let n = Int(v), (1...64).contains(n) else { throw .badValue(option, "a thread count from 1 to 64") }
            workers = n
        case ("timeout", let v?):
            guard let seconds = Double(v), seconds >= 0, seconds <= 86400 else { throw .badValue(option, "seconds from 0 to 86400") }
            cacheTimeout = seconds
        case ("fsname", _), ("subtype", _):
            throw .badValue(option, name == "fsname" ? "a name without commas" : "letters, digits, '_' or '-'")
        case (_, _) where Self.known.contains(name) || genericMountOptions[name] != nil:
            throw .badValue(option, value == nil ? "a value (\(name)=...)" : "no value")
        default:
            throw .unknownOption(name)
        }
    }

    private static let known: Set<String> = [
        "ro", "rw", "allow_other", "private", "default_permissions", "nonempty", "suid", "nosuid", "dev", "nodev",
        "debug", "passthrough", "nopassthrough", "adopt_base", "coherent", "fsname", "subtype", "threads", "timeout",
    ]

    private mutating func checkDirectories() throws(ConfigurationError) {
        base = try Self.existingDirectory(base, role: "base")
        storage = try Self.existingDirectory(storage, role: "storage")
        try Self.checkOwnership(storage)
        if Self.isInside(storage, base) || storage == base {
            throw .nested("storage directory \(storage) is inside the base \(base); choose a storage directory outside the base")
        }
        if Self.isInside(base, storage) {
            throw .nested("base \(base) is inside the storage directory \(storage); choose directories that do not contain each other")
        }
        mountPoint = try Self.existingDirectory(mountPoint, role: "mount point")
        request.mountPoint = mountPoint
        if Self.isInside(mountPoint, base) || mountPoint == base {
            throw .nested("mount point \(mountPoint) is inside the base \(base); mount it somewhere outside the base")
        }
        if Self.isInside(mountPoint, storage) || mountPoint == storage {
            throw .nested("mount point \(mountPoint) is inside the storage directory \(storage); mount it somewhere outside the storage")
        }
        if (try? isMountRoot(mountPoint)) == true {
            throw .mountPointInUse(mountPoint)
        }
        if !request.nonEmpty, !Self.isEmptyDirectory(mountPoint) {
            throw .mountPointNotEmpty(mountPoint)
        }
    }

    /// The canonical path of `path`, which must be a directory; `role` names it in the error.
    public static func existingDirectory(_ path: String, role: String) throws(ConfigurationError) -> String {
        let stat: FileStat
        do {
            stat = try MinifoSystem.stat(path: path)
        } catch .ENOENT {
            throw .missing(role, path)
        } catch {
            throw .unusable(role, path, error)
        }
        guard stat.fileType == .directory else { throw .notDirectory(role, path) }
        do {
            return try canonicalPath(path)
        } catch {
            throw .unusable(role, path, error)
        }
    }

    /// Refuses storage that someone other than the mounting user and root controls
    /// (`UnsafeStorage`); the daemon's storage lock checks it again on what it opens.
    private static func checkOwnership(_ storage: String) throws(ConfigurationError) {
        let root: OwnedDescriptor<StorageTree>
        do {
            root = OwnedDescriptor(owning: try .openRoot(storage))
        } catch {
            throw .unusable("storage", storage, error)
        }
        do {
            try UnsafeStorage.check(storageRoot: root.descriptor, path: storage, user: ProcessControl.effectiveUserID)
        } catch {
            throw .unsafeStorage(error)
        }
    }

    /// Whether canonical path `inner` lies strictly below canonical path `outer`.
    static func isInside(_ inner: String, _ outer: String) -> Bool {
        if outer == "/" { return inner != "/" }
        return inner.hasPrefix(outer + "/")
    }

    private static func isEmptyDirectory(_ path: String) -> Bool {
        guard let fd = try? Descriptor<OutsideLayers>.openRoot(path, [.readOnly]) else { return false }
        let reader = DirectoryReader(owning: fd)
        while let entry = try? reader.next() {
            if !entry.isDotOrDotDot { return false }
        }
        return true
    }
}

/// A mount that cannot go ahead, with a one-line message that says what to do.
public enum ConfigurationError: Error, CustomStringConvertible {
    case unknownOption(String)
    case badValue(String, String)
    case missing(String, String)
    case notDirectory(String, String)
    case unusable(String, String, Errno)
    case nested(String)
    case mountPointInUse(String)
    case mountPointNotEmpty(String)
    case unsafeStorage(UnsafeStorage)

    public var description: String {
        switch self {
        case .unknownOption(let name):
            return "unknown mount option '\(name)' (see 'minifo help options' for the options minifo understands)"
        case .badValue(let option, let expected):
            return "bad mount option '\(option)': expected \(expected)"
        case .missing(let role, let path):
            return "\(role) \(path) does not exist"
        case .notDirectory(let role, let path):
            return "\(role) \(path) is not a directory"
        case .unusable(let role, let path, let errno):
            return "cannot use \(role) \(path): \(errno)"
        case .nested(let message):
            return message
        case .mountPointInUse(let path):
            return "mount point \(path) is already a mount; unmount it first or choose another directory"
        case .mountPointNotEmpty(let path):
            return "mount point \(path) is not empty; choose an empty directory, or add -o nonempty to mount over its contents"
        case .unsafeStorage(let problem):
            return problem.description
        }
    }
}
