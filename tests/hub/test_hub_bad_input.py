"""Bad input at the hub, on SQLite and PostgreSQL: malformed periods and report kinds, values that
are no window id (or longer than their column) wherever one is taken, text that is not Unicode,
and tokens whose issuer is no window are each refused with an input (or token) error code, quote
at most a bounded prefix of the input, and change nothing — never an INTERNAL_ERROR or a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest

from federation.trust import ALGORITHM, generate_key
from hub.testing import ADMIN_PASSWORD, NetworkHub, start_network_hub
from tests.conftest import DATABASES
from tests.support.bad_input import LONG, SURROGATE, UNSTORABLE, post_escaped, refused
from tests.support.db_snapshot import snapshot

AUDIT = ("hub_audit_log",)  # a refused mutation still writes its audit entry
REPORTS = "query($p: String, $k: String) { reports(period: $p, kind: $k) { id } }"
DAYS = {"from": "2026-01-01", "to": "2026-06-30"}
# Every field that takes a window id (or a record ID, or a credit code), with the value in $v.
LOOKUPS = {
    "window": "query($v: ID!) { window(id: $v) { id } }",
    "assessments": "query($v: ID) { assessments(windowId: $v) { id } }",
    "rectifications": "query($v: ID) { rectifications(windowId: $v) { id } }",
    "agreements": "query($v: ID) { agreements(window: $v) { edges { node { id } } } }",
    "reports": "query($v: ID) { reports(window: $v) { id } }",
    "reportTimeliness": """query($v: ID!, $from: Date!, $to: Date!) {
      reportTimeliness(window: $v, fromDate: $from, toDate: $to) { due } }""",
    "routedDemand": "query($v: ID!) { routedDemand(id: $v) { id } }",
    "demandProposals": "query($v: ID!) { demandProposals(id: $v) { demand { id } } }",
    "networkVouchers": "query($v: String) { networkVouchers(uscc: $v) { edges { node { id } } } }",
}
AUDIT_LOG = "query($v: String) { auditLog(operation: $v) { edges { node { id } } } }"
WINDOWS = "query($v: String) { windows(region: $v) { id } }"
MUTATIONS = {
    "startReview": "mutation($v: ID!) { startReview(id: $v) { status } }",
    "fileObjection": """mutation($v: ID!) {
      fileObjection(id: $v, text: "材料不实", contact: "13800000000") { id } }""",
    "recheckWindow": "mutation($v: ID!) { recheckWindow(windowId: $v) { id } }",
    "revokeWindowKey": 'mutation($v: String!) { revokeWindowKey(id: "gz", kid: $v) { kid } }',
    "createAgreement": """mutation($v: ID!) { createAgreement(input: {
      window: $v, scope: [SERVICE_RECORDS], validFrom: "2099-01-01"}) { id } }""",
    "dispatchDemand": """mutation($v: ID!) {
      dispatchDemand(id: "gz:0190a0b0-0000-7000-8000-000000000000", windowId: $v) { id } }""",
}
APPLY = "mutation($i: WindowApplicationInput!) { applyWindow(input: $i) { id } }"
CREATE_USER = "mutation($i: CreateHubUserInput!) { createUser(input: $i) { id } }"
ADD_KEY = 'mutation($k: JSON!) { addWindowKey(id: "gz", jwk: $k) { kid } }'


@pytest.fixture(scope="module", params=DATABASES)
async def hub(
    request: pytest.FixtureRequest,
    make_db_url: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[NetworkHub]:
    """A hub with window gz applied for (so its keys can be looked up)."""
    started = await start_network_hub(
        tmp_path_factory.mktemp(f"hub-{request.param}"), db_url=make_db_url(request.param)
    )
    try:
        await started.hub.ok(APPLY, {"i": application()}, token=started.operator)
        yield started
    finally:
        started.hub.stop()


def application(**changes: Any) -> dict[str, Any]:
    return {
        "windowId": "gz",
        "name": "广州市中小企业公共服务窗口",
        "kind": "COMPREHENSIVE",
        "regionCode": "440100",
        "organisation": "广州市中小企业服务中心",
        "contact": {"name": "王敏", "phone": "020-83000000", "email": "wangmin@example.cn"},
        "serviceScope": "政策咨询、融资对接",
        "industries": [],
        "materials": [{"title": "营业执照"}],
        **changes,
    }


@pytest.mark.parametrize(
    "period", ["2026-11-extra", "2026-13", "2026-Q5", "2026-1", "", f"2026-11{LONG}"]
)
async def test_a_malformed_report_period_is_bad_input(hub: NetworkHub, period: str) -> None:
    error = refused(await hub.hub.call(REPORTS, {"p": period}, hub.admin))
    assert error["extensions"] == {"code": "BAD_INPUT", "field": "period"}


async def test_a_report_kind_the_protocol_lacks_is_bad_input_and_a_known_one_is_read(
    hub: NetworkHub,
) -> None:
    error = refused(await hub.hub.call(REPORTS, {"k": LONG}, hub.admin))
    assert error["extensions"]["field"] == "kind"
    assert (await hub.hub.ok(REPORTS, {"p": " 2026-Q4", "k": "SUMMARY"}, hub.admin)) == {
        "reports": []
    }


@pytest.mark.parametrize("value", [LONG, "GZ", "gz\n", "gz:", SURROGATE])
@pytest.mark.parametrize("field", sorted(LOOKUPS))
async def test_a_value_no_record_can_have_is_refused_as_bad_input(
    hub: NetworkHub, field: str, value: str
) -> None:
    refused(await post_escaped(hub.hub, LOOKUPS[field], {"v": value, **DAYS}, hub.operator))


@pytest.mark.parametrize("query", [AUDIT_LOG, WINDOWS])
async def test_a_long_filter_is_refused_quoting_only_its_beginning(
    hub: NetworkHub, query: str
) -> None:
    refused(await hub.hub.call(query, {"v": LONG}, hub.admin))


async def test_an_audit_filter_as_long_as_an_operation_can_be_is_read(hub: NetworkHub) -> None:
    assert (await hub.hub.ok(AUDIT_LOG, {"v": "x" * 64}, hub.admin))["auditLog"]["edges"] == []


@pytest.mark.parametrize("field", sorted(MUTATIONS))
async def test_a_mutation_given_no_window_id_is_refused_and_changes_nothing(
    hub: NetworkHub, field: str
) -> None:
    before = await snapshot(hub.hub.db_url, AUDIT)
    refused(await hub.hub.call(MUTATIONS[field], {"v": LONG}, hub.operator))
    assert await snapshot(hub.hub.db_url, AUDIT) == before


@pytest.mark.parametrize("text", UNSTORABLE)
@pytest.mark.parametrize(
    ("mutation", "variables"),
    [
        pytest.param(APPLY, lambda t: {"i": application(name=t)}, id="window-name"),
        pytest.param(
            APPLY,
            lambda t: {"i": application(materials=[{"title": "营业执照", "description": t}])},
            id="material",
        ),
        pytest.param(
            CREATE_USER,
            lambda t: {"i": {"username": t, "password": ADMIN_PASSWORD, "roles": ["SUPERVISOR"]}},
            id="username",
        ),
        pytest.param(ADD_KEY, lambda t: {"k": {"kty": "OKP", f"x{t}": "1"}}, id="json-key"),
    ],
)
async def test_text_no_database_can_hold_is_bad_input_and_stores_nothing(
    hub: NetworkHub, mutation: str, variables: Callable[[str], dict[str, Any]], text: str
) -> None:
    before = await snapshot(hub.hub.db_url)
    token = hub.admin if mutation == CREATE_USER else hub.operator
    refused(await post_escaped(hub.hub, mutation, variables(text), token))
    assert await snapshot(hub.hub.db_url) == before


async def test_a_nul_posted_in_the_login_form_is_a_failed_login(hub: NetworkHub) -> None:
    async with httpx.AsyncClient() as client:
        page = await client.post(
            hub.hub.url.replace("/graphql", "/dashboard/login"),
            data={"username": "admin\x00", "password": ADMIN_PASSWORD},
        )
    assert page.status_code == 401, page.text


# Long, but in a header within what the HTTP layer reads in pieces (h11: 16 KB), which refuses
# a longer one itself, before any token is read.
@pytest.mark.parametrize("issuer", [LONG[:4000], SURROGATE, "GZ", "gz\n"])
async def test_a_token_whose_issuer_is_no_window_is_refused_as_malformed(
    hub: NetworkHub, issuer: str
) -> None:
    now = int(datetime.now(UTC).timestamp())
    claims = {"iss": issuer, "aud": "hub", "sub": "x", "role": "WINDOW", "jti": "j"}
    token = jwt.encode(
        {**claims, "iat": now, "exp": now + 30},
        generate_key().private,
        algorithm=ALGORITHM,
        headers={"kid": "k"},
    )
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            hub.hub.url,
            json={"query": "{ callerWindow { id } }"},
            headers={"authorization": f"Bearer {token}"},
        )
    assert response.status_code < 500, response.text
    errors = response.json()["errors"]
    assert {(e["extensions"]["code"], e["extensions"]["reason"]) for e in errors} == {
        ("INVALID_TOKEN", "MALFORMED")
    }
    assert all(LONG[:100] not in e["message"] for e in errors)
