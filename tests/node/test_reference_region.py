"""GB/T 2260 region codes: current ones, retired ones, and what is neither."""

from __future__ import annotations

import pytest

from federation.errors import InvalidRegionCode
from node.reference import Region, check_region_code


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("440000", "广东省"),
        ("440300", "深圳市"),
        ("440305", "南山区"),
        ("440306", "宝安区"),
        ("440307", "龙岗区"),
        ("440309", "龙华区"),  # created 2016
        ("440310", "坪山区"),  # created 2016
        ("110105", "朝阳区"),
        ("320102", "玄武区"),
        ("330113", "临平区"),  # created 2021
        ("441900", "东莞市"),
        ("710000", "台湾省"),
    ],
)
def test_region_accepts_current_codes(code: str, name: str) -> None:
    assert check_region_code(code) == Region(code, name, retired=False)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("110103", "崇文区"),  # merged into 东城区 in 2010
        ("110104", "宣武区"),  # merged into 西城区 in 2010
        ("330103", "下城区"),  # merged into 拱墅区 in 2021
        ("350402", "梅列区"),  # merged into 三元区 in 2021
        ("220101", "长春市市辖区"),  # summary row of older editions
    ],
)
def test_region_marks_codes_of_earlier_editions_as_retired(code: str, name: str) -> None:
    assert check_region_code(code) == Region(code, name, retired=True)


def test_region_code_is_stripped() -> None:
    assert check_region_code(" 440305\n").code == "440305"


@pytest.mark.parametrize(
    "code", ["", "44030", "4403051", "44030a", "４４０３０５", "4403.5", "44 305"]
)
def test_region_rejects_malformed_codes(code: str) -> None:
    with pytest.raises(InvalidRegionCode, match="must be 6 digits"):
        check_region_code(code)


# 320594 苏州工业园区 and 130171 石家庄高新区 are statistical codes GB/T 2260 never assigned.
@pytest.mark.parametrize("code", ["000000", "999999", "440399", "100000", "130171", "320594"])
def test_region_rejects_codes_no_edition_lists(code: str) -> None:
    with pytest.raises(InvalidRegionCode, match=f"{code} is not in GB/T 2260"):
        check_region_code(code)
