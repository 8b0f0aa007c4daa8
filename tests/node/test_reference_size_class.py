"""Size class per 工信部联企业〔2011〕300号: rows, tiers, the drop-one-tier rule, UNCLASSIFIED."""

from __future__ import annotations

from decimal import Decimal

import pytest

from federation.errors import InvalidIndustryCode
from node.reference import SizeClass, classify_size
from node.reference.industry import CODES

LARGE, MEDIUM, SMALL, MICRO = SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL, SizeClass.MICRO
UNCLASSIFIED = SizeClass.UNCLASSIFIED

D = Decimal
Case = tuple[str, int | None, Decimal | None, Decimal | None, SizeClass]

# (industry code, employees, revenue, assets, expected); amounts in 万元, as in the standard.
CASES: list[Case] = [
    # industry (B C D): large >= 1000 people and >= 40000; medium >= 300 & 2000; small >= 20 & 300
    ("3011", 1000, D(40000), None, LARGE),
    ("3011", 999, D(90000), None, MEDIUM),  # one indicator under the SME upper limit: not large
    ("3011", 5000, D(39999), None, MEDIUM),
    ("3011", 300, D(2000), None, MEDIUM),
    ("3011", 500, D("1999.99"), None, SMALL),  # revenue misses the medium bound: drops one tier
    ("3011", 299, D(30000), None, SMALL),  # employees miss the medium bound: drops one tier
    ("3011", 20, D(300), None, SMALL),
    ("3011", 19, D(30000), None, MICRO),
    ("3011", 200, D(299), None, MICRO),
    ("3011", 5000, D(100), None, MICRO),
    ("0610", 300, D(2000), None, MEDIUM),  # mining
    ("4411", 20, D(300), None, SMALL),  # power
    ("C", 1000, D(40000), None, LARGE),
    # construction: revenue and assets; large >= 80000 & 80000; medium >= 6000 & 5000
    ("4710", None, D(80000), D(80000), LARGE),
    ("4710", None, D(100000), D(79999), MEDIUM),
    ("E", None, D(6000), D(5000), MEDIUM),
    ("4710", None, D(6000), D(4999), SMALL),
    ("4710", None, D(300), D(300), SMALL),
    ("4710", None, D(299), D(10000), MICRO),
    # wholesale: large >= 200 people & 40000; medium >= 20 & 5000; small >= 5 & 1000
    ("5111", 200, D(40000), None, LARGE),
    ("51", 20, D(5000), None, MEDIUM),
    ("5111", 19, D(10000), None, SMALL),
    ("5111", 100, D(999), None, MICRO),
    ("5111", 4, D(3000), None, MICRO),
    # retail: large >= 300 & 20000; medium >= 50 & 500; small >= 10 & 100
    ("5211", 300, D(20000), None, LARGE),
    ("52", 1000, D(19999), None, MEDIUM),
    ("5211", 50, D(500), None, MEDIUM),
    ("5211", 49, D(600), None, SMALL),
    ("5211", 10, D(99), None, MICRO),
    ("5211", 9, D(1000), None, MICRO),
    # software and IT services: large >= 300 & 10000; medium >= 100 & 1000; small >= 10 & 50
    ("6513", 300, D(10000), None, LARGE),
    ("65", 299, D(50000), None, MEDIUM),
    ("I6513", 100, D(999), None, SMALL),
    ("6513", 10, D(50), None, SMALL),
    ("6513", 9, D(5000), None, MICRO),
    ("6513", 150, D(49), None, MICRO),
    # information transmission (63 64): large >= 2000 & 100000
    ("6311", 2000, D(100000), None, LARGE),
    ("64", 1999, D(100000), None, MEDIUM),
    # real estate development: revenue and assets; large >= 200000 & 10000
    ("7010", None, D(200000), D(10000), LARGE),
    ("7010", None, D(300000), D(9999), MEDIUM),
    ("701", None, D(1000), D(5000), MEDIUM),
    ("7010", None, D(5000), D(4999), SMALL),
    ("7010", None, D(100), D(2000), SMALL),
    ("7010", None, D(99), D(50000), MICRO),
    ("7010", None, D(100), D(1999), MICRO),
    # property management: medium >= 300 & 1000; small >= 100 & 500
    ("7020", 100, D(500), None, SMALL),
    ("7020", 99, D(600), None, MICRO),
    # agriculture: revenue only; large >= 20000; medium >= 500; small >= 50
    ("0111", None, D(20000), None, LARGE),
    ("A", None, D(19999), None, MEDIUM),
    ("0111", None, D(500), None, MEDIUM),
    ("0111", None, D(499), None, SMALL),
    ("0111", None, D(50), None, SMALL),
    ("0111", None, D(49), None, MICRO),
    # transport (54-58 and 591) against warehousing (592-599), same figures
    ("5910", 150, D(1500), None, SMALL),
    ("5810", 150, D(1500), None, SMALL),
    ("5920", 150, D(1500), None, MEDIUM),
    # postal, accommodation, catering, leasing and business services
    ("6020", 300, D(2000), None, MEDIUM),
    ("6110", 100, D(2000), None, MEDIUM),
    ("6210", 10, D(100), None, SMALL),
    ("7111", 10, None, D(100), SMALL),
    ("L", 300, None, D(120000), LARGE),
    # other (every code no row names): employees only; large >= 300; medium >= 100; small >= 10
    ("7310", 300, None, None, LARGE),
    ("M", 299, None, None, MEDIUM),
    ("8010", 100, None, None, MEDIUM),
    ("6621", 99, D(10**7), None, SMALL),  # finance falls under "other": revenue is ignored
    ("7030", 10, None, None, SMALL),  # 房地产中介 is neither development nor property management
    ("5311", 150, D(1500), None, MEDIUM),  # railway: excluded from transport by the standard
    ("T", 9, None, None, MICRO),
]


