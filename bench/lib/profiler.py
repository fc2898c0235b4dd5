"""PROFILE=perf or PROFILE=strace: records what a FUSE daemon does during each probe, with
`perf record -g` (where its CPU time goes) or `strace -c -f` (its syscalls, and so the FUSE
requests it reads), into $PROFILE_DIR (default $BENCH_DIR/profiles)."""
import os
import signal
import subprocess
import time


class Profiler:
    def __init__(self, kind, pid, name):
        directory = os.environ.get("PROFILE_DIR") or os.path.join(
            os.environ.get("BENCH_DIR", "/var/tmp/minifo-bench"), "profiles")
        os.makedirs(directory, exist_ok=True)
        self.kind = kind
        self.base = os.path.join(directory, name)
        if kind == "perf":
            command = ["perf", "record", "-q", "-g", "-F", "2000", "-p", str(pid), "-o", self.base + ".data"]
        elif kind == "strace":
            command = ["strace", "-c", "-f", "-p", str(pid), "-o", self.base + ".txt"]
        else:
            raise ValueError(f"PROFILE={kind}: use perf or strace")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)   # let it attach before the probe starts

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        self.process.wait()
        if self.kind == "perf":
            with open(self.base + ".txt", "w") as out:
                subprocess.run(["perf", "report", "--stdio", "--no-children", "--percent-limit", "1.5",
                                "-g", "caller,0.5,callee,function,percent", "-i", self.base + ".data"],
                               stdout=out, stderr=subprocess.DEVNULL)


def start(system, pid, name):
    """A profiler for the daemon `pid` of `system`, if PROFILE asks for one, else None."""
    kind = os.environ.get("PROFILE", "")
    if not kind or not pid or system.name not in os.environ.get("PROFILE_SYSTEMS", "minifo").split(","):
        return None
    return Profiler(kind, pid, name)
