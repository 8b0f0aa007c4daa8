"""Pure, synchronous validation of Chinese reference codes for enterprises.

Credit codes (GB 32100-2015), region codes (GB/T 2260), industry codes (GB/T 4754-2017) and the
size class of 工信部联企业〔2011〕300号, all from data shipped in ``node/reference/data``.
"""

from __future__ import annotations

from node.reference.industry import IndustryCode, check_industry_code, divisions_of
from node.reference.region import Region, check_region_code
from node.reference.size_class import SizeClass, classify_size
from node.reference.uscc import USCC_LENGTH, normalize_uscc, uscc_check_character

__all__ = [
    "USCC_LENGTH",
    "IndustryCode",
    "Region",
    "SizeClass",
    "check_industry_code",
    "check_region_code",
    "classify_size",
    "divisions_of",
    "normalize_uscc",
    "uscc_check_character",
]
