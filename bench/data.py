"""The benchmark's rows: one SQLite database every contender reads, and the page it must answer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise import connections

from node import db
from node.domain import catalogue
from node.domain.access import Actor, Role
from node.models import Agency, Service

WINDOW_ID = "bench"
AGENCIES = 60
PUBLISHED = 500
DRAFTS = 40  # not visible to the query: its status filter has work to do
PAGE_SIZE = 50

QUERY = """{ services(first: 50, filter: {status: PUBLISHED}) { totalCount
  edges { cursor node { id name category fee agency { id name } } }
  pageInfo { endCursor hasNextPage } } }"""

CATEGORIES = [c.value for c in catalogue.ServiceCategory]
STAFF = Actor(username="bench", user_id=uuid.uuid4(), roles=frozenset({Role.STAFF}))


@dataclass
class Rows:
    """The rows as plain dicts, newest first, as the floor holds them in memory."""

    agencies: dict[str, dict[str, Any]]
    services: list[dict[str, Any]]  # each with status and its agency dict under "agency"

    def expected_page(self) -> list[tuple[str, ...]]:
        """Each node of the first page, in order, as a tuple of its fields."""
        published = [s for s in self.services if s["status"] == "PUBLISHED"][:PAGE_SIZE]
        return [_fields(s) for s in published]


def _fields(node: dict[str, Any]) -> tuple[str, ...]:
    agency = node["agency"]
    return (node["id"], node["name"], node["category"], node["fee"], agency["id"], agency["name"])


def network_id(key: uuid.UUID) -> str:
    return f"{WINDOW_ID}:{key}"


async def _seed() -> None:
    agencies = [
        await catalogue.create_agency(
            STAFF, name=f"深圳市第{i + 1}中小企业服务机构", categories=CATEGORIES[i % 5 :][:3]
        )
        for i in range(AGENCIES)
    ]
    for i in range(PUBLISHED + DRAFTS):
        service = await catalogue.create_service(
            STAFF,
            name=f"服务项目 {i + 1:03d}：{CATEGORIES[i % len(CATEGORIES)].lower()} 咨询与辅导",
            category=CATEGORIES[i % len(CATEGORIES)],
            function="为中小企业提供政策解读、申报辅导和专家对接服务。",
            process="线上提交需求，窗口受理后三个工作日内匹配机构。",
            standard="按《中小企业公共服务规范》执行。",
            fee="公益服务，免费" if i % 3 else "按项目收费，每次 500 元",
            time_limit_days=5 + i % 20,
            agency_id=agencies[(i * 7) % AGENCIES].id,
        )
        if i < PUBLISHED:
            await catalogue.publish_service(STAFF, service.id)


async def prepare(db_path: Path) -> Rows:
    """Create the database through the node's migrations and domain services; return its rows."""
    url = f"sqlite://{db_path}"
    await db.open_db(url)
    try:
        await _seed()
        agencies = {
            str(a.id): {"id": network_id(a.id), "name": a.name} for a in await Agency.all()
        }
        services = [
            {
                "id": network_id(s.id),
                "name": s.name,
                "category": s.category,
                "fee": s.fee,
                "status": s.status,
                "agency": agencies[str(s.agency_id)],
            }
            for s in await Service.all().order_by("-id")
        ]
    finally:
        await connections.close_all()
    return Rows(agencies=agencies, services=services)


def check_response(payload: Any, rows: Rows, label: str) -> None:
    """Raise unless ``payload`` is the full, error-free answer to ``QUERY``."""
    if not isinstance(payload, dict) or payload.get("errors"):
        raise AssertionError(f"{label}: errors in response: {str(payload)[:500]}")
    page = payload["data"]["services"]
    total = sum(1 for s in rows.services if s["status"] == "PUBLISHED")
    if page["totalCount"] != total:
        raise AssertionError(f"{label}: totalCount {page['totalCount']}, expected {total}")
    got = [_fields(edge["node"]) for edge in page["edges"]]
    if got != rows.expected_page():
        raise AssertionError(f"{label}: the page differs from the expected 50 services")
    info = page["pageInfo"]
    if info["hasNextPage"] is not True or info["endCursor"] != page["edges"][-1]["cursor"]:
        raise AssertionError(f"{label}: wrong pageInfo {info}")
