import OverlayCore

/// The PATH arguments of status, diff and export: a change is kept when its path, or for a
/// rename its old base path, is one of them or lies below one. No PATH keeps everything.
public struct ChangeFilter: Sendable {
    public let prefixes: [RelativePath]

    /// Paths as the mount shows them, relative to its root; a leading or trailing "/" and "."
    /// components are ignored, so `/etc/`, `./etc` and `etc` are one prefix. Nil for a ".."
    /// component, which names nothing inside the mount.
    public init?(_ arguments: [String]) {
        var prefixes: [RelativePath] = []
        for argument in arguments {
            let components = argument.utf8.split(separator: 0x2F).filter { !$0.elementsEqual([0x2E]) }
            if components.contains(where: { $0.elementsEqual([0x2E, 0x2E]) }) { return nil }
            prefixes.append(components.reduce(RelativePath.root) { $0.appending($1) })
        }
        self.prefixes = prefixes
    }

    public func keeps(_ change: StorageChange) -> Bool {
        prefixes.isEmpty || prefixes.contains { prefix in
            change.path.isWithin(prefix) || change.kind == .renamed && change.basePath?.isWithin(prefix) == true
        }
    }
}
