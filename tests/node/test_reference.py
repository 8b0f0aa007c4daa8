"""The public surface of node.reference and the data it ships."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

import pytest

import node.reference
from federation.errors import InputError, InvalidIndustryCode, InvalidRegionCode, InvalidUscc


def test_reference_exports_exactly_its_public_api() -> None:
    assert sorted(node.reference.__all__) == [
        "IndustryCode",
        "Region",
        "SizeClass",
        "USCC_LENGTH",
        "check_industry_code",
        "check_region_code",
        "classify_size",
        "divisions_of",
        "normalize_uscc",
        "uscc_check_character",
    ]
    for name in node.reference.__all__:
        assert getattr(node.reference, name) is not None


@pytest.mark.parametrize(
    "name",
    ["gbt2260-regions.csv", "gbt4754-2017-industry-codes.csv", "size-class-2011-300.csv"],
)
def test_reference_data_ships_inside_the_package(name: str) -> None:
    assert files("node.reference.data").joinpath(name).is_file()


@pytest.mark.parametrize(
    ("call", "error", "code"),
    [
        (lambda: node.reference.normalize_uscc("x"), InvalidUscc, "INVALID_USCC"),
        (lambda: node.reference.check_region_code("x"), InvalidRegionCode, "INVALID_REGION_CODE"),
        (
            lambda: node.reference.check_industry_code("x"),
            InvalidIndustryCode,
            "INVALID_INDUSTRY_CODE",
        ),
        (
            lambda: node.reference.classify_size("6510", 1, None, None),
            InvalidIndustryCode,
            "INVALID_INDUSTRY_CODE",
        ),
    ],
)
def test_reference_errors_are_typed_input_errors(
    call: Callable[[], object], error: type[InputError], code: str
) -> None:
    with pytest.raises(error) as raised:
        call()
    assert isinstance(raised.value, InputError)
    assert raised.value.code == code
    assert raised.value.message
