"""The demo windows join the hub the way real ones do, through its GraphQL API: application,
expert review, approval, publicity and connection with the node's endpoint and public key.

Each window is taken from wherever a previous run left it, so a demo stopped half-way resumes, and
one already CONNECTED costs a single query.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

from federation.console import CommandError
from smenet.demo.client import GraphQL
from smenet.demo.processes import Server
from smenet.demo.windows import (
    ADMIN_PASSWORD,
    HUB_OPERATOR,
    HUB_PASSWORD,
    HUB_REVIEWERS,
    HUB_USERS,
    DemoWindow,
)

# Written into the hub's smenet.toml, as its operator would: as many reviews as there are demo
# experts, and a publicity that ends at once, so the windows connect in the same run.
HUB_SETTINGS = {"reviews_required": len(HUB_REVIEWERS), "publicity_days": 0}

STATUSES = "{ windows { id status } }"
USERS = "{ users(first: 100) { edges { node { username } } } }"
CREATE_USER = "mutation($i: CreateHubUserInput!) { createUser(input: $i) { id } }"
APPLY = "mutation($i: WindowApplicationInput!) { applyWindow(input: $i) { status } }"
START_REVIEW = "mutation($id: ID!) { startReview(id: $id) { status } }"
REVIEWED = "query($id: ID!) { window(id: $id) { application { reviews { reviewer } } } }"
REVIEW = """mutation($id: ID!, $s: Int!, $o: String!) {
  submitReview(id: $id, score: $s, opinion: $o, recommendation: APPROVE) { window { status } } }"""
PUBLICITY = "mutation($id: ID!) { startPublicity(id: $id) { status } }"
CONNECT = """mutation($id: ID!, $e: String!, $k: JSON!) {
  connectWindow(id: $id, endpoint: $e, jwk: $k) { status } }"""

MATERIALS = (
    ("营业执照（副本）", "运营机构统一社会信用代码证照扫描件"),
    ("服务场所证明", "不少于 300 平方米的固定服务场所租赁合同"),
    ("服务人员名册", "专职服务人员 12 名，其中中级以上职称 5 名"),
    ("近一年服务情况汇总", "服务企业数、服务记录与满意度回访情况"),
    ("服务管理制度", "服务流程、收费标准、投诉处理与档案管理制度"),
)
OPINIONS = (
    (90, "申报材料齐全，服务场所和专职人员满足窗口平台条件，同意接入。"),
    (86, "服务功能与所在区域产业需求契合，建议接入后加强服务数据报送。"),
)


class Onboarding:
    """The hub's people at work: its admin, the operator and the expert reviewers."""

    def __init__(self, http: httpx.Client, hub_url: str) -> None:
        self.public = GraphQL(http, hub_url)
        self.sessions: dict[str, GraphQL] = {}

    def as_user(self, username: str) -> GraphQL:
        if username not in self.sessions:
            password = ADMIN_PASSWORD if username == "admin" else HUB_PASSWORD
            self.sessions[username] = self.public.login(username, password)
        return self.sessions[username]

    def connect(self, nodes: list[tuple[DemoWindow, Server]], stop: threading.Event) -> None:
        """Bring every window to CONNECTED, until stopped."""
        statuses = {w["id"]: w["status"] for w in self.public(STATUSES)["windows"]}
        waiting = [(w, node) for w, node in nodes if statuses.get(w.window_id) != "CONNECTED"]
        if not waiting:
            return
        self._create_users()
        for window, node in waiting:
            if stop.is_set():
                return
            self._onboard(window, node, statuses.get(window.window_id))
            print(f"window {window.window_id} connected to the hub", flush=True)

    def _create_users(self) -> None:
        admin = self.as_user("admin")
        edges = admin(USERS)["users"]["edges"]
        existing = {edge["node"]["username"] for edge in edges}
        for username, role, display_name in HUB_USERS:
            if username not in existing:
                user = {
                    "username": username,
                    "password": HUB_PASSWORD,
                    "roles": [role],
                    "displayName": display_name,
                }
                admin(CREATE_USER, i=user)

    def _onboard(self, window: DemoWindow, node: Server, status: str | None) -> None:
        operator = self.as_user(HUB_OPERATOR[0])
        wid = window.window_id
        while status != "CONNECTED":
            before = status
            if status in (None, "REJECTED"):
                status = operator(APPLY, i=_application(window))["applyWindow"]["status"]
            elif status == "APPLIED":
                status = operator(START_REVIEW, id=wid)["startReview"]["status"]
            elif status == "UNDER_REVIEW":
                status = self._review(wid)
            elif status == "APPROVED":
                status = operator(PUBLICITY, id=wid)["startPublicity"]["status"]
            elif status == "IN_PUBLICITY":
                jwk = _node_key(operator.http, node)
                answer = operator(CONNECT, id=wid, e=node.url, k=jwk)
                status = answer["connectWindow"]["status"]
            else:
                raise CommandError(
                    f"window {wid} is {status} at the hub: the demo connects only windows on"
                    " their way in; start over with another --data folder"
                )
            if status == before:  # e.g. SMENET_REVIEWS_REQUIRED asks for more demo experts
                raise CommandError(f"window {wid} stays {status} at the hub after a step")

    def _review(self, window_id: str) -> str:
        """Every expert who has not reviewed the current application yet does so."""
        operator = self.as_user(HUB_OPERATOR[0])
        reviews = operator(REVIEWED, id=window_id)["window"]["application"]["reviews"]
        done = {review["reviewer"] for review in reviews}
        status = "UNDER_REVIEW"
        for (username, _, _), (score, opinion) in zip(HUB_REVIEWERS, OPINIONS, strict=True):
            if username not in done:
                answer = self.as_user(username)(REVIEW, id=window_id, s=score, o=opinion)
                status = answer["submitReview"]["window"]["status"]
        return status


def _application(window: DemoWindow) -> dict[str, Any]:
    name, phone, email = window.contact
    return {
        "windowId": window.window_id,
        "name": window.name,
        "kind": window.kind.upper(),
        "regionCode": window.region,
        "organisation": window.organisation,
        "contact": {"name": name, "phone": phone, "email": email},
        "serviceScope": window.service_scope,
        "industries": list(window.industries),
        "materials": [{"title": title, "description": text} for title, text in MATERIALS],
    }


def _node_key(http: httpx.Client, node: Server) -> dict[str, Any]:
    """The node's public key, as it publishes it."""
    try:
        keys = http.get(f"{node.base_url}/.well-known/jwks.json").json()["keys"]
    except (httpx.HTTPError, ValueError, KeyError) as error:
        raise CommandError(f"window {node.name}: no public key at its JWKS ({error})") from None
    return dict(keys[0])
