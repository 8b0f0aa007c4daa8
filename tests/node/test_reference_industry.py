"""GB/T 4754-2017 industry codes."""

from __future__ import annotations

from collections import Counter

import pytest

from federation.errors import InvalidIndustryCode
from node.reference import IndustryCode, check_industry_code
from node.reference.industry import CODES


def test_industry_list_holds_every_level_of_the_standard() -> None:
    levels = Counter(entry.level for entry in CODES.values())
    # The standard has 1,382 classes; the compiled list misses one (see data/README.md).
    assert levels == {1: 20, 2: 97, 3: 473, 4: 1381}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("A", IndustryCode("A", 1, "A", "农、林、牧、渔业")),
        ("t", IndustryCode("T", 1, "T", "国际组织")),
        ("65", IndustryCode("65", 2, "I", "软件和信息技术服务业")),
        ("651", IndustryCode("651", 3, "I", "软件开发")),
        ("6513", IndustryCode("6513", 4, "I", "应用软件开发")),
        ("5910", IndustryCode("5910", 4, "G", "装卸搬运")),
        (" 3011 ", IndustryCode("3011", 4, "C", "水泥制造")),
    ],
)
def test_industry_accepts_sections_and_listed_codes(code: str, expected: IndustryCode) -> None:
    assert check_industry_code(code) == expected


@pytest.mark.parametrize(("code", "bare"), [("I6513", "6513"), ("i651", "651"), ("C30", "30")])
def test_industry_accepts_the_code_written_after_its_own_section_letter(
    code: str, bare: str
) -> None:
    assert check_industry_code(code).code == bare


def test_industry_rejects_a_section_letter_that_is_not_the_codes_own() -> None:
    with pytest.raises(InvalidIndustryCode, match="6513 belongs to section I, not C"):
        check_industry_code("C6513")


@pytest.mark.parametrize("code", ["U", "Z", "x"])
def test_industry_rejects_sections_after_t(code: str) -> None:
    with pytest.raises(InvalidIndustryCode, match="sections are A-T"):
        check_industry_code(code)


@pytest.mark.parametrize("code", ["", "1", "12345", "65.1", "A-01", "６５", "AB", "I 6513"])
def test_industry_rejects_malformed_codes(code: str) -> None:
    with pytest.raises(InvalidIndustryCode, match="must be a section letter A-T or a 2-4 digit"):
        check_industry_code(code)


@pytest.mark.parametrize("code", ["00", "98", "999", "0100", "6510"])
def test_industry_rejects_codes_not_in_the_list(code: str) -> None:
    with pytest.raises(InvalidIndustryCode, match=f"industry code {code} is not in GB/T 4754-2017"):
        check_industry_code(code)


def test_industry_names_the_2017_classes_when_given_the_2011_class_6510() -> None:
    with pytest.raises(InvalidIndustryCode, match="651 软件开发 holds 6511, 6512, 6513, 6519$"):
        check_industry_code("6510")
