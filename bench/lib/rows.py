"""What is measured: the rows of the table, and the probes that produce them. Each probe runs on
fresh mounts of one system and returns figures for one or more rows."""
import os
import time
from dataclasses import dataclass

import profiler

from probes import Timer, copy_up, drop_caches, fio, first_write, mbs, read_file, rename_tree, walk, write_file
from probes import run as run_command
from systems import rss_kib

# Targets, applied to minifo's median (see report.py).
OPEN_FILES = "≥ 0.95× native"
COPY_UP = "≤ overlayfs"
METADATA = "≤ 1.5× overlayfs and < fuse-overlayfs"


@dataclass
class Row:
    key: str
    title: str
    unit: str
    higher_is_better: bool
    target: str = ""
    limit: float = 0.0     # for targets "< limit"


def rows(sizes, tree_entries):
    gib = f"{sizes.seq_mib / 1024:g} GiB" if sizes.seq_mib >= 1024 else f"{sizes.seq_mib} MiB"
    n = f"{tree_entries:,}"
    return [
        Row("seq_read_cold", f"sequential read, {gib} base file, cold", "MB/s", True, OPEN_FILES),
        Row("seq_read_warm", f"sequential read, {gib} base file, warm", "MB/s", True, OPEN_FILES),
        Row("rand_read_base", "random 4 KiB reads, base file", "IOPS", True, OPEN_FILES),
        Row("rand_write_base", "random 4 KiB writes, base file (run incl. copy-up at open)", "ops/s", True,
            "≥ overlayfs"),
        Row("rand_read_copied", "random 4 KiB reads, copied-up file", "IOPS", True, OPEN_FILES),
        Row("rand_write_copied", "random 4 KiB writes, copied-up file", "IOPS", True, OPEN_FILES),
        Row("seq_write", f"sequential write, {gib} new file", "MB/s", True, OPEN_FILES),
        Row("append", f"append {sizes.append_mib} MiB in 4 KiB writes, copied-up file", "MB/s", True, OPEN_FILES),
        Row("copyup_big", f"copy-up: first write to a {gib} base file, cold", "s", False, COPY_UP),
        Row("copyup_small", f"copy-up: first write to {sizes.small_files:,} small base files", "s", False, COPY_UP),
        Row("create", f"create {sizes.create_files:,} files", "s", False, METADATA),
        Row("stat_cold", f"stat every entry of a {n}-entry tree, cold", "s", False, METADATA),
        Row("stat_warm", f"stat every entry of a {n}-entry tree, warm", "s", False, METADATA),
        Row("readdir_cold", f"readdir of one directory of {sizes.flat_files:,} entries, cold", "s", False, METADATA),
        Row("readdir_warm", f"readdir of one directory of {sizes.flat_files:,} entries, warm", "s", False, METADATA),
        Row("delete", f"delete {sizes.delete_files:,} base files", "s", False, METADATA),
        Row("rename", f"rename {sizes.rename_dirs:,} base directories", "s", False, METADATA),
        Row("chmod", f"chmod {sizes.chmod_files:,} base files", "s", False, METADATA),
        Row("untar", "untar the glibc source tree", "s", False),
        Row("grep", "grep -r over the untarred tree, warm", "s", False),
        Row("git_cold", "git status in the glibc repository on the base, cold", "s", False),
        Row("git_warm", "git status in the glibc repository on the base, warm", "s", False),
        Row("mount_empty", "mount, empty upper layer", "ms", False),
        Row("mount_deleted", f"mount with {tree_entries - 1 - sizes.tree_dirs:,} deletions recorded, then list one directory",
            "ms", False, "< 100 ms", 100),
        Row("rss_idle", "daemon RSS, idle after mount", "KiB", False, "< 4 MiB", 4096),
        Row("rss_walk", f"daemon RSS after walking the {n}-entry tree", "KiB", False),
        Row("inode_bytes", "daemon memory per cached inode (RSS growth / entries walked)", "B", False, "< 200 B", 200),
        Row("rss_deleted", "daemon RSS with the deletions above loaded", "KiB", False),
    ]


