import Glibc

/// flock(2) without waiting: a shared or exclusive lock on the open file `fd`, held until
/// every descriptor of that open file is closed. EAGAIN when another open file holds a lock
/// that conflicts.
public func lockFile(_ fd: Int32, exclusive: Bool) throws(Errno) {
    _ = try retrying { flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) }
}
