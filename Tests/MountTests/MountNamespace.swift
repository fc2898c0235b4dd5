import Foundation
import Glibc
import Testing

/// Runs a shell script in a private mount namespace in which the built `minifo` is installed as
/// `/sbin/minifo` and `/sbin/mount.minifo`: mount(8) runs its helpers from /sbin with no PATH
/// (mount.fuse3's shell then searches the default one), so this is how a test reaches minifo
/// through mount(8) without changing the machine. /sbin is overlaid with a directory holding the
/// two links, only inside the namespace; mounts made there are not visible outside it, so the
/// script checks what it needs and unmounts before it ends (an EXIT trap unmounts `$MNT` lazily).
enum MountNamespace {
    /// Runs `script` with `$BASE`, `$STORAGE` and `$MNT` set to the fixture's directories.
    static func runScript(_ fixture: MountFixture, _ script: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        let links = fixture.root + "/sbin-overlay"
        try FileManager.default.createDirectory(atPath: links, withIntermediateDirectories: true)
        for name in ["minifo", "mount.minifo"] {
            try? FileManager.default.removeItem(atPath: links + "/" + name)
            try FileManager.default.createSymbolicLink(atPath: links + "/" + name, withDestinationPath: MountEnvironment.minifo)
        }
        let prelude = """
            set -u
            sbin=$(readlink -f /sbin)
            mount -t overlay minifo-test-sbin -o "lowerdir=$LINKS:$sbin" "$sbin" || { echo "cannot overlay $sbin" >&2; exit 99; }
            trap 'umount -l "$MNT" 2>/dev/null' EXIT

            """
        let result = try run("/usr/bin/env", [
            "LINKS=\(links)", "BASE=\(fixture.base)", "STORAGE=\(fixture.storage)", "MNT=\(fixture.mountPoint)",
            "unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", prelude + script,
        ], timeout: 60)
        try #require(result.status != 99 || result.signaled, "no overlay over /sbin in a private mount namespace: \(result)",
                     sourceLocation: sourceLocation)
        #expect(MountEnvironment.waitUntil(timeout: 10) { ProcessRef.minifoProcesses(mountPoint: fixture.mountPoint).isEmpty },
                "a daemon still serves \(fixture.mountPoint) after the namespace's script unmounted it", sourceLocation: sourceLocation)
        return result
    }
}
