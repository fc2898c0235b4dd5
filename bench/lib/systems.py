"""The filesystems compared: the native filesystem and four overlays, each mounted fresh for
every measurement in a scratch directory, and always unmounted (lazily if need be)."""
import os
import shutil
import subprocess
import time

# Every mount point this process has mounted and not yet unmounted, oldest first.
ACTIVE_MOUNTS = []


def is_mounted(path):
    with open("/proc/self/mountinfo") as table:
        return any(line.split()[4] == path for line in table)


def unmount(path, command=None):
    """Unmounts `path` with `command` (default umount), lazily if that fails."""
    if is_mounted(path):
        done = subprocess.run(command or ["umount", path], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0
        if not done or is_mounted(path):
            subprocess.run(["umount", "-l", path], stderr=subprocess.DEVNULL)
    if path in ACTIVE_MOUNTS:
        ACTIVE_MOUNTS.remove(path)


def unmount_all():
    for path in reversed(list(ACTIVE_MOUNTS)):
        unmount(path)


def process_serving(mount_point):
    """The pid of the process whose command line names `mount_point` as one argument: the FUSE
    daemon of that mount, found without matching other processes by name."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                arguments = f.read().split(b"\0")
        except OSError:
            continue
        if mount_point.encode() in arguments:
            return int(entry)
    return None


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


class Instance:
    """One fresh copy of a system: `root` shows the base with the instance's changes."""

    def __init__(self, system, base, directory):
        self.system = system
        self.base = base
        self.directory = directory
        self.root = os.path.join(directory, "mnt")
        self.pid = None
        os.makedirs(self.root)

    def path(self, relative):
        return os.path.join(self.root, relative)

    def own(self, relative):
        """Makes `relative` safe to change. Overlays need nothing; see Native."""

    def close(self):
        if self.system.mounts:
            unmount(self.root, self.system.unmount_command(self.root))
            if self.pid:
                for _ in range(100):
                    if not os.path.exists(f"/proc/{self.pid}"):
                        break
                    time.sleep(0.05)
        if not is_mounted(self.root):
            shutil.rmtree(self.directory, ignore_errors=True)


class NativeInstance(Instance):
    """The base filesystem itself. Reads go to the base; whatever a row changes is first copied
    (untimed) into the instance directory, so the base is never written."""

    def path(self, relative):
        top = relative.split("/")[0]
        if os.path.lexists(os.path.join(self.root, top)) or not os.path.lexists(os.path.join(self.base, top)):
            return os.path.join(self.root, relative)
        return os.path.join(self.base, relative)

    def own(self, relative):
        subprocess.run(["cp", "-a", "--reflink=auto", os.path.join(self.base, relative),
                        os.path.join(self.root, relative)], check=True)


class System:
    name = ""
    mounts = True
    daemon = False

    def instance(self, base, directory, upper=None):
        """Mounts a fresh instance in `directory`; `upper` reuses a prepared upper layer."""
        instance = Instance(self, base, directory)
        upper = upper or os.path.join(directory, "upper")
        work = os.path.join(directory, "work")
        os.makedirs(upper, exist_ok=True)
        os.makedirs(work)
        ACTIVE_MOUNTS.append(instance.root)
        done = subprocess.run(self.mount_command(base, upper, work, instance.root),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0 or not is_mounted(instance.root):
            instance.close()
            raise RuntimeError(f"{self.name} mount failed: {done.stderr.strip()}")
        if self.daemon:
            instance.pid = process_serving(instance.root)
        return instance

    def unmount_command(self, mount_point):
        return ["umount", mount_point]


class Native(System):
    name = "native"
    mounts = False

    def instance(self, base, directory, upper=None):
        return NativeInstance(self, base, directory)


class KernelOverlay(System):
    name = "overlayfs"
    options = os.environ.get("OVERLAY_OPTIONS", "redirect_dir=on,metacopy=on")

    def mount_command(self, base, upper, work, mount_point):
        options = f"lowerdir={base},upperdir={upper},workdir={work}"
        if self.options:
            options += "," + self.options
        return ["mount", "-t", "overlay", "overlay", "-o", options, mount_point]


class Minifo(System):
    daemon = True

    def __init__(self, binary, name="minifo", options=""):
        self.binary = binary
        self.name = name
        self.options = options

    def mount_command(self, base, upper, work, mount_point):
        options = ["-o", self.options] if self.options else []
        return [self.binary, "mount", *options, base, upper, mount_point]

    def unmount_command(self, mount_point):
        return [self.binary, "umount", mount_point]


class FuseOverlayfs(System):
    name = "fuse-overlayfs"
    daemon = True

    def mount_command(self, base, upper, work, mount_point):
        return ["fuse-overlayfs", "-o", f"lowerdir={base},upperdir={upper},workdir={work}", mount_point]


class UnionfsFuse(System):
    name = "unionfs-fuse"
    daemon = True

    def mount_command(self, base, upper, work, mount_point):
        return ["unionfs", "-o", "cow,use_ino,hide_meta_files", f"{upper}=RW:{base}=RO", mount_point]


def all_systems(minifo_binary):
    """The five systems; MINIFO_B (another build) or MINIFO_B_OPTIONS add a second minifo,
    "minifo-b", measured interleaved with the first to compare a change."""
    systems = [Native(), KernelOverlay(), Minifo(minifo_binary, options=os.environ.get("MINIFO_OPTIONS", "")),
               FuseOverlayfs(), UnionfsFuse()]
    if os.environ.get("MINIFO_B") or os.environ.get("MINIFO_B_OPTIONS"):
        systems.append(Minifo(os.environ.get("MINIFO_B") or minifo_binary, "minifo-b",
                              os.environ.get("MINIFO_B_OPTIONS", "")))
    return systems
