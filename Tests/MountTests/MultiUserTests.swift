import Foundation
import Glibc
import Testing

/// An ordinary user made for one test with useradd(8), removed again by `remove()`.
final class TestUser {
    let name: String
    let uid: uid_t
    let gid: gid_t

    init() throws {
        name = "minifo-t\(getpid() % 100_000)"
        _ = try? run("/usr/sbin/userdel", [name])  // a leftover of an interrupted run
        let made = try run("/usr/sbin/useradd", ["-M", "-U", "-s", "/usr/sbin/nologin", name])
        try #require(made.succeeded, "useradd: \(made)")
        guard let entry = getpwnam(name) else { throw MountTestError("useradd made \(name), but getpwnam does not find it") }
        uid = entry.pointee.pw_uid
        gid = entry.pointee.pw_gid
    }

    func remove() {
        _ = try? run("/usr/sbin/userdel", [name])
    }

    /// Runs a shell snippet as this user (no supplementary groups); `$1`... are `arguments`.
    func shell(_ script: String, _ arguments: [String] = [], timeout: Double = 60) throws -> CommandResult {
        try run("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "/bin/sh", "-c", script, "sh"] + arguments,
                timeout: timeout)
    }
}

extension MinifoMountTests {
    /// Several users on one mount (`allow_other`, with the kernel checking permissions from the
    /// mode bits): an ordinary user, made for the test, meets the permissions a native
    /// filesystem would enforce; copy-ups never open a window on data it may not read; and
    /// without `allow_other` it cannot enter the mount at all.
    @Suite
    struct MultiUserTests {
        /// The scratch directory must be searchable for the test user.
        static func openUp(_ fixture: MountFixture) {
            chmod(fixture.root, 0o755)
        }

