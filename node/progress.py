"""A plain-text progress bar: redrawn in place on a terminal, a few lines anywhere else."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30
REDRAW_S = 0.2  # a terminal is redrawn at most this often
QUARTERS = 4  # elsewhere (a log, a pipe) one line per quarter


class Progress:
    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self._drawn_at = 0.0
        self._quarter = 0

    def advance(self, steps: int = 1) -> None:
        self.done = min(self.done + steps, self.total)
        if self.live:
            now = time.monotonic()
            if now - self._drawn_at >= REDRAW_S or self.done == self.total:
                self._drawn_at = now
                filled = WIDTH * self.done // self.total
                bar = "#" * filled + "." * (WIDTH - filled)
                self._write(f"\r{self.label} [{bar}] {self._figures()}")
        elif (quarter := QUARTERS * self.done // self.total) > self._quarter:
            self._quarter = quarter
            self._write(f"{self.label}: {self._figures()}\n")

    def finish(self) -> None:
        """End the line a terminal was redrawing."""
        if self.live and self._drawn_at:
            self._write("\n")

    def _figures(self) -> str:
        return f"{100 * self.done // self.total:3d}% ({self.done}/{self.total})"

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
