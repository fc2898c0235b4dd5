// Thin C shims for the calls Swift cannot make directly: variadic ioctl and
// syscall(2), and the SCM_RIGHTS control-message macros.
#ifndef CMINIFO_H
#define CMINIFO_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/xattr.h>

/// FUSE_DEV_IOC_CLONE: attach `fd` (a fresh /dev/fuse) to the session of `session_fd`.
int cminifo_fuse_clone(int fd, int session_fd);

/// FUSE_DEV_IOC_BACKING_OPEN: register `backing_fd` for passthrough; returns the backing id.
int cminifo_fuse_backing_open(int dev_fd, int backing_fd);

/// FUSE_DEV_IOC_BACKING_CLOSE.
int cminifo_fuse_backing_close(int dev_fd, int backing_id);

/// getdents64(2).
ssize_t cminifo_getdents64(int fd, void *buf, size_t len);

/// Receives one descriptor passed with SCM_RIGHTS; -1 with errno on failure, -2 when none came.
int cminifo_recv_fd(int sock);

/// FICLONE: share all of `src`'s extents with `dst` (reflink).
int cminifo_ficlone(int dst, int src);

/// renameat2(2), which older glibc headers do not declare.
int cminifo_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);

/// openat2(2) with RESOLVE_* flags.
int cminifo_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);

/// 1 if `path` is the root of a mount (statx STATX_ATTR_MOUNT_ROOT), 0 if not, -1 with errno.
int cminifo_is_mount_root(const char *path);

/// A listening Unix stream socket bound to the path `path` (bind(2) creates the socket file);
/// close-on-exec. -1 with errno on failure, ENAMETOOLONG for a path sun_path cannot hold.
int cminifo_listen_unix(const char *path);

/// A Unix stream socket connected to the one listening at `path`, with SO_SNDTIMEO and
/// SO_RCVTIMEO of `seconds` set first, so that connect(2) to a listener whose backlog is full
/// fails with EAGAIN after that long; close-on-exec.
int cminifo_connect_unix(const char *path, int seconds);

/// accept4(2) with SOCK_CLOEXEC.
int cminifo_accept(int fd);

/// The user id of the process at the other end of a Unix socket (SO_PEERCRED).
int cminifo_peer_uid(int fd, uint32_t *uid);

/// SO_RCVTIMEO and SO_SNDTIMEO of a socket, in seconds.
int cminifo_socket_timeout(int fd, int seconds);

/// syncfs(2).
int cminifo_syncfs(int fd);

/// malloc_trim(3): returns freed heap memory to the kernel.
int cminifo_malloc_trim(void);

/// Constants glibc hides behind _GNU_SOURCE, which Swift's Glibc module is built without.
extern const int cminifo_O_PATH;
/// openat2(2) RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS (which implies RESOLVE_NO_MAGICLINKS).
extern const uint64_t cminifo_RESOLVE_BENEATH_NO_SYMLINKS;
extern const int cminifo_O_NOATIME;
extern const int cminifo_O_TMPFILE;
extern const int cminifo_AT_EMPTY_PATH;
extern const int cminifo_SEEK_DATA;
extern const int cminifo_SEEK_HOLE;
extern const int cminifo_POSIX_SPAWN_SETSID;

extern const long cminifo_UTIME_NOW;
extern const long cminifo_UTIME_OMIT;

/// copy_file_range(2).
ssize_t cminifo_copy_file_range(int in_fd, int64_t *in_off, int out_fd, int64_t *out_off, size_t len);

/// fallocate(2).
int cminifo_fallocate(int fd, int mode, int64_t offset, int64_t len);

/// pipe2(2).
int cminifo_pipe2(int fds[2], int flags);

#endif
