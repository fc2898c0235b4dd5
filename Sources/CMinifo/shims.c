#define _GNU_SOURCE
#include "CMinifo.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <malloc.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <spawn.h>
#include <unistd.h>

// From include/uapi/linux/fuse.h (7.40+); Debian 12's header predates them.
struct cminifo_backing_map { int32_t fd; uint32_t flags; uint64_t padding; };
#define CMINIFO_FUSE_DEV_IOC_CLONE _IOR(229, 0, uint32_t)
#define CMINIFO_FUSE_DEV_IOC_BACKING_OPEN _IOW(229, 1, struct cminifo_backing_map)
#define CMINIFO_FUSE_DEV_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)
#define CMINIFO_FICLONE _IOW(0x94, 9, int)

int cminifo_fuse_clone(int fd, int session_fd) {
    uint32_t src = (uint32_t)session_fd;
    return ioctl(fd, CMINIFO_FUSE_DEV_IOC_CLONE, &src);
}

int cminifo_fuse_backing_open(int dev_fd, int backing_fd) {
    struct cminifo_backing_map map = { .fd = backing_fd, .flags = 0, .padding = 0 };
    return ioctl(dev_fd, CMINIFO_FUSE_DEV_IOC_BACKING_OPEN, &map);
}

int cminifo_fuse_backing_close(int dev_fd, int backing_id) {
    uint32_t id = (uint32_t)backing_id;
    return ioctl(dev_fd, CMINIFO_FUSE_DEV_IOC_BACKING_CLOSE, &id);
}

ssize_t cminifo_getdents64(int fd, void *buf, size_t len) {
    return syscall(SYS_getdents64, fd, buf, len);
}

int cminifo_recv_fd(int sock) {
    char byte;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } control;
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.buf, .msg_controllen = sizeof(control.buf),
    };
    ssize_t n;
    do { n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    if (n == 0 || cmsg == NULL || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) return -2;
    int fd;
    memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
    return fd;
}

int cminifo_ficlone(int dst, int src) {
    return ioctl(dst, CMINIFO_FICLONE, src);
}

int cminifo_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags) {
    return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags);
}

struct cminifo_open_how { uint64_t flags; uint64_t mode; uint64_t resolve; };

int cminifo_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
    struct cminifo_open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

int cminifo_is_mount_root(const char *path) {
    struct statx sx;
    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx) < 0) return -1;
    if (!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) { errno = ENOSYS; return -1; }
    return (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) ? 1 : 0;
}

const int cminifo_O_PATH = O_PATH;
const uint64_t cminifo_RESOLVE_BENEATH_NO_SYMLINKS = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
const int cminifo_O_NOATIME = O_NOATIME;
const int cminifo_O_TMPFILE = O_TMPFILE;
const int cminifo_AT_EMPTY_PATH = AT_EMPTY_PATH;
const int cminifo_SEEK_DATA = SEEK_DATA;
const int cminifo_SEEK_HOLE = SEEK_HOLE;
const int cminifo_POSIX_SPAWN_SETSID = POSIX_SPAWN_SETSID;

int cminifo_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

const long cminifo_UTIME_NOW = UTIME_NOW;
const long cminifo_UTIME_OMIT = UTIME_OMIT;

ssize_t cminifo_copy_file_range(int in_fd, int64_t *in_off, int out_fd, int64_t *out_off, size_t len) {
    loff_t in = *in_off, out = *out_off;
    ssize_t n = copy_file_range(in_fd, &in, out_fd, &out, len, 0);
    *in_off = in;
    *out_off = out;
    return n;
}

int cminifo_fallocate(int fd, int mode, int64_t offset, int64_t len) { return fallocate(fd, mode, offset, len); }

/// `path` as a Unix socket address; ENAMETOOLONG when it does not fit sun_path.
static int unix_address(struct sockaddr_un *address, const char *path) {
    memset(address, 0, sizeof(*address));
    address->sun_family = AF_UNIX;
    size_t length = strlen(path);
    if (length >= sizeof(address->sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(address->sun_path, path, length);
    return 0;
}

int cminifo_listen_unix(const char *path) {
    struct sockaddr_un address;
    if (unix_address(&address, path) < 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (bind(fd, (struct sockaddr *)&address, sizeof(address)) < 0 || listen(fd, 8) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int cminifo_connect_unix(const char *path, int seconds) {
    struct sockaddr_un address;
    if (unix_address(&address, path) < 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int result = cminifo_socket_timeout(fd, seconds);
    if (result == 0) {
        do { result = connect(fd, (struct sockaddr *)&address, sizeof(address)); } while (result < 0 && errno == EINTR);
    }
    if (result < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int cminifo_accept(int fd) {
    return accept4(fd, NULL, NULL, SOCK_CLOEXEC);
}

int cminifo_peer_uid(int fd, uint32_t *uid) {
    struct ucred credentials;
    socklen_t size = sizeof(credentials);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) < 0) return -1;
    *uid = credentials.uid;
    return 0;
}

int cminifo_socket_timeout(int fd, int seconds) {
    struct timeval timeout = { .tv_sec = seconds, .tv_usec = 0 };
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0) return -1;
    return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
}

int cminifo_syncfs(int fd) {
    return syncfs(fd);
}

int cminifo_malloc_trim(void) {
    return malloc_trim(0);
}
