"""Medians, ratios and targets, as a markdown table."""
import statistics

def medians(samples):
    return {key: {system: statistics.median(values) for system, values in by_system.items() if values}
            for key, by_system in samples.items()}


def number(value):
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def ratio(value, reference):
    return f"{value / reference:.2f}" if reference else "—"


def verdict(row, figures):
    """Whether minifo's median meets the row's target: True, False, or None (no target/data)."""
    minifo = figures.get("minifo")
    if not row.target or minifo is None:
        return None
    native, overlay, fuse = figures.get("native"), figures.get("overlayfs"), figures.get("fuse-overlayfs")
    if row.target.startswith("≥ 0.95× native"):
        return None if native is None else minifo >= 0.95 * native
    if row.target == "≥ overlayfs":
        return None if overlay is None else minifo >= overlay
    if row.target == "≤ overlayfs":
        return None if overlay is None else minifo <= overlay
    if row.target.startswith("≤ 1.5× overlayfs"):
        if overlay is None or fuse is None:
            return None
        return minifo <= 1.5 * overlay and minifo < fuse
    if row.target.startswith("<"):
        return minifo < row.limit
    raise ValueError(row.target)


def table(rows, figures_by_row, reps, systems):
    lines = [
        f"Each cell: median of {reps} runs, then (ratio to native / ratio to kernel overlayfs) of that "
        "median. Ratios are figure ÷ reference, so for MB/s, IOPS and ops/s higher is better and for "
        "s, ms, KiB and B lower is better. Targets apply to minifo.",
        "",
        "| row | unit | " + " | ".join(systems) + " | minifo target | met |",
        "|---|---|" + "---:|" * len(systems) + "---|---|",
    ]
    misses = []
    for row in rows:
        figures = figures_by_row.get(row.key, {})
        cells = []
        for system in systems:
            value = figures.get(system)
            if value is None:
                cells.append("—")
            elif system == "native" or row.unit in ("KiB", "B"):
                cells.append(number(value))
            else:
                cells.append(f"{number(value)} ({ratio(value, figures.get('native'))} / "
                             f"{ratio(value, figures.get('overlayfs'))})")
        met = verdict(row, figures)
        if met is False:
            misses.append(row)
        mark = {True: "yes", False: "**no**", None: "—"}[met]
        lines.append(f"| {row.title} | {row.unit} | " + " | ".join(cells) + f" | {row.target or '—'} | {mark} |")
    return "\n".join(lines), misses
