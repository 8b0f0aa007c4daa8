"""What each benchmark scenario reports, so one command can print them side by side and write one
results file: a table of medians, flat figures, and named ratios with their targets."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

__all__ = ["Section", "Target", "write_json"]

_OPS: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}


@dataclass(frozen=True)
class Target:
    """A ratio's target, e.g. ``Target("<=", 0.7)``."""

    op: str
    bound: float

    def met(self, value: float) -> bool:
        return _OPS[self.op](value, self.bound)

    def __str__(self) -> str:
        return f"{self.op} {self.bound:g}"


@dataclass
class Section:
    """One scenario's results. ``figures`` and ``ratios`` have flat dotted names
    (``"passthrough.hub.p50_ms"``, ``"passthrough.hub_added_p50_over_hive"``); every ratio is a
    quotient of two figures measured in the same run."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)  # ratio name → its target
    # Absolute targets, figure name → bound (e.g. ``"node.stats.graphql_ms": Target("<=", 1000)``).
    bounds: dict[str, Target] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # What the PNG chart shows of this section: label → value in ``chart_unit``.
    chart: dict[str, float] = field(default_factory=dict)
    chart_unit: str = "ms"

    def verdicts(self) -> dict[str, bool]:
        """Every target of the section, ratio or figure, and whether it is met."""
        out = {n: t.met(self.ratios[n]) for n, t in self.targets.items() if n in self.ratios}
        out |= {n: t.met(self.figures[n]) for n, t in self.bounds.items() if n in self.figures}
        return out

    def print(self) -> None:
        widths = [
            max(len(_cell(v)) for v in [c, *(row[i] for row in self.rows)])
            for i, c in enumerate(self.columns)
        ]
        print(f"\n{self.title}")
        print("  ".join(c.rjust(w) for c, w in zip(self.columns, widths, strict=True)))
        for row in self.rows:
            print("  ".join(_cell(v).rjust(w) for v, w in zip(row, widths, strict=True)))
        for name, value in self.ratios.items():
            target = self.targets.get(name)
            verdict = (
                f"  target {target}: {'met' if target.met(value) else 'MISSED'}" if target else ""
            )
            print(f"  {name} = {value:.2f}{verdict}")
        for name, target in self.bounds.items():
            if name in self.figures:
                met = "met" if target.met(self.figures[name]) else "MISSED"
                print(f"  {name} = {self.figures[name]:.2f}  target {target}: {met}")
        for note in self.notes:
            print(f"  {note}")


def _cell(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def write_json(sections: list[Section], meta: dict[str, Any], path: Path) -> None:
    """All sections' figures, named ratios and targets with their verdicts, beside ``meta``
    (machine, versions, command)."""
    out = {
        **meta,
        "sections": [
            {
                "name": s.name,
                "title": s.title,
                "columns": s.columns,
                "rows": s.rows,
                "figures": s.figures,
                "ratios": s.ratios,
                "targets": {
                    name: {
                        "target": str(target),
                        "value": (s.ratios | s.figures).get(name),
                        "met": s.verdicts().get(name),
                    }
                    for name, target in (s.targets | s.bounds).items()
                },
                "notes": s.notes,
            }
            for s in sections
        ],
        "ratios": {name: v for s in sections for name, v in s.ratios.items()},
        "targets_met": {name: met for s in sections for name, met in s.verdicts().items()},
    }
    path.write_bytes(orjson.dumps(out, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
