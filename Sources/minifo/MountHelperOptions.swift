import MinifoSystem

/// The `-o` options of the mount(8) form, sorted: the directories they name, under minifo's,
/// mini_fo's and overlayfs's names, and the options left for the daemon. Options that only
/// mount(8), fstab or mount.fuse3 act on are dropped.
struct MountHelperOptions {
    var base: String
    var storage: String
    /// overlayfs's work directory: checked to exist, otherwise unused.
    var workDirectory: String?
    /// With `fsname` the source mount(8) was given (its canonical path, if it is one): `mount -a`
    /// then sees an fstab entry that is mounted already as mounted.
    var daemonOptions: [String] = []

    /// `source` is mount(8)'s first path: the base, unless an option names the base.
    init(_ options: [String], source: String?) throws(MountHelperError) {
        var base: String?
        var storage: String?
        for option in options.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: true) }) {
            let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : nil
            switch name {
            case "storage", "sto", "upperdir":
                storage = try Self.directory(option, value, replacing: storage, role: "storage directory")
            case "base":
                base = try Self.directory(option, value, replacing: base, role: "base")
            case "lowerdir":
                let layers = Self.splitLayers(value ?? "")
                if layers.count > 1 { throw .severalLowerLayers(layers.count) }
                base = try Self.directory(option, layers.first, replacing: base, role: "base")
            case "workdir":
                workDirectory = try Self.directory(option, value, replacing: workDirectory, role: "work directory")
            case "setuid", "drop_privileges":
                throw .mountFuseOnly(name)
            case _ where Self.ignored.contains(name) || name.hasPrefix("x-") || name.hasPrefix("X-") || name == "comment":
                continue
            default:
                daemonOptions.append(String(option))
            }
        }
        guard let base = base ?? source else { throw .noBase }
        guard let storage else { throw .noStorage }
        self.base = base
        self.storage = storage
        let label = (try? canonicalPath(source ?? base)) ?? source ?? base
        if !daemonOptions.contains(where: { $0.hasPrefix("fsname=") }), !label.contains(",") {
            daemonOptions.append("fsname=" + label)
        }
    }

    /// What mount(8) and systemd read in fstab and may pass on; they mean nothing to minifo.
    private static let ignored: Set<String> = ["defaults", "auto", "noauto", "nofail", "_netdev", "user", "nouser", "users", "owner", "group"]

    private static func directory(_ option: Substring, _ value: String?, replacing earlier: String?, role: String) throws(MountHelperError) -> String {
        guard let value, !value.isEmpty else { throw .missingValue(String(option)) }
        if let earlier, earlier != value { throw .givenTwice(role, earlier, value) }
        return value
    }

    /// overlayfs's `lowerdir=A:B:C`, where `\:` is a colon inside a path.
    private static func splitLayers(_ value: String) -> [String] {
        var layers: [String] = []
        var current = ""
        var escaped = false
        for character in value {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" {
                layers.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        layers.append(current)
        return layers
    }
}

/// Options of the mount(8) form that minifo cannot act on, each with what to do instead.
enum MountHelperError: Error, CustomStringConvertible {
    case missingValue(String)
    case givenTwice(String, String, String)
    case severalLowerLayers(Int)
    case mountFuseOnly(String)
    case noBase
    case noStorage

    var description: String {
        switch self {
        case .missingValue(let option):
            return "mount option '\(option)' needs a directory (\(option.prefix { $0 != "=" })=DIR)"
        case .givenTwice(let role, let first, let second):
            return "two different \(role) options, \(first) and \(second); give one"
        case .severalLowerLayers(let count):
            return "lowerdir names \(count) layers, but minifo has one base; give one lowerdir directory"
        case .mountFuseOnly("setuid"):
            return "mount option 'setuid' is handled by mount.fuse3: mount with type fuse.minifo, not minifo"
        case .mountFuseOnly(let name):
            return "mount option '\(name)' is not supported: minifo opens /dev/fuse and mounts by itself"
        case .noBase:
            return "no base directory: give it as the source (minifo BASE MOUNTPOINT) or as -o base=DIR or lowerdir=DIR"
        case .noStorage:
            return "no storage directory: add -o storage=DIR (or sto=DIR, upperdir=DIR)"
        }
    }
}
