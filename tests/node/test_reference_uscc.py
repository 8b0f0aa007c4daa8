"""Unified social credit codes: GB 32100-2015 structure and check character."""

from __future__ import annotations

import re

import pytest

from federation.errors import InvalidUscc
from node.reference import normalize_uscc, uscc_check_character

# The example most often cited for GB 32100-2015 (福州, enterprise).
EXAMPLE = "91350100M000100Y43"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def with_check(first17: str) -> str:
    return first17 + uscc_check_character(first17)


def replace_at(code: str, position: int, char: str) -> str:
    return code[: position - 1] + char + code[position:]


def test_uscc_check_character_of_the_standard_example_is_3() -> None:
    assert uscc_check_character(EXAMPLE[:17]) == "3"


@pytest.mark.parametrize(
    "code",
    [
        EXAMPLE,
        "91110000600037341L",  # python-stdnum's example
        "91100000100003962T",  # central registration: region 100000
        "91320594780268314T",  # 320594 苏州工业园区: a statistical code GB/T 2260 lacks
        "91220101123917070P",  # 220101 长春市市辖区: a retired GB/T 2260 code
    ],
)
def test_uscc_accepts_real_codes(code: str) -> None:
    assert normalize_uscc(code) == code


def test_uscc_is_stripped_and_upper_cased() -> None:
    assert normalize_uscc(f" \t{EXAMPLE.lower()}\n") == EXAMPLE


# GB 32100-2015 表1 as amended: every 登记管理部门 with each 机构类别 it issues.
ALLOWED_PAIRS = [
    *("11", "12", "13", "19"),  # 机构编制
    *("21", "29"),  # 外交
    *("31", "32", "33", "34", "35", "39"),  # 司法行政
    *("41", "49"),  # 文化
    *("51", "52", "53", "59"),  # 民政
    *("61", "62", "69"),  # 旅游
    *("71", "72", "79"),  # 宗教
    *("81", "89"),  # 工会
    *("91", "92", "93"),  # 工商
    *("A1", "A9"),  # 中央军委改革和编制办公室
    *("N1", "N2", "N3", "N9"),  # 农业
    "Y1",  # 其他
]


@pytest.mark.parametrize("pair", ALLOWED_PAIRS)
def test_uscc_accepts_every_authority_and_category_of_the_standard(pair: str) -> None:
    code = with_check(pair + EXAMPLE[2:17])
    assert normalize_uscc(code) == code


@pytest.mark.parametrize("length", [0, 1, 15, 17, 19, 36])
def test_uscc_rejects_wrong_length(length: int) -> None:
    raw = (EXAMPLE * 2)[:length]
    with pytest.raises(InvalidUscc, match=f"18 characters, got {length}$"):
        normalize_uscc(raw)


@pytest.mark.parametrize(
    ("position", "char", "shown"),
    [
        (1, "I", "I"),
        (9, "O", "O"),
        (12, "s", "S"),  # upper-cased first, then refused
        (17, "V", "V"),
        (18, "Z", "Z"),
        (10, "-", "-"),
        (11, " ", " "),
        (4, "中", "中"),
        (18, "*", "*"),
    ],
)
def test_uscc_rejects_a_character_outside_the_alphabet_naming_it(
    position: int, char: str, shown: str
) -> None:
    message = re.escape(f"character {position} '{shown}' is not allowed")
    with pytest.raises(InvalidUscc, match=message):
        normalize_uscc(replace_at(EXAMPLE, position, char))


@pytest.mark.parametrize("authority", ["0", "B", "C", "D", "G", "M", "X", "W"])
def test_uscc_rejects_an_unknown_registration_authority(authority: str) -> None:
    code = with_check(authority + EXAMPLE[1:17])
    with pytest.raises(InvalidUscc, match=f"character 1 '{authority}' is not a registration"):
        normalize_uscc(code)


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ("94", "1, 2, 3"),
        ("99", "1, 2, 3"),
        ("9A", "1, 2, 3"),
        ("14", "1, 2, 3, 9"),
        ("22", "1, 9"),
        ("36", "1, 2, 3, 4, 5, 9"),
        ("54", "1, 2, 3, 9"),
        ("63", "1, 2, 9"),
        ("73", "1, 2, 9"),
        ("82", "1, 9"),
        ("A2", "1, 9"),
        ("N4", "1, 2, 3, 9"),
        ("Y2", "1"),
        ("Y9", "1"),
    ],
)
def test_uscc_rejects_a_category_its_authority_does_not_issue(pair: str, expected: str) -> None:
    code = with_check(pair + EXAMPLE[2:17])
    message = f"character 2 '{pair[1]}' is not an organisation category .* one of {expected}$"
    with pytest.raises(InvalidUscc, match=message):
        normalize_uscc(code)


@pytest.mark.parametrize("position", [3, 4, 5, 6, 7, 8])
def test_uscc_rejects_a_letter_in_the_region_code(position: int) -> None:
    code = with_check(replace_at(EXAMPLE, position, "A")[:17])
    with pytest.raises(InvalidUscc, match=f"character {position} 'A' should be a digit"):
        normalize_uscc(code)


@pytest.mark.parametrize("region", ["000000", "990000", "200000", "100100", "800000"])
def test_uscc_rejects_a_region_code_of_no_province(region: str) -> None:
    code = with_check(EXAMPLE[:2] + region + EXAMPLE[8:17])
    with pytest.raises(InvalidUscc, match=f"'{region}' name no GB/T 2260 province"):
        normalize_uscc(code)


@pytest.mark.parametrize("region", ["440305", "440309", "110103", "330103", "320594", "100000"])
def test_uscc_accepts_current_retired_and_zone_region_codes(region: str) -> None:
    code = with_check(EXAMPLE[:2] + region + EXAMPLE[8:17])
    assert normalize_uscc(code) == code


@pytest.mark.parametrize("wrong", ["0", "4", "X", "Y", "A"])
def test_uscc_rejects_wrong_check_character(wrong: str) -> None:
    with pytest.raises(InvalidUscc, match=f"check character should be '3', got '{wrong}'$"):
        normalize_uscc(EXAMPLE[:17] + wrong)


def test_uscc_catches_every_single_character_substitution() -> None:
    for position in range(1, 18):
        for char in ALPHABET.replace(EXAMPLE[position - 1], ""):
            with pytest.raises(InvalidUscc):
                normalize_uscc(replace_at(EXAMPLE, position, char))


def test_uscc_catches_adjacent_transpositions() -> None:
    for i in range(17):
        swapped = EXAMPLE[:i] + EXAMPLE[i + 1] + EXAMPLE[i] + EXAMPLE[i + 2 :]
        if swapped != EXAMPLE:
            with pytest.raises(InvalidUscc):
                normalize_uscc(swapped)