        @Test func permissionsAreEnforcedAsNatively() throws {
            let user = try TestUser()
            defer { user.remove() }
            try MountFixture.with { fixture in
                Self.openUp(fixture)
                let b = fixture.baseRaw
                try Sys.writeFile(b.appending("private"), Array("secret\n".utf8), mode: 0o600)
                try Sys.writeFile(b.appending("readonly"), Array("ro\n".utf8))
                try Sys.writeFile(b.appending("mine-readonly"), Array("mine\n".utf8))
                try Sys.lchown(b.appending("mine-readonly"), user.uid, user.gid)
                try Sys.chmod(b.appending("mine-readonly"), 0o444)
                for name in ["setid", "setid-truncated"] {
                    try Sys.writeFile(b.appending(name), Array("#!/bin/sh\n".utf8))
                    try Sys.lchown(b.appending(name), user.uid, user.gid)
                    try Sys.chmod(b.appending(name), 0o6775)
                }
                try Sys.mkdir(b.appending("shared"))
                try Sys.chmod(b.appending("shared"), 0o777)
                // The same set-ID file on a native filesystem, for what a write does to its mode there.
                let native = RawPath(fixture.root + "/native")
                try Sys.writeFile(native, Array("#!/bin/sh\n".utf8))
                try Sys.lchown(native, user.uid, user.gid)
                try Sys.chmod(native, 0o6775)
                _ = try user.shell(#"echo more >> "$1"; : > "$1""#, [native.string])
                let nativeMode = try Sys.lstat(native).st_mode & 0o7777

                try fixture.mount(options: ["allow_other", "default_permissions"])
                let m = fixture.mountRaw
                func refused(_ script: String, _ what: String, error: String = "Permission denied",
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
                    let result = try user.shell(script, [fixture.mountPoint])
                    #expect(!result.succeeded && result.stderr.contains(error),
                            "\(what) as an ordinary user: \(result)", sourceLocation: sourceLocation)
                }
                try refused(#"cat "$1/private""#, "reading another user's 0600 file")
                try refused(#"echo x >> "$1/readonly""#, "writing another user's 0644 file")
                try refused(#"echo x >> "$1/mine-readonly""#, "writing one's own 0444 file")
                try refused(#"chmod 666 "$1/readonly""#, "chmod of another user's file", error: "Operation not permitted")
                #expect(try Sys.readFile(m.appending("readonly")) == Array("ro\n".utf8))

                let write = try user.shell(#"echo more >> "$1/setid" && : > "$1/setid-truncated""#, [fixture.mountPoint])
                #expect(write.succeeded, "writing one's own set-ID files: \(write)")
                for name in ["setid", "setid-truncated"] {
                    let mode = try Sys.lstat(m.appending(name)).st_mode & 0o7777
                    #expect(mode == nativeMode, "\(name) after a write by its owner: mode \(String(mode, radix: 8)), natively \(String(nativeMode, radix: 8))")
                }

                let create = try user.shell(#"cd "$1/shared" && echo new > file && mkdir dir && ln -s file link"#, [fixture.mountPoint])
                #expect(create.succeeded, "\(create)")
                for name in ["file", "dir", "link"] {
                    for (root, what) in [(m, "through the mount"), (fixture.storageRaw, "in storage")] {
                        let st = try Sys.lstat(root.appending("shared/\(name)"))
                        #expect(st.st_uid == user.uid && st.st_gid == user.gid,
                                "\(name), made by uid \(user.uid), \(what) belongs to \(st.st_uid):\(st.st_gid)")
                    }
                }
            }
        }

        /// Writes, truncations and changes of owner drop set-ID bits and security.capability
        /// through the mount exactly as on the native filesystem beside it, by the ordinary user
        /// and by root, for files still in the base and files already in storage, with
        /// passthrough and without: the kernel leaves this to the daemon (FUSE_HANDLE_KILLPRIV_V2).
        @Test(arguments: [[String](), ["nopassthrough"]])
        func setIDBitsAndCapabilitiesDropAsNatively(options: [String]) throws {
            let user = try TestUser()
            defer { user.remove() }
            try MountFixture.with { fixture in
                Self.openUp(fixture)
                let native = RawPath(fixture.root + "/native")
                try Sys.mkdir(native)
                for change in PrivilegeChange.all {
                    try change.make(native.appending(change.name), user)
                    try change.make(fixture.baseRaw.appending("base-" + change.name), user)
                }
                try fixture.mount(options: ["allow_other", "default_permissions"] + options)
                let m = fixture.mountRaw
                for change in PrivilegeChange.all {
                    try change.make(m.appending("storage-" + change.name), user)
                }
                for change in PrivilegeChange.all {
                    for path in [native.appending(change.name), m.appending("base-" + change.name), m.appending("storage-" + change.name)] {
                        let arguments = [path.string, "\(user.uid)"]
                        let result = change.byRoot ? try shell(change.script, arguments) : try user.shell(change.script, arguments)
                        #expect(result.succeeded, "\(change.name) on \(path): \(result)")
                    }
                }
                let natively = try Dictionary(uniqueKeysWithValues: PrivilegeChange.all.map { ($0.name, try PrivilegeState(native.appending($0.name))) })
                // The kernel's own rules, which the comparison below relies on.
                #expect(natively["user-writes-6775"]?.mode == 0o775 && natively["root-writes-6755"]?.mode == 0o6755)
                #expect(natively["root-writes-capability"]?.capability == false)
                for change in PrivilegeChange.all {
                    for name in ["base-" + change.name, "storage-" + change.name] {
                        let state = try PrivilegeState(m.appending(name))
                        #expect(state == natively[change.name], "\(name) \(options): \(state), natively \(natively[change.name]!)")
                    }
                }
            }
        }

        /// Root copies up files and directories only it may read, over and over, while the
        /// ordinary user tries all along to read them through the mount and in storage.
        @Test func aCopyUpNeverOpensAWindow() throws {
            let user = try TestUser()
            defer { user.remove() }
            try MountFixture.with { fixture in
                Self.openUp(fixture)
                let count = 40
                for i in 0..<count {
                    try Sys.writeFile(fixture.baseRaw.appending("secret-\(i)"), Array("secret \(i)\n".utf8), mode: 0o600)
                    let dir = fixture.baseRaw.appending("closed-\(i)")
                    try Sys.mkdir(dir, 0o700)
                    try Sys.writeFile(dir.appending("inside"), Array("inside \(i)\n".utf8))
                }
                try fixture.mount(options: ["allow_other", "default_permissions"])
                let stop = fixture.root + "/stop"
                let script = #"""
                    while [ ! -e "$1" ]; do
                        for root in "$2" "$3"; do
                            for i in $(seq 0 $(($4 - 1))); do
                                cat "$root/secret-$i" >/dev/null 2>&1 && echo "read $root/secret-$i"
                                cat "$root/closed-$i/inside" >/dev/null 2>&1 && echo "read $root/closed-$i/inside"
                                ls "$root/closed-$i" >/dev/null 2>&1 && echo "listed $root/closed-$i"
                            done
                        done
                        for f in "$3"/META_*.work/*; do cat "$f" >/dev/null 2>&1 && echo "read $f"; done
                    done
                    """#
                let watcher = try Child("/usr/bin/setpriv", ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups",
                                                           "/bin/sh", "-c", script, "sh", stop, fixture.mountPoint, fixture.storage, "\(count)"])
                for i in 0..<count {
                    try Sys.writeFile(fixture.mountRaw.appending("secret-\(i)"), Array("changed \(i)\n".utf8))
                    try Sys.writeFile(fixture.mountRaw.appending("closed-\(i)/inside"), Array("changed \(i)\n".utf8))
                }
                try Sys.writeFile(RawPath(stop), [])
                let result = watcher.finish(timeout: 30)
                #expect(result.stdout.isEmpty, "the ordinary user got at data only root may read: \(result.stdout)")
                for i in 0..<count {
                    #expect(try Sys.lstat(fixture.storageRaw.appending("secret-\(i)")).st_mode & 0o7777 == 0o600)
                    #expect(try Sys.lstat(fixture.storageRaw.appending("closed-\(i)")).st_mode & 0o7777 == 0o700)
                }
            }
        }

        @Test func aPrivateMountKeepsOtherUsersOut() throws {
            let user = try TestUser()
            defer { user.remove() }
            try MountFixture.with { fixture in
                Self.openUp(fixture)
                try Sys.writeFile(fixture.baseRaw.appending("open"), Array("open\n".utf8))
                try fixture.mount(options: ["private"])
                let result = try user.shell(#"ls "$1" || cat "$1/open""#, [fixture.mountPoint])
                #expect(!result.succeeded && result.stderr.contains("Permission denied"), "\(result)")
                #expect(try Sys.readFile(fixture.mountRaw.appending("open")) == Array("open\n".utf8), "root, who mounted it")
            }
        }

        /// Mounted by root with no options, the mount serves every user as a native directory
        /// would: the same steps as the user on a plain copy of the base answer the same.
        @Test func aRootMountServesEveryUserByDefault() throws {
            let user = try TestUser()
            defer { user.remove() }
            try MountFixture.with { fixture in
                Self.openUp(fixture)
                let native = RawPath(fixture.root + "/native")
                for top in [fixture.baseRaw, native] {
                    if top == native { try Sys.mkdir(native); try Sys.chmod(native, 0o755) }
                    try Sys.writeFile(top.appending("open"), Array("open\n".utf8))
                    try Sys.writeFile(top.appending("private"), Array("secret\n".utf8), mode: 0o600)
                    try Sys.mkdir(top.appending("shared"))
                    try Sys.chmod(top.appending("shared"), 0o777)
                }
                try fixture.mount()
                let script = #"""
                    cd "$1" || exit 9
                    cat open; echo "cat open: $?"
                    cat private 2>/dev/null; echo "cat private: $?"
                    echo new > shared/new; echo "create in 0777: $?"
                    cat shared/new; ls shared; echo "list: $?"
                    echo x 2>/dev/null > top; echo "create in 0755 of root: $?"
                    rm shared/new; echo "unlink: $?"
                    """#
                let onMount = try user.shell(script, [fixture.mountPoint])
                let onNative = try user.shell(script, [native.string])
                #expect(onNative.stdout.contains("cat open: 0"), "the native run itself: \(onNative)")
                #expect(onMount.stdout == onNative.stdout, "mount: \(onMount)\nnative: \(onNative)")
            }
        }

        /// The daemon's descriptor limit is raised to the hard limit, and one user holding many
        /// files open through the mount leaves root able to open and create.
        @Test func oneUsersOpensDoNotStarveRoot() throws {
            let user = try TestUser()
            defer { user.remove() }
            try MountFixture.with { fixture in
                Self.openUp(fixture)
                for i in 0..<20 { try Sys.writeFile(fixture.baseRaw.appending("f\(i)"), Array("\(i)\n".utf8)) }
                try fixture.mount()
                let daemons = ProcessRef.minifoProcesses(mountPoint: fixture.mountPoint)
                try #require(!daemons.isEmpty, "no daemon found for the mount")
                for daemon in daemons {
                    let limits = try String(contentsOfFile: "/proc/\(daemon.pid)/limits", encoding: .utf8)
                    let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
                    let fields = line.split(separator: " ")
                    #expect(fields[3] == fields[4], "the daemon's soft descriptor limit is its hard limit: \(line)")
                }
                let holder = #"""
                    import os, resource, sys, time
                    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
                    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
                    fds = [os.open(f"{sys.argv[1]}/f{i % 20}", os.O_RDONLY) for i in range(1500)]
                    time.sleep(float(sys.argv[2]))
                    """#
                let child = try Child("/usr/bin/setpriv", ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups",
                                                        "/usr/bin/python3", "-c", holder, fixture.mountPoint, "8"])
                defer { _ = child.finish(timeout: 20) }
                let heldAll = MountEnvironment.waitUntil(timeout: 10) {
                    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.pid)/fd"))?.count ?? 0) >= 1500
                }
                #expect(heldAll, "the user's process holds 1,500 opens of files in the mount")
                try Sys.writeFile(fixture.mountRaw.appending("by-root"), Array("root\n".utf8))
                #expect(try Sys.readFile(fixture.mountRaw.appending("f1")) == Array("1\n".utf8))
            }
        }
    }
}

/// A file with set-ID bits or a file capability, and what a user or root does to it.
struct PrivilegeChange {
    let name: String
    let mode: mode_t
    let ownedByUser: Bool
    let capability: Bool
    let byRoot: Bool
    /// A shell snippet; `$1` is the file, `$2` the test user's uid.
    let script: String

    static let append = #"echo more >> "$1""#
    static let all = [
        PrivilegeChange(name: "user-writes-4755", mode: 0o4755, ownedByUser: true, capability: false, byRoot: false, script: append),
        PrivilegeChange(name: "user-writes-2775", mode: 0o2775, ownedByUser: true, capability: false, byRoot: false, script: append),
        PrivilegeChange(name: "user-writes-2765", mode: 0o2765, ownedByUser: true, capability: false, byRoot: false, script: append),
        PrivilegeChange(name: "user-writes-6775", mode: 0o6775, ownedByUser: true, capability: false, byRoot: false, script: append),
        PrivilegeChange(name: "user-writes-inside-6775", mode: 0o6775, ownedByUser: true, capability: false, byRoot: false,
                        script: #"printf x | dd of="$1" bs=1 seek=2 conv=notrunc status=none"#),
        PrivilegeChange(name: "user-opens-truncating-6775", mode: 0o6775, ownedByUser: true, capability: false, byRoot: false,
                        script: #": > "$1""#),
        PrivilegeChange(name: "user-truncates-6775", mode: 0o6775, ownedByUser: true, capability: false, byRoot: false,
                        script: #"truncate -s 3 "$1""#),
        PrivilegeChange(name: "user-allocates-6775", mode: 0o6775, ownedByUser: true, capability: false, byRoot: false,
                        script: #"fallocate -l 8192 "$1""#),
        PrivilegeChange(name: "user-chgrps-6775", mode: 0o6775, ownedByUser: true, capability: false, byRoot: false,
                        script: #"chgrp "$(id -g)" "$1""#),
        PrivilegeChange(name: "root-writes-6755", mode: 0o6755, ownedByUser: false, capability: false, byRoot: true, script: append),
        PrivilegeChange(name: "root-truncates-6755", mode: 0o6755, ownedByUser: false, capability: false, byRoot: true,
                        script: #"truncate -s 3 "$1""#),
        PrivilegeChange(name: "root-chowns-6755", mode: 0o6755, ownedByUser: false, capability: false, byRoot: true,
                        script: #"chown "$2" "$1""#),
        PrivilegeChange(name: "user-writes-capability", mode: 0o666, ownedByUser: false, capability: true, byRoot: false, script: append),
        PrivilegeChange(name: "user-allocates-capability", mode: 0o666, ownedByUser: false, capability: true, byRoot: false,
                        script: #"fallocate -l 8192 "$1""#),
        PrivilegeChange(name: "user-writes-4777-capability", mode: 0o4777, ownedByUser: false, capability: true, byRoot: false, script: append),
        PrivilegeChange(name: "root-writes-capability", mode: 0o4755, ownedByUser: false, capability: true, byRoot: true, script: append),
        PrivilegeChange(name: "root-truncates-capability", mode: 0o755, ownedByUser: false, capability: true, byRoot: true,
                        script: #"truncate -s 3 "$1""#),
        PrivilegeChange(name: "root-chowns-capability", mode: 0o755, ownedByUser: false, capability: true, byRoot: true,
                        script: #"chown "$2" "$1""#),
    ]

    /// security.capability, VFS_CAP_REVISION_2 with CAP_NET_RAW permitted.
    static let capabilityValue: [UInt8] = [0, 0, 0, 2, 0, 0x20, 0, 0] + [UInt8](repeating: 0, count: 12)

    func make(_ path: RawPath, _ user: TestUser) throws {
        try Sys.writeFile(path, Array("#!/bin/sh\n".utf8))
        if ownedByUser { try Sys.lchown(path, user.uid, user.gid) }
        try Sys.chmod(path, mode)
        if capability { try Xattr.set(path, "security.capability", Self.capabilityValue) }
    }
}

/// What a `PrivilegeChange` leaves.
struct PrivilegeState: Equatable, CustomStringConvertible {
    let mode: mode_t
    let uid: uid_t
    let capability: Bool

    init(_ path: RawPath) throws {
        let st = try Sys.lstat(path)
        mode = st.st_mode & 0o7777
        uid = st.st_uid
        capability = (try? Xattr.get(path, Array("security.capability".utf8))) != nil
    }

    var description: String { "mode \(String(mode, radix: 8)), uid \(uid)\(capability ? ", security.capability" : "")" }
}