class Run:
    """One probe on one system: makes its instances and closes them at the end."""

    def __init__(self, system, dataset, scratch, probe_name=""):
        self.probe_name = probe_name
        self.system = system
        self.dataset = dataset
        self.sizes = dataset.sizes
        self.scratch = scratch
        self.instances = []
        self.profilers = []

    def instance(self, upper=None):
        name = f"{self.system.name}-{len(os.listdir(self.scratch))}"
        instance = self.system.instance(self.dataset.base, os.path.join(self.scratch, name), upper)
        self.instances.append(instance)
        if running := profiler.start(self.system, instance.pid, f"{self.probe_name}-{name}"):
            self.profilers.append(running)
        return instance

    def close(self):
        while self.profilers:
            self.profilers.pop().stop()
        while self.instances:
            self.instances.pop().close()


def sequential_read(run):
    fs = run.instance()
    path = fs.path("seq.bin")
    drop_caches()
    with Timer() as cold:
        size = read_file(path)
    with Timer() as warm:
        read_file(path)
    assert size == run.sizes.seq_mib << 20, f"read {size} bytes"
    return {"seq_read_cold": mbs(size, cold.seconds), "seq_read_warm": mbs(size, warm.seconds)}


def random_io_base(run):
    fs = run.instance()
    path = fs.path("rand.bin")
    read_file(path)
    reads, _ = fio(path, "randread", run.sizes.rand_mib, run.sizes.rand_io_mib)
    fs.own("rand.bin")
    path = fs.path("rand.bin")
    _, seconds = fio(path, "randwrite", run.sizes.rand_mib, run.sizes.rand_io_mib)
    os.sync()
    return {"rand_read_base": reads, "rand_write_base": run.sizes.rand_io_mib * 256 / seconds}


def random_io_copied(run):
    fs = run.instance()
    fs.own("rand.bin")
    path = fs.path("rand.bin")
    copy_up(path)
    os.sync()
    read_file(path)
    reads, _ = fio(path, "randread", run.sizes.rand_mib, run.sizes.rand_io_mib)
    writes, _ = fio(path, "randwrite", run.sizes.rand_mib, run.sizes.rand_io_mib)
    os.sync()
    return {"rand_read_copied": reads, "rand_write_copied": writes}


def sequential_write(run):
    fs = run.instance()
    with Timer() as timer:
        write_file(fs.path("new.bin"), run.sizes.seq_mib)
    os.sync()
    return {"seq_write": mbs(run.sizes.seq_mib << 20, timer.seconds)}


def append(run):
    fs = run.instance()
    fs.own("append.bin")
    path = fs.path("append.bin")
    copy_up(path)
    os.sync()
    with Timer() as timer:
        write_file(path, run.sizes.append_mib, os.O_WRONLY | os.O_APPEND, 4096)
    os.sync()
    return {"append": mbs(run.sizes.append_mib << 20, timer.seconds)}


def copy_up_big(run):
    fs = run.instance()
    drop_caches()
    with Timer() as timer:
        first_write(fs.path("seq.bin"), 4096)
    os.sync()
    return {"copyup_big": timer.seconds}


def copy_up_small(run):
    fs = run.instance()
    paths = [fs.path(f"small/s{i:04}") for i in range(run.sizes.small_files)]
    drop_caches()
    with Timer() as timer:
        for path in paths:
            first_write(path)
    os.sync()
    return {"copyup_small": timer.seconds}


def create(run):
    fs = run.instance()
    directory = fs.path("created")
    os.mkdir(directory)
    paths = [os.path.join(directory, f"n{i:05}") for i in range(run.sizes.create_files)]
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY
    with Timer() as timer:
        for path in paths:
            os.close(os.open(path, flags, 0o644))
    os.sync()
    return {"create": timer.seconds}


