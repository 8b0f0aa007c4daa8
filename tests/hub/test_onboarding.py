"""The window registry and onboarding workflow, against a real hub (SQLite and PostgreSQL), a real
node, and small fake nodes on loopback: every step, every step out of order, rejection, objections,
refused connections, suspension and revocation, roles and the audit log."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from federation import ACCEPTED_CORE_SCHEMA_VERSIONS, CORE_SCHEMA_VERSION
from federation.trust import generate_key, load_key
from hub.testing import HubServer
from tests.conftest import DATABASES
from tests.support.asgi import serve_in_thread
from tests.support.db_snapshot import snapshot
from tests.support.node_server import NodeServer, free_port
from tests.support.publicity import end_publicity, extend_publicity

# Tables a refused request may still write to: its audit entry.
AUDIT = ("hub_audit_log",)

APPLY = "mutation($i: WindowApplicationInput!) { applyWindow(input: $i) { id status } }"
START_REVIEW = "mutation($id: ID!) { startReview(id: $id) { status } }"
REVIEW = """mutation($id: ID!, $s: Int!, $o: String!, $r: Recommendation!) {
  submitReview(id: $id, score: $s, opinion: $o, recommendation: $r) {
    id score reviewer recommendation window { status } } }"""
PUBLICITY = """mutation($id: ID!) {
  startPublicity(id: $id) { status publicityStartsAt publicityEndsAt } }"""
OBJECT = """mutation($id: ID!, $t: String!, $c: String!) {
  fileObjection(id: $id, text: $t, contact: $c) { id status filedBy text } }"""
RESOLVE = """mutation($id: ID!, $r: ObjectionResolution!, $n: String!) {
  resolveObjection(id: $id, resolution: $r, note: $n) {
    status resolvedBy resolutionNote window { status } } }"""
CONNECT = """mutation($id: ID!, $e: String!, $k: JSON!) {
  connectWindow(id: $id, endpoint: $e, jwk: $k) {
    id status endpoint coreSchemaVersion nodeVersion sdlHash connectedAt
    plugins { name version namespace error } keys { kid jwk revokedAt } } }"""
SUSPEND = (
    "mutation($id: ID!, $r: String!) { suspendWindow(id: $id, reason: $r) { status statusReason } }"
)
REINSTATE = "mutation($id: ID!) { reinstateWindow(id: $id) { status statusReason } }"
REVOKE = """mutation($id: ID!, $r: String!) {
  revokeWindow(id: $id, reason: $r) { status statusReason keys { kid revokedAt } } }"""
ADD_KEY = "mutation($id: ID!, $k: JSON!) { addWindowKey(id: $id, jwk: $k) { kid revokedAt } }"
REVOKE_KEY = """mutation($id: ID!, $kid: String!) {
  revokeWindowKey(id: $id, kid: $kid) { kid revokedAt } }"""
WINDOW = """query($id: ID!) { window(id: $id) {
  id name kind regionCode status statusReason publicityEndsAt
  application { round organisation serviceScope industries materials { title description url } }
} }"""
PRIVATE = """query($id: ID!) { window(id: $id) {
  rejectionReasons history { fromStatus toStatus actor note }
  application { submittedBy contact { name phone email } reviews { score opinion reviewer }
                objections { id status contact } }
} }"""
AUDIT_LOG = """query($op: String) { auditLog(first: 100, operation: $op) {
  edges { node { actor operation target result } } } }"""


def application(window_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "windowId": window_id,
        "name": "深圳市南山区中小企业服务窗口",
        "kind": "COMPREHENSIVE",
        "regionCode": "440305",
        "organisation": "深圳市南山区中小企业服务中心",
        "contact": {"name": "王敏", "phone": "0755-86000000", "email": "wangmin@example.cn"},
        "serviceScope": "政策咨询、融资对接、人才培训、管理咨询",
        "industries": ["C", "I65"],
        "materials": [
            {"title": "营业执照", "description": "副本扫描件", "url": "https://example.cn/l.pdf"},
            {"title": "服务场所证明"},
        ],
        **changes,
    }


# Servers


@dataclass
class FakeNode:
    """Something at a node's endpoint that answers like a node, or not: a real server. Every
    endpoint of it publishes ``key``."""

    port: int
    answers: dict[str, Callable[[], Response]]
    key: dict[str, str]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}/graphql"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    data = tmp_path_factory.mktemp("node")
    server = NodeServer(
        data_dir=data, db_url=f"sqlite://{data / 'node.sqlite3'}", window_id="sz-ns"
    )
    server.init()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def node_sdl(node: NodeServer) -> str:
    return str((await node.ok("{ _service { sdl } }"))["_service"]["sdl"])


@pytest.fixture(scope="module")
def fake_node(node_sdl: str) -> Iterator[FakeNode]:
    def answer(
        window_id: str, version: str, sdl: str, plugins: list[object] | None = None
    ) -> Callable[[], Response]:
        info = {
            "windowId": window_id,
            "name": "伪节点",
            "kind": "COMPREHENSIVE",
            "regionCode": "440305",
            "industries": [],
            "coreSchemaVersion": version,
            "nodeVersion": "0.1.0",
            "plugins": plugins or [],
        }
        return lambda: JSONResponse({"data": {"nodeInfo": info, "_service": {"sdl": sdl}}})

    # The real node's SDL without Query.services: a node missing part of the core contract.
    lacking = re.sub(
        r"(type Query \{.*?)\n  services\([^\n]*", r"\1", node_sdl, count=1, flags=re.S
    )
    assert lacking != node_sdl
    answers = {
        "fake-ok": answer("fake-ok", CORE_SCHEMA_VERSION, node_sdl),
        "bad-sdl": answer("bad-sdl", CORE_SCHEMA_VERSION, lacking),
        "old-core": answer("old-core", "0.9", node_sdl),
        "not-graphql": lambda: HTMLResponse("<h1>It works!</h1>"),
        "bad-plugins": answer("bad-plugins", CORE_SCHEMA_VERSION, node_sdl, [{"name": None}]),
        # Far more than a node's answer, and one that never ends (a byte every half second).
        "huge": lambda: Response(b"[" * (5 * 1024 * 1024), media_type="application/json"),
        "trickle": lambda: StreamingResponse(trickle(), media_type="application/json"),
    }

    async def trickle() -> AsyncIterator[bytes]:
        for _ in range(60):
            yield b" "
            await asyncio.sleep(0.5)

    async def graphql(request: Request) -> Response:
        return answers[request.path_params["name"]]()

    key = generate_key().jwk()

    async def jwks(_: Request) -> Response:
        return JSONResponse({"keys": [key]})

    app = Starlette(
        routes=[
            Route("/{name}/graphql", graphql, methods=["POST"]),
            Route("/.well-known/jwks.json", jwks),
        ]
    )
    with serve_in_thread(app) as port:
        yield FakeNode(port=port, answers=answers, key=key)


@pytest.fixture(scope="module", params=DATABASES)
def hub(
    request: pytest.FixtureRequest,
    make_db_url: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[HubServer]:
    """One hub per database; no publicity days, so a connection may follow the publicity."""
    server = HubServer(
        data_dir=tmp_path_factory.mktemp(f"hub-{request.param}"),
        db_url=make_db_url(request.param),
        env={"SMENET_PUBLICITY_DAYS": "0", "SMENET_NODE_TIMEOUT_SECONDS": "3"},
    )
    server.init()
    server.start()
    yield server
    server.stop()


@dataclass
class Actors:
    admin: str
    operator: str
    reviewers: tuple[str, str, str]
    supervisor: str
    nobody: str  # a user without a role


@pytest.fixture(scope="module")
async def actors(hub: HubServer) -> Actors:
    admin = await hub.login()
    return Actors(
        admin=admin,
        operator=await hub.create_user(admin, "operator", "HUB_OPERATOR"),
        reviewers=(
            await hub.create_user(admin, "expert-li", "EXPERT_REVIEWER"),
            await hub.create_user(admin, "expert-zhao", "EXPERT_REVIEWER"),
            await hub.create_user(admin, "expert-wu", "EXPERT_REVIEWER"),
        ),
        supervisor=await hub.create_user(admin, "supervisor", "SUPERVISOR"),
        nobody=await hub.create_user(admin, "nobody"),
    )


# Driving a window


async def status_of(hub: HubServer, window_id: str) -> str:
    return str((await hub.ok(WINDOW, {"id": window_id}))["window"]["status"])


async def review(
    hub: HubServer, token: str, window_id: str, recommendation: str, opinion: str = "材料齐全"
) -> dict[str, Any]:
    variables = {"id": window_id, "s": 85, "o": opinion, "r": recommendation}
    return dict((await hub.ok(REVIEW, variables, token=token))["submitReview"])


async def drive(hub: HubServer, actors: Actors, window_id: str, target: str) -> None:
    """A new window, moved to ``target`` through the workflow."""
    op = actors.operator
    await hub.ok(APPLY, {"i": application(window_id)}, token=op)
    if target == "APPLIED":
        return
    await hub.ok(START_REVIEW, {"id": window_id}, token=op)
    if target == "UNDER_REVIEW":
        return
    await review(hub, actors.reviewers[0], window_id, "APPROVE")
    verdict = "REJECT" if target == "REJECTED" else "APPROVE"
    await review(hub, actors.reviewers[1], window_id, verdict, "服务能力不足")
    if target in ("APPROVED", "REJECTED"):
        return
    await hub.ok(PUBLICITY, {"id": window_id}, token=op)
    assert target == "IN_PUBLICITY"


def jwk() -> dict[str, str]:
    return generate_key().jwk()


# Onboarding, every step


async def test_onboarding_through_every_step_to_revocation(
    hub: HubServer, actors: Actors, node: NodeServer, node_sdl: str
) -> None:
    op, wid = actors.operator, "sz-ns"
    applied = await hub.ok(APPLY, {"i": application(wid)}, token=op)
    assert applied["applyWindow"] == {"id": wid, "status": "APPLIED"}
    public = (await hub.ok(WINDOW, {"id": wid}))["window"]
    assert public["application"]["materials"][0] == {
        "title": "营业执照",
        "description": "副本扫描件",
        "url": "https://example.cn/l.pdf",
    }
    assert public["application"]["industries"] == ["C", "I65"]

    assert (await hub.ok(START_REVIEW, {"id": wid}, token=op))["startReview"]["status"] == (
        "UNDER_REVIEW"
    )
    first = await review(hub, actors.reviewers[0], wid, "APPROVE")
    assert first["window"]["status"] == "UNDER_REVIEW"  # one of the two reviews needed
    assert first["reviewer"] == "expert-li"
    second = await review(hub, actors.reviewers[1], wid, "APPROVE")
    assert second["window"]["status"] == "APPROVED"

    started = (await hub.ok(PUBLICITY, {"id": wid}, token=op))["startPublicity"]
    assert started["status"] == "IN_PUBLICITY"
    assert started["publicityEndsAt"] == started["publicityStartsAt"]  # publicity_days = 0

    # An anonymous objection, while the publicity runs, holds up the connection until resolved.
    await extend_publicity(hub, wid)
    objection = (
        await hub.ok(OBJECT, {"id": wid, "t": "该中心未实际开展服务", "c": "13800000000"})
    )["fileObjection"]
    assert objection["status"] == "OPEN" and objection["filedBy"] == "anonymous"
    await end_publicity(hub, wid)
    variables = {"id": wid, "e": node.url, "k": jwk()}
    held = await hub.call(CONNECT, variables, token=op)
    assert held.codes == ["INVALID_TRANSITION"]
    assert held.errors[0]["extensions"]["openObjections"] == 1
    dismissed = await hub.ok(
        RESOLVE, {"id": objection["id"], "r": "DISMISSED", "n": "经核实服务正常开展"}, token=op
    )
    assert dismissed["resolveObjection"] == {
        "status": "DISMISSED",
        "resolvedBy": "operator",
        "resolutionNote": "经核实服务正常开展",
        "window": {"status": "IN_PUBLICITY"},
    }

    key = load_key(node.data_dir / "node-key.pem").jwk()
    connected = (await hub.ok(CONNECT, {"id": wid, "e": node.url, "k": key}, token=op))[
        "connectWindow"
    ]
    info = (await node.ok("{ nodeInfo { coreSchemaVersion nodeVersion plugins { namespace } } }"))[
        "nodeInfo"
    ]
    assert connected["status"] == "CONNECTED"
    assert connected["endpoint"] == node.url
    assert connected["coreSchemaVersion"] == info["coreSchemaVersion"] == CORE_SCHEMA_VERSION
    assert connected["nodeVersion"] == info["nodeVersion"]
    assert [p["namespace"] for p in connected["plugins"]] == [
        p["namespace"] for p in info["plugins"]
    ]
    assert connected["sdlHash"] == hashlib.sha256(node_sdl.encode()).hexdigest()
    assert connected["keys"] == [{"kid": key["kid"], "jwk": key, "revokedAt": None}]

    # Out of order once connected: nothing moves, nothing is written.
    before = await snapshot(hub.db_url, AUDIT)
    for document, variables, token in [
        (CONNECT, {"id": wid, "e": node.url, "k": jwk()}, op),
        (PUBLICITY, {"id": wid}, op),
        (REINSTATE, {"id": wid}, op),
        (APPLY, {"i": application(wid)}, op),
        (OBJECT, {"id": wid, "t": "异议", "c": "匿名"}, None),
    ]:
        assert (await hub.call(document, variables, token=token)).codes == ["INVALID_TRANSITION"]
    assert await snapshot(hub.db_url, AUDIT) == before

    suspended = (await hub.ok(SUSPEND, {"id": wid, "r": "年度考核数据未按时报送"}, token=op))[
        "suspendWindow"
    ]
    assert suspended == {"status": "SUSPENDED", "statusReason": "年度考核数据未按时报送"}
    reinstated = (await hub.ok(REINSTATE, {"id": wid}, token=op))["reinstateWindow"]
    assert reinstated == {"status": "CONNECTED", "statusReason": None}

    # Key rotation: add the new key, then revoke the old one.
    rotated = jwk()
    added = (await hub.ok(ADD_KEY, {"id": wid, "k": rotated}, token=op))["addWindowKey"]
    assert added == {"kid": rotated["kid"], "revokedAt": None}
    twice = await hub.call(ADD_KEY, {"id": wid, "k": rotated}, token=op)
    assert twice.codes == ["CONFLICT"]
    old = (await hub.ok(REVOKE_KEY, {"id": wid, "kid": key["kid"]}, token=op))["revokeWindowKey"]
    assert old["kid"] == key["kid"] and old["revokedAt"] is not None
    again = await hub.call(REVOKE_KEY, {"id": wid, "kid": key["kid"]}, token=op)
    assert again.codes == ["INVALID_TRANSITION"]

    # Revocation is the HUB_ADMIN's, and takes the remaining keys with it.
    refused = await hub.call(REVOKE, {"id": wid, "r": "严重违规"}, token=op)
    assert refused.codes == ["FORBIDDEN"]
    revoked = (await hub.ok(REVOKE, {"id": wid, "r": "严重违规"}, token=actors.admin))[
        "revokeWindow"
    ]
    assert revoked["status"] == "REVOKED" and revoked["statusReason"] == "严重违规"
    assert all(k["revokedAt"] is not None for k in revoked["keys"])
    before = await snapshot(hub.db_url, AUDIT)
    for document, variables in [
        (SUSPEND, {"id": wid, "r": "x"}),
        (REINSTATE, {"id": wid}),
        (ADD_KEY, {"id": wid, "k": jwk()}),
        (APPLY, {"i": application(wid)}),
    ]:
        assert (await hub.call(document, variables, token=op)).codes == ["INVALID_TRANSITION"]
    assert await snapshot(hub.db_url, AUDIT) == before

    # Every step in the window's history, with its actor, and in the audit log.
    history = (await hub.ok(PRIVATE, {"id": wid}, token=actors.supervisor))["window"]["history"]
    assert [(h["fromStatus"], h["toStatus"], h["actor"]) for h in history] == [
        (None, "APPLIED", "operator"),
        ("APPLIED", "UNDER_REVIEW", "operator"),
        ("UNDER_REVIEW", "APPROVED", "expert-zhao"),
        ("APPROVED", "IN_PUBLICITY", "operator"),
        ("IN_PUBLICITY", "CONNECTED", "operator"),
        ("CONNECTED", "SUSPENDED", "operator"),
        ("SUSPENDED", "CONNECTED", "operator"),
        ("CONNECTED", "REVOKED", "admin"),
    ]
    log = (await hub.ok(AUDIT_LOG, {"op": None}, token=actors.admin))["auditLog"]["edges"]
    entries = [
        (e["node"]["actor"], e["node"]["operation"], e["node"]["result"])
        for e in reversed(log)
        if e["node"]["target"] in (wid, objection["id"])
    ]
    assert entries == [
        ("operator", "applyWindow", "OK"),
        ("operator", "startReview", "OK"),
        ("expert-li", "submitReview", "OK"),
        ("expert-zhao", "submitReview", "OK"),
        ("operator", "startPublicity", "OK"),
        ("anonymous", "fileObjection", "OK"),
        ("operator", "connectWindow", "INVALID_TRANSITION"),
        ("operator", "resolveObjection", "OK"),
        ("operator", "connectWindow", "OK"),
        ("operator", "connectWindow", "INVALID_TRANSITION"),
        ("operator", "startPublicity", "INVALID_TRANSITION"),
        ("operator", "reinstateWindow", "INVALID_TRANSITION"),
        ("operator", "applyWindow", "INVALID_TRANSITION"),
        ("anonymous", "fileObjection", "INVALID_TRANSITION"),
        ("operator", "suspendWindow", "OK"),
        ("operator", "reinstateWindow", "OK"),
        ("operator", "addWindowKey", "OK"),
        ("operator", "addWindowKey", "CONFLICT"),
        ("operator", "revokeWindowKey", "OK"),
        ("operator", "revokeWindowKey", "INVALID_TRANSITION"),
        ("operator", "revokeWindow", "FORBIDDEN"),
        ("admin", "revokeWindow", "OK"),
        ("operator", "suspendWindow", "INVALID_TRANSITION"),
        ("operator", "reinstateWindow", "INVALID_TRANSITION"),
        ("operator", "addWindowKey", "INVALID_TRANSITION"),
        ("operator", "applyWindow", "INVALID_TRANSITION"),
    ]


# Out of order


# Each step, the statuses it may leave, its document, variables and caller.
STEPS: dict[str, tuple[set[str], str, Callable[[str], dict[str, Any]], str]] = {
    "applyWindow": ({"REJECTED"}, APPLY, lambda w: {"i": application(w)}, "operator"),
    "startReview": ({"APPLIED"}, START_REVIEW, lambda w: {"id": w}, "operator"),
    "submitReview": (
        {"UNDER_REVIEW"},
        REVIEW,
        lambda w: {"id": w, "s": 90, "o": "好", "r": "APPROVE"},
        "reviewer",
    ),
    "startPublicity": ({"APPROVED"}, PUBLICITY, lambda w: {"id": w}, "operator"),
    "fileObjection": ({"IN_PUBLICITY"}, OBJECT, lambda w: {"id": w, "t": "异议", "c": "x"}, ""),
    "connectWindow": (
        {"IN_PUBLICITY"},
        CONNECT,
        lambda w: {"id": w, "e": "http://127.0.0.1:9/graphql", "k": jwk()},
        "operator",
    ),
    "suspendWindow": ({"CONNECTED"}, SUSPEND, lambda w: {"id": w, "r": "理由"}, "operator"),
    "reinstateWindow": ({"SUSPENDED"}, REINSTATE, lambda w: {"id": w}, "operator"),
    "revokeWindow": ({"CONNECTED"}, REVOKE, lambda w: {"id": w, "r": "理由"}, "admin"),
    "addWindowKey": ({"CONNECTED"}, ADD_KEY, lambda w: {"id": w, "k": jwk()}, "operator"),
}


@pytest.mark.parametrize(
    "status", ["APPLIED", "UNDER_REVIEW", "APPROVED", "IN_PUBLICITY", "REJECTED"]
)
async def test_every_step_out_of_order_is_refused_and_writes_nothing(
    hub: HubServer, actors: Actors, status: str
) -> None:
    window_id = f"ooo-{status.lower().replace('_', '-')}"
    await drive(hub, actors, window_id, status)
    tokens = {
        "operator": actors.operator,
        "reviewer": actors.reviewers[0],
        "admin": actors.admin,
        "": None,
    }
    before = await snapshot(hub.db_url, AUDIT)
    for name, (allowed_from, document, variables, caller) in STEPS.items():
        if status in allowed_from:
            continue
        result = await hub.call(document, variables(window_id), token=tokens[caller])
        assert result.codes == ["INVALID_TRANSITION"], (name, result.errors)
        assert result.errors[0]["extensions"]["status"] == status
    assert await snapshot(hub.db_url, AUDIT) == before
    assert await status_of(hub, window_id) == status


# Decisions


async def test_a_reviewer_rejects_with_reasons_and_the_window_applies_again(
    hub: HubServer, actors: Actors
) -> None:
    wid = "rejected-once"
    await drive(hub, actors, wid, "UNDER_REVIEW")
    await review(hub, actors.reviewers[0], wid, "APPROVE")
    twice = await hub.call(
        REVIEW, {"id": wid, "s": 60, "o": "再评", "r": "REJECT"}, token=actors.reviewers[0]
    )
    assert twice.codes == ["ALREADY_REVIEWED"]
    bad_score = await hub.call(
        REVIEW, {"id": wid, "s": 101, "o": "满分", "r": "APPROVE"}, token=actors.reviewers[1]
    )
    assert bad_score.codes == ["BAD_INPUT"]
    decided = await review(
        hub, actors.reviewers[1], wid, "REJECT", "服务场所证明缺失，专职人员不足"
    )
    assert decided["window"]["status"] == "REJECTED"
    private = (await hub.ok(PRIVATE, {"id": wid}, token=actors.operator))["window"]
    assert private["rejectionReasons"] == ["服务场所证明缺失，专职人员不足"]
    assert [(r["reviewer"], r["score"]) for r in private["application"]["reviews"]] == [
        ("expert-li", 85),
        ("expert-zhao", 85),
    ]

    # A REJECTED window may apply again: a new round, reviewed afresh.
    again = application(wid, organisation="南山区中小企业服务中心（整改后）")
    assert (await hub.ok(APPLY, {"i": again}, token=actors.operator))["applyWindow"][
        "status"
    ] == "APPLIED"
    rounds = await hub.ok(
        """query($id: ID!) { window(id: $id) { rejectionReasons
          applications { round organisation reviews { score } } } }""",
        {"id": wid},
        token=actors.operator,
    )
    assert rounds["window"]["rejectionReasons"] == []
    assert [(a["round"], len(a["reviews"])) for a in rounds["window"]["applications"]] == [
        (2, 0),
        (1, 2),
    ]


async def test_concurrent_reviews_decide_once(hub: HubServer, actors: Actors) -> None:
    """Three reviews at once where two decide: each step locks the window, so the third finds
    the application decided, and there is exactly one decision."""
    wid = "concurrent"
    await drive(hub, actors, wid, "UNDER_REVIEW")
    results = await asyncio.gather(
        *(
            hub.call(REVIEW, {"id": wid, "s": 80, "o": "同意", "r": "APPROVE"}, token=token)
            for token in actors.reviewers
        )
    )
    assert sorted(code for r in results for code in r.codes) == ["INVALID_TRANSITION"]
    history = (await hub.ok(PRIVATE, {"id": wid}, token=actors.operator))["window"]["history"]
    assert [h["toStatus"] for h in history] == ["APPLIED", "UNDER_REVIEW", "APPROVED"]
    assert (
        len(
            (await hub.ok(PRIVATE, {"id": wid}, token=actors.operator))["window"]["application"][
                "reviews"
            ]
        )
        == 2
    )


async def test_an_upheld_objection_rejects_the_window(hub: HubServer, actors: Actors) -> None:
    wid = "objected"
    await drive(hub, actors, wid, "IN_PUBLICITY")
    await extend_publicity(hub, wid)
    objection = (
        await hub.ok(
            OBJECT,
            {"id": wid, "t": "申报材料中的服务业绩系伪造", "c": "li@example.cn"},
            token=actors.supervisor,
        )
    )["fileObjection"]
    assert objection["filedBy"] == "supervisor"
    note = "经核查，服务业绩材料不实"
    upheld = (
        await hub.ok(
            RESOLVE, {"id": objection["id"], "r": "UPHELD", "n": note}, token=actors.operator
        )
    )["resolveObjection"]
    assert upheld == {
        "status": "UPHELD",
        "resolvedBy": "operator",
        "resolutionNote": note,
        "window": {"status": "REJECTED"},
    }
    private = (await hub.ok(PRIVATE, {"id": wid}, token=actors.operator))["window"]
    assert private["rejectionReasons"] == [note]
    assert private["application"]["objections"] == [
        {"id": objection["id"], "status": "UPHELD", "contact": "li@example.cn"}
    ]
    assert private["history"][-1]["note"] == f"objection upheld: {note}"
    again = await hub.call(
        RESOLVE, {"id": objection["id"], "r": "DISMISSED", "n": "x"}, token=actors.operator
    )
    assert again.codes == ["INVALID_TRANSITION"]


# Connection refused


@pytest.mark.parametrize(
    ("window_id", "endpoint", "code"),
    [
        ("unreachable", "closed-port", "WINDOW_UNREACHABLE"),
        ("not-graphql", "fake", "WINDOW_UNREACHABLE"),
        ("other-window", "real-node", "WINDOW_MISMATCH"),
        ("bad-sdl", "fake", "CONTRACT_VIOLATION"),
        ("old-core", "fake", "INCOMPATIBLE_CORE_VERSION"),
        ("bad-plugins", "fake", "CONTRACT_VIOLATION"),
        ("huge", "fake", "WINDOW_UNREACHABLE"),
        ("trickle", "fake", "WINDOW_UNREACHABLE"),
    ],
)
async def test_connection_refused_when_the_node_fails_a_check(
    hub: HubServer,
    actors: Actors,
    node: NodeServer,
    fake_node: FakeNode,
    window_id: str,
    endpoint: str,
    code: str,
) -> None:
    await drive(hub, actors, window_id, "IN_PUBLICITY")
    url = {
        "closed-port": f"http://127.0.0.1:{free_port()}/graphql",
        "fake": fake_node.url(window_id),
        "real-node": node.url,
    }[endpoint]
    before = await snapshot(hub.db_url, AUDIT)
    started = time.monotonic()
    result = await hub.call(CONNECT, {"id": window_id, "e": url, "k": jwk()}, token=actors.operator)
    assert result.codes == [code], result.errors
    # The node timeout (3 s) bounds the whole read, even of a node that never stops sending.
    assert time.monotonic() - started < 15
    assert await snapshot(hub.db_url, AUDIT) == before
    extensions = result.errors[0]["extensions"]
    if code == "WINDOW_MISMATCH":
        assert extensions["nodeWindowId"] == "sz-ns"
    if window_id == "bad-sdl":
        assert extensions["problems"] == ["Query.services is missing"]
    if code == "INCOMPATIBLE_CORE_VERSION":
        assert extensions["accepted"] == list(ACCEPTED_CORE_SCHEMA_VERSIONS)


async def test_a_node_answering_the_contract_connects_and_a_bad_key_is_refused(
    hub: HubServer, actors: Actors, fake_node: FakeNode
) -> None:
    """The fake node is judged by what it answers: with the real SDL it passes."""
    wid, op = "fake-ok", actors.operator
    await drive(hub, actors, wid, "IN_PUBLICITY")
    url = fake_node.url(wid)
    private = {**jwk(), "d": "c2VjcmV0"}
    for key, reason in [
        ({"kty": "RSA", "n": "x", "e": "AQAB"}, "not a public Ed25519 JWK"),
        (private, "not a public Ed25519 JWK"),
        ({**jwk(), "kid": "mine"}, "thumbprint"),
    ]:
        refused = await hub.call(CONNECT, {"id": wid, "e": url, "k": key}, token=op)
        assert refused.codes == ["INVALID_KEY"] and reason in refused.errors[0]["message"]
    bad_url = await hub.call(CONNECT, {"id": wid, "e": "ftp://example.cn", "k": jwk()}, token=op)
    assert bad_url.codes == ["BAD_INPUT"]
    connected = await hub.ok(CONNECT, {"id": wid, "e": url, "k": fake_node.key}, token=op)
    assert connected["connectWindow"]["status"] == "CONNECTED"
    listed = await hub.ok('{ windows(status: CONNECTED, region: "4403") { id } }')
    assert {"id": wid} in listed["windows"]


# Roles, visibility and the registry


async def test_roles_are_checked_on_every_step(hub: HubServer, actors: Actors) -> None:
    wid = "roles"
    await drive(hub, actors, wid, "APPLIED")
    checks = [
        (APPLY, {"i": application("roles-2")}, None, "UNAUTHENTICATED"),
        (APPLY, {"i": application("roles-2")}, actors.reviewers[0], "FORBIDDEN"),
        (START_REVIEW, {"id": wid}, actors.supervisor, "FORBIDDEN"),
        (START_REVIEW, {"id": wid}, actors.nobody, "FORBIDDEN"),
        (REVIEW, {"id": wid, "s": 1, "o": "x", "r": "APPROVE"}, actors.operator, "FORBIDDEN"),
        (PUBLICITY, {"id": wid}, None, "UNAUTHENTICATED"),
        (SUSPEND, {"id": wid, "r": "x"}, actors.reviewers[0], "FORBIDDEN"),
        (REVOKE, {"id": wid, "r": "x"}, actors.supervisor, "FORBIDDEN"),
        (ADD_KEY, {"id": wid, "k": jwk()}, None, "UNAUTHENTICATED"),
        (
            'mutation { createUser(input: {username: "x", password: "long-enough", roles: []}) { id } }',
            None,
            actors.operator,
            "FORBIDDEN",
        ),
        ("{ users { totalCount } }", None, actors.operator, "FORBIDDEN"),
        (AUDIT_LOG, {"op": None}, actors.operator, "FORBIDDEN"),
        (AUDIT_LOG, {"op": None}, None, "UNAUTHENTICATED"),
        ("{ me { username } }", None, "not-a-token", "UNAUTHENTICATED"),
    ]
    before = await snapshot(hub.db_url, AUDIT)
    for document, variables, token, code in checks:
        result = await hub.call(document, variables, token=token)
        assert result.codes == [code], (document, result.errors)
    assert await snapshot(hub.db_url, AUDIT) == before
    assert await status_of(hub, wid) == "APPLIED"
    supervised = await hub.ok(AUDIT_LOG, {"op": "startReview"}, token=actors.supervisor)
    assert {
        "actor": "supervisor",
        "operation": "startReview",
        "target": wid,
        "result": "FORBIDDEN",
    } in [e["node"] for e in supervised["auditLog"]["edges"]]


async def test_contacts_reviews_and_objections_are_for_hub_roles_only(
    hub: HubServer, actors: Actors
) -> None:
    wid = "private"
    await drive(hub, actors, wid, "IN_PUBLICITY")
    await extend_publicity(hub, wid)
    await hub.ok(OBJECT, {"id": wid, "t": "异议", "c": "13900000000"})
    public = await hub.ok(WINDOW, {"id": wid})
    assert public["window"]["application"]["organisation"] == "深圳市南山区中小企业服务中心"
    anonymous = await hub.call(PRIVATE, {"id": wid})
    assert set(anonymous.codes) == {"UNAUTHENTICATED"}
    # A field per private item, each refused on its own: the rest of the answer stays.
    assert {tuple(e["path"][-2:]) for e in anonymous.errors} == {
        ("window", "rejectionReasons"),
        ("window", "history"),
        ("application", "submittedBy"),
        ("application", "contact"),
        ("application", "reviews"),
        ("application", "objections"),
    }
    no_role = await hub.call(PRIVATE, {"id": wid}, token=actors.nobody)
    assert set(no_role.codes) == {"FORBIDDEN"}
    for token in (actors.supervisor, actors.reviewers[0], actors.operator, actors.admin):
        seen = (await hub.ok(PRIVATE, {"id": wid}, token=token))["window"]["application"]
        assert seen["contact"] == {
            "name": "王敏",
            "phone": "0755-86000000",
            "email": "wangmin@example.cn",
        }
        assert seen["objections"][0]["contact"] == "13900000000"


async def test_windows_filter_by_status_and_region_prefix(hub: HubServer, actors: Actors) -> None:
    await hub.ok(APPLY, {"i": application("gz-th", regionCode="440106")}, token=actors.operator)
    await hub.ok(
        APPLY,
        {"i": application("hz-xh", regionCode="330106", kind="INDUSTRY", industries=["C39"])},
        token=actors.operator,
    )
    query = "query($s: WindowStatus, $r: String) { windows(status: $s, region: $r) { id } }"
    ids = lambda data: {w["id"] for w in data["windows"]}  # noqa: E731
    assert ids(await hub.ok(query, {"r": "33"})) == {"hz-xh"}
    assert {"gz-th", "hz-xh"} <= ids(await hub.ok(query, {"s": "APPLIED"}))
    in_guangzhou = ids(await hub.ok(query, {"r": "4401"}))
    assert in_guangzhou == {"gz-th"}
    bad = await hub.call(query, {"r": "44a"})
    assert bad.codes == ["INVALID_REGION_CODE"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"windowId": "Bad_ID"}, "BAD_INPUT"),
        ({"windowId": "hub"}, "BAD_INPUT"),
        ({"regionCode": "4403"}, "INVALID_REGION_CODE"),
        ({"industries": ["制造业"]}, "INVALID_INDUSTRY_CODE"),
        ({"kind": "INDUSTRY", "industries": []}, "BAD_INPUT"),
        ({"contact": {"name": "王敏"}}, "BAD_INPUT"),
        ({"organisation": "  "}, "BAD_INPUT"),
        ({"materials": [{"title": "x", "url": "javascript:alert(1)"}]}, "BAD_INPUT"),
    ],
)
async def test_a_bad_application_is_refused_and_writes_nothing(
    hub: HubServer, actors: Actors, changes: dict[str, Any], code: str
) -> None:
    before = await snapshot(hub.db_url, AUDIT)
    result = await hub.call(
        APPLY, {"i": application("bad-input", **changes)}, token=actors.operator
    )
    assert result.codes == [code], result.errors
    assert await snapshot(hub.db_url, AUDIT) == before


def test_the_hub_publishes_its_public_key(hub: HubServer) -> None:
    document = hub.jwks()
    assert document == {"keys": [load_key(Path(hub.data_dir) / "hub-key.pem").jwk()]}
    assert "d" not in document["keys"][0]
