"""Small measuring tools: timing, cache drops, sequential I/O, fio, a stat walk."""
import errno
import json
import os
import shutil
import subprocess
import time

BLOCK = os.urandom(1 << 20)


def drop_caches():
    """Writes dirty data back, then drops the page cache, dentries and inodes. The pause lets a
    FUSE daemon see the RELEASE of files closed just before."""
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as knob:
        knob.write("3")
    time.sleep(0.5)


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def read_file(path):
    """Reads `path` start to end in 1 MiB blocks; returns the bytes read."""
    buffer = bytearray(1 << 20)
    total = 0
    fd = os.open(path, os.O_RDONLY)
    try:
        while (count := os.readv(fd, [buffer])) > 0:
            total += count
    finally:
        os.close(fd)
    return total


def write_file(path, mib, flags=os.O_CREAT | os.O_EXCL | os.O_WRONLY, block=1 << 20):
    data = BLOCK[:block]
    fd = os.open(path, flags, 0o644)
    try:
        for _ in range(mib * ((1 << 20) // block)):
            os.write(fd, data)
    finally:
        os.close(fd)


def first_write(path, size=1):
    """Opens an existing file for writing and writes `size` bytes at its start: the first write
    to a base file, which copies it up."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, BLOCK[:size], 0)
    finally:
        os.close(fd)


def copy_up(path):
    os.close(os.open(path, os.O_WRONLY))


def mbs(nbytes, seconds):
    return nbytes / seconds / 1e6


def fio(path, mode, file_mib, io_mib):
    """Random 4 KiB psync I/O on an existing file through the page cache; returns (IOPS that fio
    counts, wall-clock seconds of the whole run, open included)."""
    command = ["fio", "--name=bench", f"--filename={path}", f"--rw={mode}", "--bs=4k",
               f"--size={file_mib}M", f"--io_size={io_mib}M", "--ioengine=psync", "--invalidate=0",
               "--randrepeat=1", "--norandommap", "--allow_file_create=0", "--output-format=json"]
    with Timer() as timer:
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"fio {mode} failed: {done.stderr.strip() or done.stdout.strip()}")
    job = json.loads(done.stdout[done.stdout.index("{"):])["jobs"][0]
    side = "read" if "read" in mode else "write"
    if job["error"]:
        raise RuntimeError(f"fio {mode}: error {job['error']}")
    return job[side]["iops"], timer.seconds


def walk(root):
    """Lists every directory below `root` and lstat()s every entry; returns the entry count."""
    count = 0
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                os.lstat(entry.path)
                count += 1
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
    return count


def rename_tree(source, target):
    """rename(2), or what mv does when the filesystem answers EXDEV: copy, then remove.
    Returns whether it had to copy."""
    try:
        os.rename(source, target)
        return False
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
    shutil.copytree(source, target, symlinks=True, copy_function=shutil.copy2)
    shutil.rmtree(source)
    return True


def run(command, accept=(0,)):
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode not in accept:
        raise RuntimeError(f"{' '.join(command[:3])}... exited {done.returncode}: {done.stderr.strip()[:200]}")
    return done.stdout
