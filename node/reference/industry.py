"""GB/T 4754-2017 industry codes (国民经济行业分类), as listed in ``data/``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from federation.errors import InvalidIndustryCode
from federation.inputs import quote
from node.reference._data import read_rows


@dataclass(frozen=True)
class IndustryCode:
    code: str
    level: int  # 1 section (letter), 2 division, 3 group, 4 class
    section: str
    name: str


CODES: Mapping[str, IndustryCode] = MappingProxyType(
    {
        row["code"]: IndustryCode(row["code"], int(row["level"]), row["section"], row["name"])
        for row in read_rows("gbt4754-2017-industry-codes.csv")
    }
)
# Optional section letter, then a division, group or class; [0-9] because \d is not ASCII-only.
_FORM = re.compile(r"(?P<letter>[A-Z]?)(?P<digits>[0-9]{2,4})")


def check_industry_code(code: str) -> IndustryCode:
    """The GB/T 4754-2017 entry for a section letter or a 2-4 digit code.

    Letters are upper-cased; the common written form with the section letter in front of the
    digits ("I6513") is accepted when the letter is the code's own section, and comes back as
    the bare code. Raises ``InvalidIndustryCode`` for anything the list does not hold.
    """
    text = code.strip().upper()
    if len(text) == 1 and text.isalpha():
        if text not in CODES:
            raise InvalidIndustryCode(
                f"industry section {text!r} does not exist (GB/T 4754-2017 sections are A-T)"
            )
        return CODES[text]
    form = _FORM.fullmatch(text)
    if form is None:
        raise InvalidIndustryCode(
            "industry code must be a section letter A-T or a 2-4 digit GB/T 4754-2017 code,"
            f" got {quote(code)}"
        )
    letter, digits = form["letter"], form["digits"]
    entry = CODES.get(digits)
    if entry is None:
        raise InvalidIndustryCode(f"industry code {digits} is not in GB/T 4754-2017{_hint(digits)}")
    if letter and letter != entry.section:
        raise InvalidIndustryCode(
            f"industry code {digits} belongs to section {entry.section}, not {letter}"
        )
    return entry


def _hint(digits: str) -> str:
    # Most unknown codes are 2011 codes whose parent was split differently in 2017 (6510).
    parent = CODES.get(digits[:-1]) if len(digits) > 2 else None
    if parent is None:
        return ""
    children = [c for c in CODES if len(c) == len(digits) and c.startswith(parent.code)]
    return f"; {parent.code} {parent.name} holds {', '.join(children)}"


def divisions_of(section: str) -> list[str]:
    """The 2-digit division codes of a section letter, e.g. "C" → ["13", …, "43"]."""
    return [c for c, entry in CODES.items() if entry.level == 2 and entry.section == section]
