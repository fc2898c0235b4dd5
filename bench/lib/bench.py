"""Runs every probe on every system, interleaved, REPS times, and writes the results.

    bench.py SCRATCH MINIFO      (normally through bench/run, which sets things up)
"""
import datetime
import json
import os
import signal
import sys
import time
import traceback

import chart
import config
import machine
import report
from dataset import Dataset, log
from probes import drop_caches, read_file
from rows import NOT_NATIVE, PROBES, Run, rows
from systems import all_systems, unmount_all


def stop(signum, frame):
    raise SystemExit(128 + signum)


def chosen(items, variable, name):
    wanted = os.environ.get(variable, "")
    if not wanted:
        return items
    names = wanted.split(",")
    unknown = set(names) - {name(item) for item in items}
    if unknown:
        sys.exit(f"bench: unknown {variable} entries {sorted(unknown)}; choose from {[name(i) for i in items]}")
    return [item for item in items if name(item) in names]


def prime(dataset):
    """On a virtual machine the host caches the disk too, and the first reader of a file pays
    for it: read the big files once, untimed, so no system pays for that alone."""
    drop_caches()
    for name in ("seq.bin", "rand.bin"):
        read_file(os.path.join(dataset.base, name))


def measure(systems, probes, dataset, scratch, reps):
    samples, notes, errors = {}, set(), []
    prime(dataset)
    for rep in range(reps):
        for index, probe in enumerate(probes):
            shift = (rep + index) % len(systems)
            for system in systems[shift:] + systems[:shift]:
                if system.name == "native" and probe in NOT_NATIVE:
                    continue
                run = Run(system, dataset, scratch, probe.__name__)
                try:
                    figures = probe(run)
                except Exception as error:   # one failing system must not end the whole run
                    errors.append(f"rep {rep + 1}, {probe.__name__}, {system.name}: {error}")
                    log(f"ERROR {errors[-1]}")
                    if os.environ.get("DEBUG"):
                        traceback.print_exc()
                    continue
                finally:
                    run.close()
                if "note" in figures:
                    notes.add(f"{system.name}: {figures.pop('note')}")
                for key, value in figures.items():
                    samples.setdefault(key, {}).setdefault(system.name, []).append(value)
                shown = ", ".join(f"{key} {report.number(value)}" for key, value in figures.items())
                log(f"rep {rep + 1}/{reps} {probe.__name__} {system.name}: {shown}")
    return samples, sorted(notes), errors


def main():
    scratch, minifo = os.path.realpath(sys.argv[1]), sys.argv[2]
    bench_dir = os.path.realpath(os.environ.get("BENCH_DIR", "/var/tmp/minifo-bench"))
    sizes = config.from_environment()
    reps = int(os.environ.get("REPS", "3" if sizes.name == "full" else "1"))
    systems = chosen(all_systems(minifo), "SYSTEMS", lambda s: s.name)
    probes = chosen(PROBES, "PROBES", lambda p: p.__name__)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)

    dataset = Dataset(bench_dir, sizes)
    dataset.prepare()
    started = time.time()
    load_before = os.getloadavg()
    try:
        samples, notes, errors = measure(systems, probes, dataset, scratch, reps)
    finally:
        unmount_all()
    minutes = (time.time() - started) / 60

    figures = report.medians(samples)
    table_rows = [r for r in rows(sizes, dataset.tree_entries) if r.key in figures]
    names = [system.name for system in systems]
    table, misses = report.table(table_rows, figures, reps, names)
    info = machine.describe(bench_dir, minifo)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d")
    name = f"{stamp}-{info['host']}" + ("" if sizes.name == "full" else f"-{sizes.name}")
    default_results = os.path.join(os.path.dirname(__file__), "..", "results") if sizes.name == "full" \
        else os.path.join(bench_dir, "results")
    results = os.path.realpath(os.environ.get("RESULTS_DIR", default_results))
    os.makedirs(results, exist_ok=True)

    lines = [f"# minifo benchmark, {stamp}, {info['host']} ({sizes.name} sizes)", "",
             f"`bench/run`{'' if sizes.name == 'full' else ' with QUICK=1'}: {reps} repetitions, systems "
             f"interleaved in a rotating order, {minutes:.0f} minutes; load average "
             f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after "
             "(the machine was shared with other work, so single figures are noisy).", "",
             "| machine | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in info.items()]
    options = "; ".join(f"{s.name}: `{s.options or 'defaults'}`" for s in systems if hasattr(s, "options"))
    lines += ["", f"Mount options: {options}; unionfs-fuse: `-o cow,use_ino,hide_meta_files`.",
              "", f"![chart]({name}.png)", "", table, ""]
    lines += ["", "Rows where minifo misses its target:" if misses else "minifo meets every target.", ""]
    lines += [f"- {r.title}" for r in misses]
    for heading, items in (("Notes", notes), ("Errors", errors)):
        if items:
            lines += ["", f"{heading}:", ""] + [f"- {item}" for item in items]
    markdown = "\n".join(lines) + "\n"
    with open(os.path.join(results, name + ".md"), "w") as out:
        out.write(markdown)
    with open(os.path.join(results, name + ".json"), "w") as out:
        json.dump({"machine": info, "sizes": sizes.name, "reps": reps, "samples": samples,
                   "notes": notes, "errors": errors}, out, indent=1)
    chart.draw(os.path.join(results, name + ".png"), table_rows, figures,
               f"minifo benchmark {stamp}, {info['host']}: medians of {reps} runs", names)
    print(markdown)
    log(f"results in {results}/{name}.md, .json and .png")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
