"""Test data, and the GraphQL calls that put it on a running node: users, enterprises, services,
service records."""

from __future__ import annotations

import itertools
from typing import Any

from node.reference import uscc_check_character
from tests.support.node_server import NodeServer

PASSWORD = "password-123"
CREATE_USER = "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }"
CREATE_ENTERPRISE = (
    "mutation($i: EnterpriseInput!) { createEnterprise(input: $i) { enterprise { id } } }"
)
CREATE_SERVICE = "mutation($i: ServiceInput!) { createService(input: $i) { service { id } } }"
# The lifecycle steps that bring a new (draft) service to each status.
SERVICE_STEPS = {"DRAFT": [], "PUBLISHED": ["publish"], "RETIRED": ["publish", "retire"]}
START_RECORD = """mutation($i: StartServiceRecordInput!) {
  startServiceRecord(input: $i) { serviceRecord { id } } }"""
COMPLETE_RECORD = """mutation($id: ID!, $i: CompleteServiceRecordInput!) {
  completeServiceRecord(id: $id, input: $i) { serviceRecord { id } } }"""
_serial = itertools.count(100000)


def make_uscc(region: str = "440305") -> str:
    """A valid unified social credit code, new on every call, registered in ``region``."""
    first17 = f"91{region}MA{next(_serial):06d}X"
    return first17 + uscc_check_character(first17)


def enterprise_input(**fields: Any) -> dict[str, Any]:
    """An ``EnterpriseInput`` for a Nanshan manufacturer with a fresh code; ``fields`` override."""
    return {
        "name": "深圳市南山区智造电子有限公司",
        "uscc": make_uscc(),
        "regionCode": "440305",
        "industryCode": "3981",
        **fields,
    }


async def create_user(node: NodeServer, admin_token: str, name: str, role: str) -> str:
    """Create user ``name`` with the one ``role`` and return the token it logs in with."""
    user = {"username": name, "password": PASSWORD, "roles": [role]}
    await node.ok(CREATE_USER, {"i": user}, admin_token)
    return await node.login(name, PASSWORD)


async def staff_and_readonly(node: NodeServer, admin_token: str, suffix: str) -> dict[str, str]:
    """Users ``staff-<suffix>`` and ``readonly-<suffix>`` with those roles; tokens by role."""
    return {
        role: await create_user(node, admin_token, f"{role.lower()}-{suffix}", role)
        for role in ("STAFF", "READONLY")
    }


async def create_enterprise(node: NodeServer, token: str, **fields: Any) -> str:
    """Create an enterprise from ``enterprise_input(**fields)`` and return its ID."""
    data = await node.ok(CREATE_ENTERPRISE, {"i": enterprise_input(**fields)}, token)
    return str(data["createEnterprise"]["enterprise"]["id"])


async def create_service(
    node: NodeServer, token: str, status: str = "PUBLISHED", **fields: Any
) -> str:
    """Create a fully disclosed service, bring it to ``status`` and return its ID."""
    service = {
        "name": "产品可靠性检测",
        "category": "QUALITY_TESTING",
        "function": "环境与可靠性试验",
        "process": "委托、检测、出具报告",
        "standard": "GB/T 2423",
        "fee": "按项目收费",
        "timeLimitDays": 10,
        **fields,
    }
    data = await node.ok(CREATE_SERVICE, {"i": service}, token)
    service_id = str(data["createService"]["service"]["id"])
    for step in SERVICE_STEPS[status]:
        mutation = f"mutation($id: ID!) {{ {step}Service(id: $id) {{ service {{ id }} }} }}"
        await node.ok(mutation, {"id": service_id}, token)
    return service_id


async def complete_service_record(
    node: NodeServer, token: str, record: str, outcome: str = "出具检测报告"
) -> None:
    """Complete the service record ``record`` with ``outcome``."""
    await node.ok(COMPLETE_RECORD, {"id": record, "i": {"outcome": outcome}}, token)


async def create_service_record(
    node: NodeServer,
    token: str,
    enterprise: str,
    service: str,
    *,
    complete: bool = True,
    **fields: Any,
) -> str:
    """Start an offline record of ``service`` for ``enterprise``, complete it unless told not to."""
    start = {"enterpriseId": enterprise, "serviceId": service, "channel": "OFFLINE", **fields}
    data = await node.ok(START_RECORD, {"i": start}, token)
    record = str(data["startServiceRecord"]["serviceRecord"]["id"])
    if complete:
        await complete_service_record(node, token, record)
    return record