def stat_tree(run):
    fs = run.instance()
    figures = {}
    if fs.pid:
        time.sleep(1)   # minifo reports ready before it drops its start-up pages
        figures["rss_idle"] = rss_kib(fs.pid)
    drop_caches()
    with Timer() as cold:
        entries = walk(fs.path("tree"))
    with Timer() as warm:
        walk(fs.path("tree"))
    expected = run.dataset.tree_entries - 1
    assert entries == expected, f"walked {entries} entries, expected {expected}"
    figures.update(stat_cold=cold.seconds, stat_warm=warm.seconds)
    if fs.pid:
        figures["rss_walk"] = rss_kib(fs.pid)
        figures["inode_bytes"] = max(0, figures["rss_walk"] - figures["rss_idle"]) * 1024 / entries
    return figures


def readdir(run):
    fs = run.instance()
    path = fs.path("flat")
    drop_caches()
    with Timer() as cold:
        count = len(os.listdir(path))
    with Timer() as warm:
        os.listdir(path)
    assert count == run.sizes.flat_files, f"listed {count} entries"
    return {"readdir_cold": cold.seconds, "readdir_warm": warm.seconds}


def delete(run):
    fs = run.instance()
    fs.own("del")
    paths = [fs.path(f"del/f{i:05}") for i in range(run.sizes.delete_files)]
    with Timer() as timer:
        for path in paths:
            os.unlink(path)
    os.sync()
    return {"delete": timer.seconds}


def rename(run):
    fs = run.instance()
    fs.own("ren")
    paths = [fs.path(f"ren/d{i:04}") for i in range(run.sizes.rename_dirs)]
    with Timer() as timer:
        copied = sum(rename_tree(path, path + ".renamed") for path in paths)
    os.sync()
    figures = {"rename": timer.seconds}
    if copied:
        figures["note"] = f"rename: EXDEV, copied like mv for {copied} directories"
    return figures


def chmod(run):
    fs = run.instance()
    fs.own("chmod")
    paths = [fs.path(f"chmod/f{i:04}") for i in range(run.sizes.chmod_files)]
    with Timer() as timer:
        for path in paths:
            os.chmod(path, 0o600)
    os.sync()
    return {"chmod": timer.seconds}


def untar_and_grep(run):
    fs = run.instance()
    directory = fs.path("untarred")
    os.mkdir(directory)
    with Timer() as untar:
        run_command(["tar", "-xf", run.dataset.tarball, "-C", directory])
    with Timer() as grep:
        run_command(["grep", "-r", "-l", "minifo-bench: a string found nowhere", directory], accept=(1,))
    os.sync()
    return {"untar": untar.seconds, "grep": grep.seconds}


def git_status(run):
    fs = run.instance()
    command = ["git", "-C", fs.path("repo"), "--no-optional-locks", "status", "--porcelain"]
    drop_caches()
    with Timer() as cold:
        changes = run_command(command)
    with Timer() as warm:
        run_command(command)
    figures = {"git_cold": cold.seconds, "git_warm": warm.seconds}
    if changes:
        figures["note"] = f"git status: reports changes on an unchanged base: {changes.splitlines()[0]}"
    return figures


def mount_times(run):
    with Timer() as empty:
        run.instance()
    run.close()
    with Timer() as deleted:
        fs = run.instance(run.dataset.deleted_upper(run.system.name))
        left = os.listdir(fs.path("tree/d000"))
    assert not left, f"{len(left)} deleted files still listed"
    figures = {"mount_empty": empty.seconds * 1000, "mount_deleted": deleted.seconds * 1000}
    if fs.pid:
        figures["rss_deleted"] = rss_kib(fs.pid)
    return figures


PROBES = [sequential_read, random_io_base, random_io_copied, sequential_write, append, copy_up_big,
          copy_up_small, create, stat_tree, readdir, delete, rename, chmod, untar_and_grep, git_status,
          mount_times]
# Probes that mean nothing natively (no copy-up, no mount); the copy-up ones would write the base.
NOT_NATIVE = {copy_up_big, copy_up_small, mount_times}
