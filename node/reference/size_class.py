"""Enterprise size class (企业划型) per 工信部联企业〔2011〕300号, read from ``data/``."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from node.reference._data import read_rows
from node.reference.industry import CODES, IndustryCode, check_industry_code


class SizeClass(enum.StrEnum):
    LARGE = "LARGE"
    MEDIUM = "MEDIUM"
    SMALL = "SMALL"
    MICRO = "MICRO"
    UNCLASSIFIED = "UNCLASSIFIED"


Figures = Mapping[str, int | Decimal]

_BOUND = re.compile(r"(employees|revenue|assets) (<|>=) ([0-9]+(?:\.[0-9]+)?)")
_CATCH_ALL = "all other industries"


@dataclass(frozen=True)
class _Bound:
    indicator: str
    at_least: bool  # ">=" when true, "<" when false
    limit: Decimal

    def holds(self, figures: Figures) -> bool:
        value = figures[self.indicator]
        return value >= self.limit if self.at_least else value < self.limit


@dataclass(frozen=True)
class _Condition:
    bounds: frozenset[_Bound]
    every: bool  # "and" when true, "or" when false; true for a single bound

    def holds(self, figures: Figures) -> bool:
        results = (bound.holds(figures) for bound in self.bounds)
        return all(results) if self.every else any(results)

    def negated(self) -> _Condition:
        bounds = frozenset(_Bound(b.indicator, not b.at_least, b.limit) for b in self.bounds)
        return _Condition(bounds, len(bounds) == 1 or not self.every)


@dataclass(frozen=True)
class _Row:
    industry: str
    sme: _Condition  # within the SME upper limit; a firm outside it is large
    medium: _Condition
    small: _Condition

    @property
    def indicators(self) -> frozenset[str]:
        conditions = (self.sme, self.medium, self.small)
        return frozenset(b.indicator for c in conditions for b in c.bounds)


def classify_size(
    industry_code: str,
    employees: int | None,
    revenue: Decimal | None,
    assets: Decimal | None,
) -> SizeClass:
    """The size class of an enterprise; ``revenue`` and ``assets`` in 万元.

    Large is above the SME upper limit on every indicator of its industry's row; medium and
    small must meet every lower bound of their tier, otherwise the enterprise drops one tier.
    Returns UNCLASSIFIED when the industry code is too coarse to pick one row (section F holds
    both wholesale and retail) or when a figure the row needs is None. Figures are taken as
    given (callers refuse negative ones). Raises ``InvalidIndustryCode`` for a code not in
    GB/T 4754-2017.
    """
    row = _ROW_BY_CODE[check_industry_code(industry_code).code]
    given = {"employees": employees, "revenue": revenue, "assets": assets}
    figures = {name: value for name, value in given.items() if value is not None}
    if row is None or not row.indicators <= figures.keys():
        return SizeClass.UNCLASSIFIED
    if not row.sme.holds(figures):
        return SizeClass.LARGE
    if row.medium.holds(figures):
        return SizeClass.MEDIUM
    if row.small.holds(figures):
        return SizeClass.SMALL
    return SizeClass.MICRO


def _parse_condition(text: str) -> _Condition:
    joiners = [joiner for joiner in (" and ", " or ") if joiner in text]
    if len(joiners) > 1:
        raise ValueError(f"size-class condition mixes 'and' and 'or': {text!r}")
    parts = text.split(joiners[0]) if joiners else [text]
    bounds = []
    for part in parts:
        match = _BOUND.fullmatch(part.strip())
        if match is None:
            raise ValueError(f"cannot read size-class condition {part!r}")
        bounds.append(_Bound(match[1], match[2] == ">=", Decimal(match[3])))
    return _Condition(frozenset(bounds), len(bounds) == 1 or joiners == [" and "])


def _parse_row(fields: Mapping[str, str]) -> _Row:
    row = _Row(
        fields["industry"],
        _parse_condition(fields["sme_upper_limit"]),
        _parse_condition(fields["medium"]),
        _parse_condition(fields["small"]),
    )
    # The classification below relies on the standard's shape; refuse a CSV that breaks it.
    upper_ok = not any(b.at_least for b in row.sme.bounds) and (
        len(row.sme.bounds) == 1 or not row.sme.every
    )
    lower_ok = all(c.every and all(b.at_least for b in c.bounds) for c in (row.medium, row.small))
    if not (upper_ok and lower_ok):
        raise ValueError(f"size-class row {row.industry!r} is not 'x < a or …' / 'x >= a and …'")
    if _parse_condition(fields["micro"]) != row.small.negated():
        raise ValueError(f"size-class row {row.industry!r}: micro is not the negation of small")
    return row


def _named_codes(scope: str) -> list[str]:
    """GB/T 4754-2017 codes a ``gbt4754_scope`` cell names: letters, codes and ranges like 54-58."""
    # Parentheses restate the sections' divisions or add a remark.
    tokens = [t for t in re.sub(r"\([^)]*\)", " ", scope).split() if t != "and"]
    named: list[str] = []
    for token in tokens:
        low, _, high = token.partition("-")
        high = high or low
        if low not in CODES or high not in CODES or len(low) != len(high):
            raise ValueError(f"size-class scope {scope!r}: {token!r} names no GB/T 4754-2017 code")
        named += [c for c in CODES if len(c) == len(low) and low <= c <= high]
    return named


def _ancestors(entry: IndustryCode) -> list[str]:
    """Codes from ``entry`` up to its section, most specific first."""
    if entry.level == 1:
        return [entry.code]
    return [entry.code[:n] for n in range(len(entry.code), 1, -1)] + [entry.section]


def _rows_by_code() -> dict[str, _Row | None]:
    rows: dict[str, _Row] = {}  # code named in the scope column -> its row
    catch_all: list[_Row] = []
    for fields in read_rows("size-class-2011-300.csv"):
        row = _parse_row(fields)
        if fields["gbt4754_scope"].strip() == _CATCH_ALL:
            catch_all.append(row)
            continue
        for code in _named_codes(fields["gbt4754_scope"]):
            if rows.setdefault(code, row) is not row:
                raise ValueError(f"GB/T 4754-2017 code {code} is in two size-class rows")
    if len(catch_all) != 1:
        raise ValueError(f"size-class CSV needs one {_CATCH_ALL!r} row, has {len(catch_all)}")
    # A class (or a group without classes) takes the row of its most specific named ancestor;
    # a broader code has a row only when every class under it has the same one.
    parents = {code for entry in CODES.values() for code in _ancestors(entry)[1:]}
    under: dict[str, set[str]] = {code: set() for code in CODES}
    by_name = {row.industry: row for row in [*rows.values(), *catch_all]}
    for entry in CODES.values():
        if entry.code in parents:
            continue
        chain = _ancestors(entry)
        leaf_row = next((rows[c] for c in chain if c in rows), catch_all[0])
        for code in chain:
            under[code].add(leaf_row.industry)
    return {code: by_name[n.pop()] if len(n) == 1 else None for code, n in under.items()}


_ROW_BY_CODE = _rows_by_code()  # every GB/T 4754-2017 code -> its row, or None when too coarse
