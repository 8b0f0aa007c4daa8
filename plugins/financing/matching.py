"""Which products fit a financing demand, criterion by criterion, and in what order.

A product is eligible when the requested amount and term lie within its ranges (both ends
included) and the enterprise's size class is one it serves. Eligible products come first,
best fit first: the requested amount's distance from the centre of the product's amount range,
as a share of the range's width (0 at the centre, 0.5 at either end, 0 for a one-point range),
then the product's name (code-point order), then its ID. Ineligible products follow, those
failing fewer criteria first, then by name and ID. Plain functions, no I/O: the same inputs
always give the same list.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from plugins.financing.models import FinancingProduct

UNCLASSIFIED = "UNCLASSIFIED"


class Criterion(enum.StrEnum):
    AMOUNT = "AMOUNT"
    TERM = "TERM"
    SIZE_CLASS = "SIZE_CLASS"


@dataclass(frozen=True)
class Check:
    criterion: Criterion
    passed: bool
    reason: str


@dataclass(frozen=True)
class Match:
    product: FinancingProduct
    checks: list[Check]
    # Ranking key of an eligible product; None for an ineligible one.
    centre_distance: Decimal | None

    @property
    def eligible(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]


def wan(amount: Decimal) -> str:
    """An amount of 万元 as people write it: 300, 150.5 — never 3E+2."""
    return format(amount.normalize(), "f")


def _within(what: str, value: str, low: str, high: str, unit: str, position: int) -> str:
    if position < 0:
        return f"{what} {value} {unit} below the minimum {low} {unit}"
    if position > 0:
        return f"{what} {value} {unit} above the maximum {high} {unit}"
    return f"{what} {value} {unit} within {low}–{high} {unit}"


def _position(value: Decimal | int, low: Decimal | int, high: Decimal | int) -> int:
    return -1 if value < low else 1 if value > high else 0


def check_amount(product: FinancingProduct, amount: Decimal) -> Check:
    low, high = Decimal(product.amount_min), Decimal(product.amount_max)
    position = _position(amount, low, high)
    reason = _within("amount", wan(amount), wan(low), wan(high), "万元", position)
    return Check(Criterion.AMOUNT, position == 0, reason)


def check_term(product: FinancingProduct, term_months: int) -> Check:
    low, high = product.term_min_months, product.term_max_months
    position = _position(term_months, low, high)
    reason = _within("term", str(term_months), str(low), str(high), "months", position)
    return Check(Criterion.TERM, position == 0, reason)


def check_size_class(product: FinancingProduct, size_class: str) -> Check:
    served = ", ".join(product.size_classes)
    if size_class == UNCLASSIFIED:
        reason = (
            "size class UNCLASSIFIED: the enterprise cannot be classified (its industry code is "
            "too coarse or its employees/revenue/assets are missing), so no size criterion can "
            f"be met (product serves {served}); complete the enterprise's data to match it"
        )
        return Check(Criterion.SIZE_CLASS, False, reason)
    passed = size_class in product.size_classes
    verb = "served" if passed else "not served"
    return Check(Criterion.SIZE_CLASS, passed, f"size class {size_class} {verb} ({served})")


def centre_distance(product: FinancingProduct, amount: Decimal) -> Decimal:
    low, high = Decimal(product.amount_min), Decimal(product.amount_max)
    if high == low:
        return Decimal(0)
    return abs(amount - (low + high) / 2) / (high - low)


def assess(product: FinancingProduct, amount: Decimal, term_months: int, size_class: str) -> Match:
    checks = [
        check_amount(product, amount),
        check_term(product, term_months),
        check_size_class(product, size_class),
    ]
    eligible = all(check.passed for check in checks)
    return Match(product, checks, centre_distance(product, amount) if eligible else None)


def rank(
    products: list[FinancingProduct], amount: Decimal, term_months: int, size_class: str
) -> list[Match]:
    """Every product assessed, in the order of the module docstring."""
    matches = [assess(p, amount, term_months, size_class) for p in products]
    eligible = sorted(
        (m for m in matches if m.eligible),
        key=lambda m: (m.centre_distance, m.product.name, m.product.id),
    )
    ineligible = sorted(
        (m for m in matches if not m.eligible),
        key=lambda m: (len(m.failures), m.product.name, m.product.id),
    )
    return eligible + ineligible
