"""The results chart: one panel per section that has a ``chart``, then the targeted ratios
against their targets. Needs matplotlib (``pip install -e '.[bench]'``, done by ``make bench``)."""

from __future__ import annotations

from pathlib import Path

from bench.report import Section


def write_png(sections: list[Section], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    charted = [s for s in sections if s.chart]
    targeted = [
        (name, s.ratios[name], target)
        for s in sections
        for name, target in s.targets.items()
        if name in s.ratios
    ]
    panels = len(charted) + (1 if targeted else 0)
    if not panels:
        return
    columns = min(2, panels)
    rows = (panels + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(7 * columns, 3.2 * rows), squeeze=False)
    flat = list(axes.flat)
    for ax, section in zip(flat, charted, strict=False):
        labels, values = list(section.chart), list(section.chart.values())
        bars = ax.barh(labels, values, color="#4878a8")
        ax.bar_label(bars, fmt="%.1f", padding=3, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(section.title, fontsize=9)
        ax.set_xlabel(section.chart_unit, fontsize=8)
        ax.tick_params(labelsize=8)
    if targeted:
        ax = flat[len(charted)]
        names = [n for n, _, _ in targeted]
        colors = ["#4a9a5a" if t.met(v) else "#c0504d" for _, v, t in targeted]
        bars = ax.barh(names, [v for _, v, _ in targeted], color=colors)
        ax.bar_label(bars, fmt="%.2f", padding=3, fontsize=8)
        ax.scatter([t.bound for _, _, t in targeted], names, marker="|", s=300, color="black")
        ax.set_xscale("log")  # ratios from 0.1 to 100 side by side
        ax.invert_yaxis()
        ax.set_title("ratios (bar) and their targets (|): green met, red missed", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in flat[panels:]:
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
