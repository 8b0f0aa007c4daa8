"""Activities over GraphQL: capacity and single registration (also under races), attendance."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.config import NodeSettings
from node.domain import activities, enterprises
from node.domain.access import Actor, Role
from node.schema import build_schema
from node.schema.context import Context
from tests.support.factories import create_enterprise, make_uscc, staff_and_readonly
from tests.support.node_db import open_node_db
from tests.support.node_server import NodeServer
from tests.support.query_count import count_queries

FIGURES = "id capacity registrationCount attendanceCount averageRating"
CREATE = f"""mutation($input: ActivityInput!) {{
  createActivity(input: $input) {{ activity {{ {FIGURES} title kind }} }} }}"""
REGISTER = f"""mutation($activity: ID!, $input: ActivityRegistrationInput!) {{
  registerForActivity(activityId: $activity, input: $input) {{
    registration {{ id attendedAt }} activity {{ {FIGURES} }} }} }}"""
ATTEND = f"""mutation($activity: ID!, $ids: [ID!]!) {{
  recordAttendance(activityId: $activity, registrationIds: $ids) {{ activity {{ {FIGURES} }} }} }}"""
RATE = f"""mutation($id: ID!, $rating: Int!, $comment: String! = "") {{
  rateActivity(registrationId: $id, rating: $rating, comment: $comment) {{
    registration {{ id rating comment }} activity {{ {FIGURES} }} }} }}"""
LIST = f"""query($filter: ActivityFilter) {{
  activities(filter: $filter, first: 100) {{ edges {{ node {{ {FIGURES} title }} }} }} }}"""
_serial = itertools.count()


def _at(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def activity_input(**fields: Any) -> dict[str, Any]:
    return {
        "title": f"专精特新政策宣讲会 {next(_serial)}",
        "kind": "POLICY_BRIEFING",
        "startsAt": _at(-1),  # under way: registration open, attendance can be taken
        "endsAt": _at(24),
        "capacity": 30,
        "location": "南山区科技园服务中心",
        **fields,
    }


@pytest.fixture(scope="module")
async def tokens(node: NodeServer, admin: str) -> dict[str, str]:
    return {"ADMIN": admin, **await staff_and_readonly(node, admin, "act")}


async def _activity(node: NodeServer, token: str, **fields: Any) -> str:
    data = await node.ok(CREATE, {"input": activity_input(**fields)}, token)
    return str(data["createActivity"]["activity"]["id"])


async def _enterprises(node: NodeServer, token: str, count: int) -> list[str]:
    return [
        await create_enterprise(node, token, name=f"南山测试企业{next(_serial)}-{i}")
        for i in range(count)
    ]


async def _register(node: NodeServer, token: str, activity: str, enterprise: str) -> str:
    data = await node.ok(
        REGISTER, {"activity": activity, "input": {"enterpriseId": enterprise}}, token
    )
    return str(data["registerForActivity"]["registration"]["id"])


async def test_activity_is_created_and_listed_publicly(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    data = await node.ok(CREATE, {"input": activity_input(capacity=12)}, tokens["STAFF"])
    activity = data["createActivity"]["activity"]
    assert activity["kind"] == "POLICY_BRIEFING" and activity["capacity"] == 12
    assert (activity["registrationCount"], activity["attendanceCount"]) == (0, 0)
    assert activity["averageRating"] is None
    public = await node.ok(LIST, {"filter": {"kind": "POLICY_BRIEFING"}}, None)
    assert activity in [
        e["node"] | {"kind": "POLICY_BRIEFING"} for e in public["activities"]["edges"]
    ]


async def test_activities_are_filtered_by_local_start_day(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    # 2030-03-01 23:30 in Shanghai is still 15:30 UTC of the same day; 00:30 local is the day before in UTC.
    late = await _activity(
        node,
        tokens["STAFF"],
        startsAt="2030-03-01T23:30:00+08:00",
        endsAt="2030-03-02T01:00:00+08:00",
    )
    early = await _activity(
        node,
        tokens["STAFF"],
        startsAt="2030-03-02T00:30:00+08:00",
        endsAt="2030-03-02T02:00:00+08:00",
    )
    day = await node.ok(LIST, {"filter": {"fromDate": "2030-03-02", "toDate": "2030-03-02"}}, None)
    ids = {e["node"]["id"] for e in day["activities"]["edges"]}
    assert early in ids and late not in ids


async def test_bad_activity_input_changes_nothing(node: NodeServer, tokens: dict[str, str]) -> None:
    before = await node.snapshot()
    for fields in (
        {"endsAt": _at(-2)},
        {"capacity": 0},
        {"title": "  "},
        {"startsAt": "2030-03-01T09:00:00"},  # no offset: ambiguous
    ):
        result = await node.call(CREATE, {"input": activity_input(**fields)}, tokens["STAFF"])
        assert result.codes == ["BAD_INPUT"], fields
    assert await node.snapshot() == before


async def test_registration_respects_capacity_and_is_once_per_enterprise(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    activity = await _activity(node, staff, capacity=2)
    first, second, third = await _enterprises(node, staff, 3)
    await _register(node, staff, activity, first)
    before = await node.snapshot()
    again = await node.call(
        REGISTER, {"activity": activity, "input": {"enterpriseId": first}}, staff
    )
    assert again.codes == ["ALREADY_REGISTERED"]
    assert await node.snapshot() == before
    data = await node.ok(
        REGISTER,
        {"activity": activity, "input": {"enterpriseId": second, "participantName": "李娜"}},
        staff,
    )
    assert data["registerForActivity"]["activity"]["registrationCount"] == 2
    before = await node.snapshot()
    full = await node.call(
        REGISTER, {"activity": activity, "input": {"enterpriseId": third}}, staff
    )
    assert full.codes == ["CAPACITY_REACHED"]
    assert await node.snapshot() == before


async def test_registration_needs_an_open_activity_and_known_ids(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    ended = await _activity(node, staff, startsAt=_at(-48), endsAt=_at(-46))
    (enterprise,) = await _enterprises(node, staff, 1)
    missing = "sz-ns:01890000-0000-7000-8000-000000000000"
    before = await node.snapshot()
    cases = [
        (ended, {"enterpriseId": enterprise}, "INVALID_TRANSITION"),
        (missing, {"enterpriseId": enterprise}, "NOT_FOUND"),
        (ended, {"enterpriseId": missing}, "NOT_FOUND"),
        (ended, {}, "BAD_INPUT"),
    ]
    for activity, registration, code in cases:
        result = await node.call(REGISTER, {"activity": activity, "input": registration}, staff)
        assert result.codes == [code], (activity, registration)
    assert await node.snapshot() == before


async def test_attendance_is_recorded_with_one_event_per_participant(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    activity = await _activity(node, staff)
    registrations = [
        await _register(node, staff, activity, e) for e in await _enterprises(node, staff, 3)
    ]
    before = await node.snapshot()
    data = await node.ok(ATTEND, {"activity": activity, "ids": registrations[:2]}, staff)
    figures = data["recordAttendance"]["activity"]
    assert (figures["registrationCount"], figures["attendanceCount"]) == (3, 2)
    after = await node.snapshot()
    new_events = set(after["domain_events"]) - set(before["domain_events"])
    assert len(new_events) == 2
    assert all("activity.attendance_recorded" in event for event in new_events)


async def test_attendance_cannot_be_recorded_twice_early_or_for_strangers(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    activity = await _activity(node, staff)
    other = await _activity(node, staff)
    upcoming = await _activity(node, staff, startsAt=_at(48), endsAt=_at(50))
    first, second, third = await _enterprises(node, staff, 3)
    attended = await _register(node, staff, activity, first)
    fresh = await _register(node, staff, activity, second)
    stranger = await _register(node, staff, other, first)
    early = await _register(node, staff, upcoming, third)
    await node.ok(ATTEND, {"activity": activity, "ids": [attended]}, staff)
    before = await node.snapshot()
    cases = [
        (activity, [fresh, attended], "INVALID_TRANSITION"),
        (activity, [fresh, stranger], "NOT_FOUND"),
        (upcoming, [early], "INVALID_TRANSITION"),
        (activity, [], "BAD_INPUT"),
    ]
    for target, ids, code in cases:
        result = await node.call(ATTEND, {"activity": target, "ids": ids}, staff)
        assert result.codes == [code], (target, ids)
    assert await node.snapshot() == before


async def test_attendees_rate_the_activity_once(node: NodeServer, tokens: dict[str, str]) -> None:
    staff = tokens["STAFF"]
    activity = await _activity(node, staff)
    first, second, absent = [
        await _register(node, staff, activity, e) for e in await _enterprises(node, staff, 3)
    ]
    await node.ok(ATTEND, {"activity": activity, "ids": [first, second]}, staff)
    await node.ok(RATE, {"id": first, "rating": 5, "comment": "很有收获"}, staff)
    data = await node.ok(RATE, {"id": second, "rating": 4}, staff)
    assert data["rateActivity"]["activity"]["averageRating"] == 4.5
    before = await node.snapshot()
    cases = [
        ({"id": first, "rating": 3}, "FEEDBACK_EXISTS"),
        ({"id": absent, "rating": 3}, "INVALID_TRANSITION"),
        ({"id": absent, "rating": 6}, "BAD_INPUT"),
        ({"id": absent, "rating": 0}, "BAD_INPUT"),
    ]
    for variables, code in cases:
        assert (await node.call(RATE, variables, staff)).codes == [code], variables
    assert await node.snapshot() == before


async def test_readonly_and_anonymous_cannot_change_activities(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    activity = await _activity(node, tokens["STAFF"])
    (enterprise,) = await _enterprises(node, tokens["STAFF"], 1)
    registration = await _register(node, tokens["STAFF"], activity, enterprise)
    before = await node.snapshot()
    for token, code in ((tokens["READONLY"], "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        attempts = [
            (CREATE, {"input": activity_input()}),
            (REGISTER, {"activity": activity, "input": {"participantName": "张三"}}),
            (ATTEND, {"activity": activity, "ids": [registration]}),
            (RATE, {"id": registration, "rating": 5}),
        ]
        for query, variables in attempts:
            assert (await node.call(query, variables, token)).codes == [code], query
    assert await node.snapshot() == before


async def test_participants_names_are_personal_data(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    activity = await _activity(node, tokens["STAFF"])
    await node.ok(
        REGISTER, {"activity": activity, "input": {"participantName": "王小明"}}, tokens["STAFF"]
    )
    query = """query { activities(first: 100) { edges { node { id registrations {
      registeredAt %s } } } } }"""
    names = await node.ok(query % "participantName", None, tokens["STAFF"])
    mine = [e["node"] for e in names["activities"]["edges"] if e["node"]["id"] == activity]
    assert [r["participantName"] for r in mine[0]["registrations"]] == ["王小明"]
    assert (await node.call(query % "participantName", None, tokens["READONLY"])).codes[0] == (
        "FORBIDDEN"
    )
    await node.ok(query % "attendedAt", None, tokens["READONLY"])
    assert (await node.call(query % "attendedAt", None, None)).codes[0] == "UNAUTHENTICATED"


async def _codes(calls: list[Any]) -> list[str]:
    results = await asyncio.gather(*calls)
    return sorted(r.codes[0] if r.codes else "OK" for r in results)


async def test_concurrent_registrations_never_overfill_an_activity(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    activity = await _activity(node, staff, capacity=5)
    enterprises = await _enterprises(node, staff, 12)
    # Each call opens its own HTTP client, so each gets its own database connection.
    codes = await _codes(
        [
            node.call(REGISTER, {"activity": activity, "input": {"enterpriseId": e}}, staff)
            for e in enterprises
        ]
    )
    assert codes == ["CAPACITY_REACHED"] * 7 + ["OK"] * 5
    listed = await node.ok(LIST, None, None)
    (mine,) = [e["node"] for e in listed["activities"]["edges"] if e["node"]["id"] == activity]
    assert mine["registrationCount"] == 5


async def test_concurrent_double_registrations_register_once(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    activity = await _activity(node, staff, capacity=10)
    (enterprise,) = await _enterprises(node, staff, 1)
    variables = {"activity": activity, "input": {"enterpriseId": enterprise}}
    codes = await _codes([node.call(REGISTER, variables, staff) for _ in range(5)])
    assert codes == ["ALREADY_REGISTERED"] * 4 + ["OK"]


# A page's figures and registrations cost a constant number of queries (in-process).

STAFF = Actor(username="count", user_id=uuid.uuid4(), roles=frozenset({Role.STAFF}))
PAGE = """query($first: Int!) { activities(first: $first) { edges { node {
  registrationCount attendanceCount averageRating registrations { id rating } } } } }"""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def activities_db(
    request: pytest.FixtureRequest, make_db_url: Callable[[str], str]
) -> AsyncIterator[None]:
    async with open_node_db(make_db_url(request.param)):
        company = await enterprises.create_enterprise(
            STAFF, name="计数企业", uscc=make_uscc(), region_code="440305", industry_code="3981"
        )
        started = datetime.now(UTC) - timedelta(hours=1)
        for i in range(12):
            activity = await activities.create_activity(
                STAFF,
                f"活动{i}",
                activities.ActivityKind.TRAINING,
                started,
                started + timedelta(days=1),
                5,
            )
            enterprise = company.enterprise.id
            rated = await activities.register_for_activity(STAFF, activity.id, enterprise)
            await activities.register_for_activity(STAFF, activity.id, None, "个人参与者")
            await activities.record_attendance(STAFF, activity.id, [rated.id])
            await activities.rate_activity(STAFF, rated.id, 4)
        yield


async def _queries_for_page(first: int) -> int:
    settings = NodeSettings(window_id="sz-ns", name="n", region_code="440305")
    with count_queries() as counter:
        result = await build_schema().execute(
            PAGE,
            variable_values={"first": first},
            context_value=Context(settings=settings, caller=STAFF),
        )
    assert result.errors is None, result.errors
    nodes = [e["node"] for e in result.data["activities"]["edges"]]
    assert len(nodes) == first
    for node_ in nodes:
        assert (node_["registrationCount"], node_["attendanceCount"]) == (2, 1)
        assert node_["averageRating"] == 4.0 and len(node_["registrations"]) == 2
    return counter.count


async def test_a_page_of_activities_costs_the_same_queries_for_3_and_12(
    activities_db: None,
) -> None:
    three, twelve = await _queries_for_page(3), await _queries_for_page(12)
    # The page, one grouped aggregate of the figures, one batched load of the registrations.
    assert three == twelve == 3
