"""Unified social credit codes (统一社会信用代码), validated per GB 32100-2015."""

from __future__ import annotations

from federation.errors import InvalidUscc
from node.reference.region import province_of

# The code's alphabet; a character's value is its index (GB 32100-2015 表2).
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {char: value for value, char in enumerate(_ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 3^(i) mod 31 for positions 1-17

# 登记管理部门代码 (position 1) -> its name and the 机构类别代码 (position 2) it may
# issue: GB 32100-2015 表1 as amended — A (中央军委改革和编制办公室) and N (农业, for rural
# collective economic organisations) were added after 2015; Y (其他) always uses 1.
_AUTHORITIES: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "1239"),  # 机关, 事业单位, 编办直管的群众团体, 其他
    "2": ("外交", "19"),  # 外国常驻新闻机构, 其他
    # 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "3": ("司法行政", "123459"),
    "4": ("文化", "19"),  # 外国在华文化中心, 其他
    "5": ("民政", "1239"),  # 社会团体, 民办非企业单位, 基金会, 其他
    "6": ("旅游", "129"),  # 外国/港澳台地区旅游部门常驻代表机构, 其他
    "7": ("宗教", "129"),  # 宗教活动场所, 宗教院校, 其他
    "8": ("工会", "19"),  # 基层工会, 其他
    "9": ("工商", "123"),  # 企业, 个体工商户, 农民专业合作社
    "A": ("中央军委改革和编制办公室", "19"),  # 军队事业单位, 其他
    "N": ("农业", "1239"),  # 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": ("其他", "1"),
}
# Central registration authorities use 100000, which GB/T 2260 does not list.
_NATIONAL_REGION = "100000"
USCC_LENGTH = 18


def normalize_uscc(raw: str) -> str:
    """The 18-character credit code in ``raw``, stripped and upper-cased.

    Raises ``InvalidUscc`` saying which rule of GB 32100-2015 the code breaks.
    """
    code = raw.strip().upper()
    if len(code) != USCC_LENGTH:
        raise InvalidUscc(f"a credit code has {USCC_LENGTH} characters, got {len(code)}")
    for position, char in enumerate(code, start=1):
        if char not in _VALUES:
            raise InvalidUscc(
                f"character {position} {char!r} is not allowed in a credit code"
                " (0-9 and A-Z except I, O, S, V, Z)"
            )
    _check_authority(code[0], code[1])
    _check_region(code[2:8])
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise InvalidUscc(f"check character should be {expected!r}, got {code[17]!r}")
    return code


def uscc_check_character(first17: str) -> str:
    """The 18th character of a credit code that starts with these 17 (valid) characters."""
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, _WEIGHTS, strict=True))
    return _ALPHABET[-total % 31]


def _check_authority(authority: str, category: str) -> None:
    if authority not in _AUTHORITIES:
        raise InvalidUscc(
            f"character 1 {authority!r} is not a registration authority code"
            f" (one of {', '.join(_AUTHORITIES)})"
        )
    name, categories = _AUTHORITIES[authority]
    if category not in categories:
        raise InvalidUscc(
            f"character 2 {category!r} is not an organisation category of registration authority"
            f" {authority!r} ({name}): expected one of {', '.join(categories)}"
        )


def _check_region(region: str) -> None:
    for position, char in enumerate(region, start=3):
        if not char.isdigit():
            raise InvalidUscc(
                f"character {position} {char!r} should be a digit"
                " (characters 3-8 are the registration authority's region code)"
            )
    # Only the province is checked: authorities in development zones carry statistical codes
    # GB/T 2260 never lists (320594 苏州工业园区), and codes retired since issue stay valid.
    if region != _NATIONAL_REGION and province_of(region) is None:
        raise InvalidUscc(
            f"characters 3-8 {region!r} name no GB/T 2260 province (nor 100000 for central"
            " authorities)"
        )
