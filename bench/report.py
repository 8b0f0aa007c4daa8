"""What each benchmark scenario reports, so one command can print them side by side and write one
results file: a table of medians, flat figures, and named ratios with their targets."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Section", "Target"]

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
    notes: list[str] = field(default_factory=list)

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
        for note in self.notes:
            print(f"  {note}")


def _cell(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)
