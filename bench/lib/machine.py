"""What the figures were measured on, for the results file."""
import os
import platform
import subprocess


def output(command):
    try:
        return subprocess.run(command, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def line_naming(text, name):
    return next((line for line in text.splitlines() if name in line), "?")


def cpu_model():
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


def memory():
    with open("/proc/meminfo") as meminfo:
        kib = int(meminfo.readline().split()[1])
    return f"{kib / (1 << 20):.1f} GiB"


def filesystem(path):
    device = os.stat(path).st_dev
    best = None
    with open("/proc/self/mountinfo") as table:
        for line in table:
            fields = line.split()
            major, minor = map(int, fields[2].split(":"))
            if os.makedev(major, minor) == device and path.startswith(fields[4]):
                if best is None or len(fields[4]) > len(best[4]):
                    best = fields
    return best


def disk(fields):
    source = fields[fields.index("-") + 2]
    return output(["lsblk", "-dno", "NAME,SIZE,ROTA,MODEL", source]) if source.startswith("/dev/") else source


def describe(bench_dir, minifo):
    source = os.path.dirname(os.path.abspath(__file__))
    mount = filesystem(bench_dir)
    rest = mount[mount.index("-") + 1:] if mount else ["?", "?"]
    return {
        "host": platform.node(),
        "kernel": platform.release(),
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": memory(),
        "scratch": f"{bench_dir}: {rest[0]} on {rest[1]}" + (f" (mounted at {mount[4]}, {mount[5]})" if mount else ""),
        "disk": (disk(mount) if mount else "?") + " (lsblk NAME SIZE ROTA MODEL)",
        "minifo": f"{output([minifo, '--version'])} (commit {output(['git', '-C', source, 'rev-parse', '--short', 'HEAD'])})",
        "fuse-overlayfs": line_naming(output(["fuse-overlayfs", "--version"]), "fuse-overlayfs"),
        "unionfs-fuse": line_naming(output(["unionfs", "--version"]), "unionfs"),
        "fio": output(["fio", "--version"]),
    }
