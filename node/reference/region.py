"""GB/T 2260 administrative division codes, current and retired (``data/gbt2260-regions.csv``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from federation.errors import InvalidRegionCode
from federation.inputs import quote
from node.reference._data import read_rows


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    retired: bool


_REGIONS: dict[str, Region] = {
    row["code"]: Region(row["code"], row["name"], row["retired"] == "1")
    for row in read_rows("gbt2260-regions.csv")
}
_SIX_DIGITS = re.compile(r"[0-9]{6}")  # not \d, which also matches non-ASCII digits


def check_region_code(code: str) -> Region:
    """The division a 6-digit GB/T 2260 code names.

    A code that only earlier editions list (abolished or recoded since) comes back with
    ``retired=True``: old credit codes and records still carry such codes, so the caller accepts
    them with a warning. Raises ``InvalidRegionCode`` for anything else.
    """
    stripped = code.strip()
    if not _SIX_DIGITS.fullmatch(stripped):
        raise InvalidRegionCode(f"region code must be 6 digits, got {quote(code)}")
    region = _REGIONS.get(stripped)
    if region is None:
        raise InvalidRegionCode(
            f"region code {stripped} is not in GB/T 2260 (neither a current nor a retired code)"
        )
    return region


def province_of(code: str) -> Region | None:
    """The province-level division (current or retired) the first two digits of ``code`` name."""
    return _REGIONS.get(code[:2] + "0000")
