"""Indicators and the yearly assessment end to end: a real hub and real window nodes on
loopback, on SQLite and on PostgreSQL (hub and nodes alike), the nodes' data written through the
node's domain before they serve.

Quantity targets are set to 1 and rectification to 0 days, so satisfaction decides and a re-check
is due at once. The windows' data is this year's: a year before it has none at all, which fails
(no rating cannot meet the satisfaction criterion), so each window can go through two cycles.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.testing import HubServer, WindowSpec, onboard, start_network_hub
from node.domain import feedback, records
from node.domain.access import Actor, Role
from node.domain.catalogue import create_agency
from node.domain.enterprises import create_enterprise
from tests.support.factories import make_uscc
from tests.support.network import Network, plugin_env
from tests.support.node_db import open_node_db, published_service
from tests.support.node_server import NodeServer
from tests.support.waiting import eventually

STAFF = Actor(username="seed", user_id=uuid.uuid4(), roles=frozenset({Role.STAFF}))
YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year
LAST_YEAR = YEAR - 1
# 9 of 10 ratings of 4 or 5: 90.0 %, the threshold itself; 8 of 10 is below it.
GOOD = WindowSpec("sz-good", "南山区中小企业服务窗口", "440305", "comprehensive")
POOR = WindowSpec("sz-poor", "福田区中小企业服务窗口", "440304", "comprehensive")
RATINGS = {GOOD.window_id: [5] * 8 + [4, 3], POOR.window_id: [5] * 8 + [2, 1]}
EASY_TARGETS = {
    f"SMENET_{name}": "1"
    for name in (
        "TARGET_ENTERPRISES_SERVED",
        "TARGET_SERVICES_DELIVERED",
        "TARGET_ACTIVITIES",
        "TARGET_ACTIVITY_PARTICIPANTS",
        "AGENCY_TARGET_ENTERPRISES_SERVED",
        "AGENCY_TARGET_SERVICES_DELIVERED",
    )
}

ASSESS = """mutation($w: ID!, $y: Int!) { assessWindow(windowId: $w, year: $y) {
  id grade computedGrade total year kind fromDate toDate agencyId
  scores { indicator score weight met evidence } figures window { id status } } }"""
RECHECK = """mutation($w: ID!) { recheckWindow(windowId: $w) {
  id status recheck { grade kind } window { status } } }"""
REQUESTS = """query($s: RevocationStatus) { revocationRequests(status: $s) {
  id status reason decisionReason window { id status } } }"""
APPROVE = "mutation($id: ID!) { approveRevocation(id: $id) { status window { status } } }"
DECLINE = """mutation($id: ID!, $r: String!) { declineRevocation(id: $id, reason: $r) {
  status decisionReason window { status } } }"""
OVERRIDE = """mutation($id: ID!, $g: AssessmentGrade!, $r: String!) {
  overrideAssessment(id: $id, grade: $g, reason: $r) { grade computedGrade overrideReason } }"""
WINDOW_STATUS = "query($w: ID!) { window(id: $w) { status } }"
NETWORK_SERVICES = "{ network { services(first: 50) { edges { node { id } } } } }"


@dataclass
class World:
    net: Network
    supervisor: str
    reviewer: str


async def _seed(db_url: str, ratings: list[int]) -> None:
    """One agency delivering one published service to one enterprise, once per rating."""
    async with open_node_db(db_url):
        agency = await create_agency(STAFF, name="南山检测所")
        service = await published_service(STAFF, name="检验检测", agency_id=agency.id)
        saved = await create_enterprise(
            STAFF,
            name="深圳市智造电子有限公司",
            uscc=make_uscc(),
            region_code="440305",
            industry_code="3981",
        )
        for rating in ratings:
            record = await records.start_service_record(
                STAFF, saved.enterprise.id, service.id, records.Channel.OFFLINE
            )
            await records.complete_service_record(STAFF, record.id, "检测报告已出具")
            await feedback.submit_feedback(STAFF, record.id, rating)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def world(
    request: pytest.FixtureRequest,
    make_db_url: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[World]:
    tmp: Path = tmp_path_factory.mktemp(f"assess-{request.param}")
    env = {**EASY_TARGETS, "SMENET_RECTIFICATION_DAYS": "0"}
    started = await start_network_hub(tmp / "hub", env, make_db_url(request.param))
    net = Network(hub=started.hub, admin=started.admin, operator=started.operator)
    try:
        hub_url = f"http://127.0.0.1:{net.hub.port}"
        for spec in (GOOD, POOR):
            node = NodeServer(
                data_dir=tmp / spec.window_id,
                db_url=make_db_url(request.param),
                window_id=spec.window_id,
                env=plugin_env(()),
            )
            node.init("--hub", hub_url, "--kind", spec.kind)
            await _seed(node.db_url, RATINGS[spec.window_id])  # before it serves: no other writer
            node.start()
            net.nodes[spec.window_id], net.specs[spec.window_id] = node, spec
            await onboard(net, spec, node.url)
        supervisor = await net.hub.create_user(net.admin, "supervisor", "SUPERVISOR")
        reviewer = await net.hub.login("expert-1")
        yield World(net, supervisor, reviewer)
    finally:
        net.stop()


def _hub(world: World) -> HubServer:
    return world.net.hub


def _score(assessment: dict[str, Any], indicator: str) -> dict[str, Any]:
    return next(s for s in assessment["scores"] if s["indicator"] == indicator)


async def _status(world: World, window_id: str) -> str:
    data = await _hub(world).ok(WINDOW_STATUS, {"w": window_id}, token=world.supervisor)
    return str(data["window"]["status"])


async def _network_windows(world: World) -> set[str]:
    data = await _hub(world).ok(NETWORK_SERVICES, token=world.supervisor)
    return {e["node"]["id"].split(":")[0] for e in data["network"]["services"]["edges"]}


async def test_indicators_per_window_and_per_agency_come_from_the_node(world: World) -> None:
    query = """query($w: ID!, $f: String!, $t: String!) {
      indicators(windowId: $w, fromDate: $f, toDate: $t) {
        window { id }
        figures { source enterprisesServed servicesDelivered servicesOffline feedbackCount
          satisfiedFeedback satisfactionRate activities demandsReceived reportsDue }
        agencies { agencyId name figures { servicesDelivered enterprisesServed
          satisfiedFeedback activities } } } }"""
    period = {"w": GOOD.window_id, "f": f"{YEAR}-01-01", "t": f"{YEAR}-12-31"}
    data = await _hub(world).ok(query, period, token=world.supervisor)
    got = data["indicators"]
    assert got["figures"] == {
        "source": f"window sz-good: stats and agencyStats of {YEAR}-01-01..{YEAR}-12-31;"
        f" the hub's received reports due in {YEAR}-01-01..{YEAR}-12-31",
        "enterprisesServed": 1,
        "servicesDelivered": 10,
        "servicesOffline": 10,
        "feedbackCount": 10,
        "satisfiedFeedback": 9,
        "satisfactionRate": 0.9,
        "activities": 0,
        "demandsReceived": 0,
        # Connected today: no month or quarter has ended since, so none was due yet.
        "reportsDue": 0,
    }
    (agency,) = got["agencies"]
    assert agency["agencyId"].startswith("sz-good:") and agency["name"] == "南山检测所"
    assert agency["figures"] == {
        "servicesDelivered": 10,
        "enterprisesServed": 1,
        "satisfiedFeedback": 9,
        "activities": None,
    }
    bad = await _hub(world).call(query, {**period, "f": "2025-13-01"}, token=world.supervisor)
    assert bad.codes == ["BAD_INPUT"]


async def test_wrong_roles_are_refused(world: World) -> None:
    hub = _hub(world)
    assess = {"w": GOOD.window_id, "y": YEAR}
    assert (await hub.call(ASSESS, assess, token=world.supervisor)).codes == ["FORBIDDEN"]
    assert (await hub.call(ASSESS, assess, token=world.reviewer)).codes == ["FORBIDDEN"]
    assert (await hub.call(ASSESS, assess)).codes == ["UNAUTHENTICATED"]
    read = "{ assessments { id } }"
    assert (await hub.call(read, token=world.reviewer)).codes == ["FORBIDDEN"]
    # Deciding revocation requests is the SUPERVISOR's alone.
    fake = {"id": "hub:0190d3c1-0000-7000-8000-000000000000"}
    assert (await hub.call(APPROVE, fake, token=world.net.operator)).codes == ["FORBIDDEN"]
    assert (await hub.call(APPROVE, fake, token=world.net.admin)).codes == ["FORBIDDEN"]
    assert (await hub.call(APPROVE, fake, token=world.supervisor)).codes == ["NOT_FOUND"]


async def test_satisfaction_at_90_percent_passes_and_below_fails(world: World) -> None:
    hub, operator = _hub(world), world.net.operator
    good = (await hub.ok(ASSESS, {"w": GOOD.window_id, "y": YEAR}, token=operator))["assessWindow"]
    assert good["grade"] == "PASS" and good["window"]["status"] == "CONNECTED"
    assert _score(good, "SATISFACTION")["met"] is True
    assert _score(good, "SATISFACTION")["evidence"]["satisfactionRate"] == 0.9
    assert _score(good, "REPORTING_TIMELINESS")["score"] is None  # none due yet: not scored
    assert (good["fromDate"], good["toDate"], good["kind"]) == (
        f"{YEAR}-01-01",
        f"{YEAR}-12-31",
        "YEARLY",
    )
    assert good["figures"]["source"].startswith("window sz-good: stats and agencyStats")
    poor = (await hub.ok(ASSESS, {"w": POOR.window_id, "y": YEAR}, token=operator))["assessWindow"]
    assert poor["grade"] == "FAIL" and _score(poor, "SATISFACTION")["met"] is False
    # The total alone would pass: the criterion decides.
    assert poor["total"] >= 60
    assert poor["window"]["status"] == "RECTIFYING"
    # Agencies are assessed too, on their own three indicators.
    agencies = await hub.ok(
        "query($w: ID!) { assessments(windowId: $w, agencies: true) { agencyName grade } }",
        {"w": POOR.window_id},
        token=world.supervisor,
    )
    assert {"agencyName": "南山检测所", "grade": "FAIL"} in agencies["assessments"]
    again = await hub.call(ASSESS, {"w": GOOD.window_id, "y": YEAR}, token=operator)
    assert again.codes == ["CONFLICT"]
    # A RECTIFYING window stays on the network.
    assert await _network_windows(world) == {GOOD.window_id, POOR.window_id}


async def test_a_passing_recheck_returns_the_window_to_connected(world: World) -> None:
    hub, operator = _hub(world), world.net.operator
    # Last year has no ratings at all: FAIL, while this year's 90 % carries the re-check.
    last = await hub.ok(ASSESS, {"w": GOOD.window_id, "y": LAST_YEAR}, token=operator)
    assert last["assessWindow"]["grade"] == "FAIL"
    assert await _status(world, GOOD.window_id) == "RECTIFYING"
    done = (await hub.ok(RECHECK, {"w": GOOD.window_id}, token=operator))["recheckWindow"]
    assert done["status"] == "PASSED" and done["recheck"] == {"grade": "PASS", "kind": "RECHECK"}
    assert done["window"]["status"] == "CONNECTED"
    again = await hub.call(RECHECK, {"w": GOOD.window_id}, token=operator)
    assert again.codes == ["NOT_FOUND"]  # no open rectification left


async def test_a_failed_recheck_files_a_request_the_supervisor_declines(world: World) -> None:
    hub, operator = _hub(world), world.net.operator
    # This year's FAIL (above) put the window in RECTIFYING; the re-check fails again.
    done = (await hub.ok(RECHECK, {"w": POOR.window_id}, token=operator))["recheckWindow"]
    assert done["status"] == "FAILED" and done["window"]["status"] == "RECTIFYING"
    (request,) = (await hub.ok(REQUESTS, {"s": "PENDING"}, token=world.supervisor))[
        "revocationRequests"
    ]
    assert "SATISFACTION" in request["reason"] and request["window"]["id"] == POOR.window_id
    no_reason = await hub.call(DECLINE, {"id": request["id"], "r": "  "}, token=world.supervisor)
    assert no_reason.codes == ["BAD_INPUT"]
    assert await _status(world, POOR.window_id) == "RECTIFYING"  # nothing written
    reason = "整改材料已补充，主管部门同意保留资格"
    declined = await hub.ok(DECLINE, {"id": request["id"], "r": reason}, token=world.supervisor)
    assert declined["declineRevocation"] == {
        "status": "DECLINED",
        "decisionReason": reason,
        "window": {"status": "CONNECTED"},
    }
    twice = await hub.call(APPROVE, {"id": request["id"]}, token=world.supervisor)
    assert twice.codes == ["INVALID_TRANSITION"]


async def test_overrides_need_a_reason_and_are_audited(world: World) -> None:
    hub, operator = _hub(world), world.net.operator
    listed = await hub.ok(
        "query($w: ID!, $y: Int!) { assessments(windowId: $w, year: $y) { id grade kind } }",
        {"w": GOOD.window_id, "y": YEAR},
        token=world.supervisor,
    )
    (yearly,) = [a for a in listed["assessments"] if a["kind"] == "YEARLY"]
    refused = await hub.call(
        OVERRIDE, {"id": yearly["id"], "g": "EXCELLENT", "r": ""}, token=operator
    )
    assert refused.codes == ["BAD_INPUT"]
    by_supervisor = await hub.call(
        OVERRIDE, {"id": yearly["id"], "g": "EXCELLENT", "r": "x"}, token=world.supervisor
    )
    assert by_supervisor.codes == ["FORBIDDEN"]
    reason = "窗口承担了全市专项服务，服务量按专项口径核定"
    done = await hub.ok(
        OVERRIDE, {"id": yearly["id"], "g": "EXCELLENT", "r": reason}, token=operator
    )
    assert done["overrideAssessment"] == {
        "grade": "EXCELLENT",
        "computedGrade": "PASS",
        "overrideReason": reason,
    }
    audit = await hub.ok(
        """{ auditLog(operation: "overrideAssessment", first: 10) {
          edges { node { actor target result } } } }""",
        token=world.supervisor,
    )
    entries = [e["node"] for e in audit["auditLog"]["edges"]]
    assert {"actor": "operator", "target": yearly["id"], "result": "OK"} in entries
    assert {"actor": "operator", "target": yearly["id"], "result": "BAD_INPUT"} in entries


async def test_a_failed_recheck_approved_revokes_the_window_off_the_network(
    world: World,
) -> None:
    hub, operator = _hub(world), world.net.operator
    # A second cycle for the same window: last year's FAIL, its re-check fails again.
    last = await hub.ok(ASSESS, {"w": POOR.window_id, "y": LAST_YEAR}, token=operator)
    assert last["assessWindow"]["window"]["status"] == "RECTIFYING"
    done = (await hub.ok(RECHECK, {"w": POOR.window_id}, token=operator))["recheckWindow"]
    assert done["status"] == "FAILED"
    (request,) = (await hub.ok(REQUESTS, {"s": "PENDING"}, token=world.supervisor))[
        "revocationRequests"
    ]
    approved = await hub.ok(APPROVE, {"id": request["id"]}, token=world.supervisor)
    assert approved["approveRevocation"] == {"status": "APPROVED", "window": {"status": "REVOKED"}}
    assert await _network_windows(world) == {GOOD.window_id}
    history = await hub.ok(
        "query($w: ID!) { window(id: $w) { history { toStatus actor } } }",
        {"w": POOR.window_id},
        token=world.supervisor,
    )
    assert history["window"]["history"][-1] == {"toStatus": "REVOKED", "actor": "supervisor"}


async def test_run_assessments_assesses_the_windows_not_yet_assessed(world: World) -> None:
    run = await _hub(world).ok(
        """mutation($y: Int!) { runAssessments(year: $y) {
          assessed { window { id } } skipped failures { windowId code } } }""",
        {"y": YEAR},
        token=world.net.admin,
    )
    # sz-good has this year's assessment already; sz-poor is off the network.
    assert run["runAssessments"] == {
        "assessed": [],
        "skipped": [GOOD.window_id],
        "failures": [],
    }


async def test_the_scheduler_rechecks_a_rectification_past_its_deadline(world: World) -> None:
    hub, operator = _hub(world), world.net.operator
    listed = await hub.ok(
        "query($w: ID!, $y: Int!) { assessments(windowId: $w, year: $y) { id kind } }",
        {"w": GOOD.window_id, "y": YEAR},
        token=world.supervisor,
    )
    (yearly,) = [a for a in listed["assessments"] if a["kind"] == "YEARLY"]
    # A FAIL by override opens a rectification; its deadline (0 days here) has passed at once.
    failed = await hub.ok(
        OVERRIDE, {"id": yearly["id"], "g": "FAIL", "r": "抽查发现服务记录不实"}, token=operator
    )
    assert failed["overrideAssessment"]["grade"] == "FAIL"
    assert await _status(world, GOOD.window_id) == "RECTIFYING"
    # Nobody calls recheckWindow: the hub's job finds the rectification and re-checks it.
    hub.env["SMENET_RECHECK_POLL_SECONDS"] = "0.5"
    hub.restart()
    rectified = """query($w: ID!) { rectifications(windowId: $w, status: PASSED) {
      recheck { kind grade assessedBy } } }"""

    async def rechecked() -> bool:
        found = await hub.ok(rectified, {"w": GOOD.window_id}, token=world.supervisor)
        return any(r["recheck"]["assessedBy"] == "hub" for r in found["rectifications"])

    await eventually(rechecked)
    assert await _status(world, GOOD.window_id) == "CONNECTED"


async def test_a_second_rectification_in_a_year_is_rechecked_too(world: World) -> None:
    hub, operator = _hub(world), world.net.operator
    listed = await hub.ok(
        "query($w: ID!, $y: Int!) { assessments(windowId: $w, year: $y) { id kind } }",
        {"w": GOOD.window_id, "y": YEAR},
        token=world.supervisor,
    )
    (yearly,) = [a for a in listed["assessments"] if a["kind"] == "YEARLY"]
    # The FAIL of the test above, restored after a PASS: another rectification of the same year.
    for grade in ("PASS", "FAIL"):
        reason = f"复核意见：{grade}"
        await hub.ok(OVERRIDE, {"id": yearly["id"], "g": grade, "r": reason}, token=operator)
    assert await _status(world, GOOD.window_id) == "RECTIFYING"
    rectified = """query($w: ID!) { rectifications(windowId: $w, status: PASSED) {
      recheck { assessedBy } } }"""

    async def rechecked_twice() -> bool:
        found = await hub.ok(rectified, {"w": GOOD.window_id}, token=world.supervisor)
        return [r["recheck"]["assessedBy"] for r in found["rectifications"]].count("hub") == 2

    # The scheduler of the test above (every 0.5 s) re-checks this one as well.
    await eventually(rechecked_twice)
    assert await _status(world, GOOD.window_id) == "CONNECTED"
