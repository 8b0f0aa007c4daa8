"""Reads the CSV files shipped in ``node/reference/data``."""

from __future__ import annotations

import csv
from importlib.resources import files


def read_rows(name: str) -> list[dict[str, str]]:
    text = files("node.reference.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))
