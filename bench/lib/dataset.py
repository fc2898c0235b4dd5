"""The data every system is measured on, made once and kept in BENCH_DIR for later runs: the
base tree, the source tarball, and upper layers that record deletions in each system's format."""
import os
import shutil
import stat
import subprocess
import sys

import meta_file

SOURCE_TARBALL = "/usr/src/glibc/glibc-2.36.tar.xz"   # Debian's glibc-source
SOURCE_TOP = "glibc-2.36"
VERSION = "1"   # bump when the layout changes, so old data is made again


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def random_file(path, mib):
    with open(path, "wb") as out:
        for _ in range(mib):
            out.write(os.urandom(1 << 20))


def empty_files(directory, names, size=0):
    os.makedirs(directory)
    block = os.urandom(size)
    for name in names:
        with open(os.path.join(directory, name), "wb") as out:
            out.write(block)


def tree_paths(sizes):
    """Relative paths of the files of the big tree, `tree/dNNN/fNNNN`."""
    return [f"tree/d{d:03}/f{f:04}" for d in range(sizes.tree_dirs) for f in range(sizes.tree_files)]


def make_base(base, data, sizes):
    log("making the base: big files...")
    os.makedirs(base)
    random_file(os.path.join(base, "seq.bin"), sizes.seq_mib)
    random_file(os.path.join(base, "rand.bin"), sizes.rand_mib)
    random_file(os.path.join(base, "append.bin"), 4)
    log("making the base: small files and trees...")
    empty_files(os.path.join(base, "small"), [f"s{i:04}" for i in range(sizes.small_files)], 4096)
    for d in range(sizes.tree_dirs):
        empty_files(os.path.join(base, f"tree/d{d:03}"), [f"f{f:04}" for f in range(sizes.tree_files)])
    empty_files(os.path.join(base, "flat"), [f"f{i:06}" for i in range(sizes.flat_files)])
    empty_files(os.path.join(base, "del"), [f"f{i:05}" for i in range(sizes.delete_files)])
    os.makedirs(os.path.join(base, "ren"))
    for i in range(sizes.rename_dirs):
        empty_files(os.path.join(base, f"ren/d{i:04}"), ["a", "b"], 100)
    empty_files(os.path.join(base, "chmod"), [f"f{i:04}" for i in range(sizes.chmod_files)], 4096)

    log(f"making the source tarball and the git repository from {SOURCE_TARBALL}...")
    tarball = os.path.join(data, "source.tar")
    unpacked = os.path.join(data, "unpacked")
    os.makedirs(unpacked)
    subprocess.run(["tar", "-xJf", SOURCE_TARBALL, "-C", unpacked], check=True)
    top = os.path.join(unpacked, SOURCE_TOP)
    if sizes.source_dirs:
        for entry in os.listdir(top):
            if entry not in sizes.source_dirs:
                path = os.path.join(top, entry)
                shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.unlink(path)
    subprocess.run(["tar", "-cf", tarball, "-C", unpacked, SOURCE_TOP], check=True)
    repo = os.path.join(base, "repo")
    os.rename(top, repo)
    os.rmdir(unpacked)
    git = ["git", "-C", repo, "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    subprocess.run([*git, "status", "--porcelain"], check=True, stdout=subprocess.DEVNULL)


def make_deleted_uppers(base, uppers, sizes):
    """Upper layers in which every file of the big tree is deleted, one per format."""
    log("making upper layers with every tree file deleted...")
    deleted = tree_paths(sizes)
    overlays = [os.path.join(uppers, "overlayfs"), os.path.join(uppers, "fuse-overlayfs")]
    unionfs = os.path.join(uppers, "unionfs-fuse", ".unionfs-fuse")
    minifo = os.path.join(uppers, "minifo")
    for d in range(sizes.tree_dirs):
        for overlay in overlays:
            os.makedirs(os.path.join(overlay, f"tree/d{d:03}"))
        os.makedirs(os.path.join(unionfs, f"tree/d{d:03}"))
    for relative in deleted:
        for overlay in overlays:
            os.mknod(os.path.join(overlay, relative), stat.S_IFCHR | 0o000, os.makedev(0, 0))
        open(os.path.join(unionfs, relative + "_HIDDEN~"), "wb").close()
    os.makedirs(minifo)
    meta_file.write_whiteouts(os.path.join(minifo, meta_file.NAME), base, deleted)


class Dataset:
    def __init__(self, bench_dir, sizes):
        self.sizes = sizes
        self.data = os.path.realpath(os.path.join(bench_dir, f"data-{sizes.name}"))
        self.base = os.path.join(self.data, "base")
        self.uppers = os.path.join(self.data, "uppers")
        self.tarball = os.path.join(self.data, "source.tar")
        self.tree_entries = 1 + sizes.tree_dirs * (1 + sizes.tree_files)

    def deleted_upper(self, system_name):
        return os.path.join(self.uppers, "minifo" if system_name.startswith("minifo") else system_name)

    def prepare(self):
        stamp = os.path.join(self.data, f".complete-v{VERSION}")
        if os.path.exists(stamp):
            log(f"reusing the data in {self.data}")
            return
        if os.path.exists(self.data):
            shutil.rmtree(self.data)
        os.makedirs(self.data)
        make_base(self.base, self.data, self.sizes)
        make_deleted_uppers(self.base, self.uppers, self.sizes)
        os.sync()
        open(stamp, "w").close()
        log(f"data ready in {self.data}")