@pytest.mark.parametrize(("code", "employees", "revenue", "assets", "expected"), CASES)
def test_size_class_follows_the_thresholds_of_the_codes_row(
    code: str,
    employees: int | None,
    revenue: Decimal | None,
    assets: Decimal | None,
    expected: SizeClass,
) -> None:
    assert classify_size(code, employees, revenue, assets) is expected


@pytest.mark.parametrize("code", ["F", "G", "H", "I", "K", "59", "70"])
def test_size_class_is_unclassified_for_a_code_spanning_several_rows(code: str) -> None:
    assert classify_size(code, 100, D(1000), D(1000)) is UNCLASSIFIED


@pytest.mark.parametrize(
    ("code", "employees", "revenue", "assets"),
    [
        ("3011", None, D(1000), D(1000)),
        ("3011", 100, None, D(1000)),
        ("4710", 100, D(1000), None),
        ("7010", 100, None, D(1000)),
        ("0111", 100, None, D(1000)),
        ("7310", None, D(1000), D(1000)),
    ],
)
def test_size_class_is_unclassified_when_a_figure_the_row_needs_is_missing(
    code: str, employees: int | None, revenue: Decimal | None, assets: Decimal | None
) -> None:
    assert classify_size(code, employees, revenue, assets) is UNCLASSIFIED


def test_size_class_classifies_every_class_of_the_standard() -> None:
    classes = [code for code, entry in CODES.items() if entry.level == 4]
    results = {classify_size(code, 50, D(500), D(500)) for code in classes}
    assert UNCLASSIFIED not in results


def test_size_class_refuses_an_unknown_industry_code() -> None:
    with pytest.raises(InvalidIndustryCode):
        classify_size("6510", 10, D(100), D(100))


def test_size_class_values_equal_their_names() -> None:
    assert [c.value for c in SizeClass] == ["LARGE", "MEDIUM", "SMALL", "MICRO", "UNCLASSIFIED"]
    assert all(c == c.name for c in SizeClass)
