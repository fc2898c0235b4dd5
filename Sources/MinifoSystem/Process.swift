import CMinifo
import Glibc

/// Process identity and the few process-level calls the tools make.
public enum ProcessControl {
    public static var effectiveUserID: UInt32 { geteuid() }
    public static var effectiveGroupID: UInt32 { getegid() }
    public static var processID: Int32 { getpid() }

    /// Raises the soft RLIMIT_NOFILE to the hard limit: the daemon holds descriptors for every
    /// user of the mount, and the soft default (1024) lets one user's opens starve the rest.
    public static func raiseDescriptorLimit() {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resource, &limit)
    }

    /// The absolute path of the running executable.
    public static func executablePath() throws(Errno) -> String {
        try canonicalPath("/proc/self/exe")
    }

    /// Starts `path` with `arguments` (argv[0] included) in a new session, keeping only the
    /// listed descriptors open (each at the same number) and putting /dev/null on 0, 1 and 2
    /// unless `keepStandardStreams`.
    public static func spawn(_ path: String, _ arguments: [String], environment: [String]? = nil,
                             inherit descriptors: [Int32] = [], newSession: Bool = false,
                             keepStandardStreams: Bool = true, standardError: Int32? = nil) throws(Errno) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if !keepStandardStreams {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        if let standardError { posix_spawn_file_actions_adddup2(&actions, standardError, 2) }
        // dup2 onto itself clears FD_CLOEXEC in the child.
        for fd in descriptors { posix_spawn_file_actions_adddup2(&actions, fd, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if newSession { flags |= cminifo_POSIX_SPAWN_SETSID }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let env = environment ?? currentEnvironment()
        var pid: pid_t = 0
        let result = withCStringArray(arguments) { argv in
            withCStringArray(env) { envp in
                posix_spawn(&pid, path, &actions, &attributes, argv, envp)
            }
        }
        if result != 0 { throw Errno(result) }
        return pid
    }

    /// Replaces the process image (execv). Returns only on failure.
    public static func exec(_ path: String, _ arguments: [String]) -> Errno {
        _ = withCStringArray(arguments) { argv in execv(path, argv) }
        return Errno.current
    }

    /// Waits for a child and returns its exit status, or 128 + signal if it was killed.
    public static func waitForExit(_ pid: Int32) throws(Errno) -> Int32 {
        var status: Int32 = 0
        _ = try retrying { waitpid(pid, &status, 0) }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// The environment as `NAME=value` strings.
    public static func currentEnvironment() -> [String] {
        var result: [String] = []
        var p = environ
        while let entry = p.pointee {
            result.append(String(cString: entry))
            p += 1
        }
        return result
    }

    public static func environmentValue(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// A connected pair of Unix stream sockets, close-on-exec.
    public static func socketPair() throws(Errno) -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        _ = try retrying { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }
        return (fds[0], fds[1])
    }

    /// A close-on-exec pipe: (read end, write end).
    public static func pipe() throws(Errno) -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        _ = try retrying { cminifo_pipe2(&fds, O_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// Receives a descriptor sent with SCM_RIGHTS; nil when the peer closed without sending one.
    public static func receiveDescriptor(_ socket: Int32) throws(Errno) -> Int32? {
        let fd = cminifo_recv_fd(socket)
        if fd == -1 { throw Errno.current }
        return fd < 0 ? nil : fd
    }

    /// Closes every descriptor above standard error except `keep`, so that a daemon does not
    /// hold pipes and sockets its starter passed down by accident.
    public static func closeInheritedDescriptors(except keep: [Int32]) {
        guard let fd = try? open("/proc/self/fd", [.directory, .readOnly]) else { return }
        let reader = DirectoryReader(owning: fd)
        var inherited: [Int32] = []
        while let entry = try? reader.next() {
            if let number = Int32(String(decoding: entry.name, as: UTF8.self)), number > 2, number != fd, !keep.contains(number) {
                inherited.append(number)
            }
        }
        for number in inherited { Glibc.close(number) }
    }

    /// Ends the process at once, without running atexit handlers.
    public static func exitNow(_ code: Int32) -> Never {
        _exit(code)
    }

    private static func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for p in pointers { free(p) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
