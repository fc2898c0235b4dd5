"""The PNG chart: each system's speed relative to kernel overlayfs per row, and daemon memory."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"native": "#7f7f7f", "overlayfs": "#1f77b4", "minifo": "#d62728",
          "fuse-overlayfs": "#2ca02c", "unionfs-fuse": "#9467bd", "minifo-b": "#ff7f0e"}
MEMORY_UNITS = ("KiB", "B")


def draw(path, rows, figures_by_row, title, systems):
    speed_rows = [r for r in rows if r.unit not in MEMORY_UNITS and figures_by_row.get(r.key, {}).get("overlayfs")]
    memory_rows = [r for r in rows if r.unit in MEMORY_UNITS and figures_by_row.get(r.key)]
    daemons = [s for s in systems if s not in ("native", "overlayfs")]
    systems = [s for s in systems if s != "overlayfs"]
    figure, (speed, memory) = plt.subplots(
        2, 1, figsize=(11, 0.42 * len(speed_rows) + 0.5 * len(memory_rows) + 3),
        gridspec_kw={"height_ratios": [max(1, len(speed_rows)), max(1, len(memory_rows)) * 1.2]})

    height = 0.8 / len(systems)
    for index, system in enumerate(systems):
        ys, xs = [], []
        for position, row in enumerate(speed_rows):
            figures = figures_by_row[row.key]
            if figures.get(system):
                relative = figures[system] / figures["overlayfs"]
                xs.append(relative if row.higher_is_better else 1 / relative)
                ys.append(position + (index - (len(systems) - 1) / 2) * height)
        speed.barh(ys, xs, height=height, color=COLORS[system], label=system)
    speed.axvline(1, color=COLORS["overlayfs"], linewidth=1.5, label="kernel overlayfs = 1")
    speed.set_xscale("log")
    speed.set_yticks(range(len(speed_rows)), [r.title for r in speed_rows], fontsize=7)
    speed.invert_yaxis()
    speed.set_xlabel("speed relative to kernel overlayfs (log scale; right is faster)")
    speed.grid(axis="x", which="both", alpha=0.3)
    speed.legend(fontsize=7, loc="lower right")
    speed.set_title(title, fontsize=10)

    height = 0.8 / len(daemons)
    for index, system in enumerate(daemons):
        ys, xs = [], []
        for position, row in enumerate(memory_rows):
            value = figures_by_row[row.key].get(system)
            if value:
                xs.append(value)
                ys.append(position + (index - (len(daemons) - 1) / 2) * height)
        memory.barh(ys, xs, height=height, color=COLORS[system], label=system)
    memory.set_xscale("log")
    memory.set_yticks(range(len(memory_rows)), [f"{r.title} ({r.unit})" for r in memory_rows], fontsize=7)
    memory.invert_yaxis()
    memory.set_xlabel("daemon memory (log scale; left is smaller)")
    memory.grid(axis="x", which="both", alpha=0.3)
    memory.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
