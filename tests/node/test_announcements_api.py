"""Announcements over GraphQL: DRAFT → IN_REVIEW → PUBLISHED | REJECTED, four eyes, public list."""

from __future__ import annotations

import itertools

import pytest

from tests.support.factories import create_user
from tests.support.node_server import NodeServer

CREATE = """mutation($input: AnnouncementInput!) {
  createAnnouncement(input: $input) { announcement { id status author } warnings { code } } }"""
SUBMIT = """mutation($id: ID!) {
  submitAnnouncementForReview(id: $id) { announcement { id status } } }"""
REVIEW = """mutation($id: ID!, $approve: Boolean!, $comment: String) {
  reviewAnnouncement(id: $id, approve: $approve, comment: $comment) {
    announcement { id status reviewer reviewComment publishedAt } } }"""
LIST = """query($status: AnnouncementStatus) {
  announcements(filter: {status: $status}, first: 100) {
    edges { node { id title status author reviewer } } } }"""
_serial = itertools.count()


@pytest.fixture(scope="module")
async def tokens(node: NodeServer, admin: str) -> dict[str, str]:
    made = {"ADMIN": admin}
    for name, role in (("STAFF", "STAFF"), ("STAFF2", "STAFF"), ("READONLY", "READONLY")):
        made[name] = await create_user(node, admin, f"{name.lower()}-ann", role)
    return made


async def _draft(node: NodeServer, token: str) -> str:
    title = f"关于申报专精特新中小企业的通知 {next(_serial)}"
    data = await node.ok(CREATE, {"input": {"title": title, "body": "申报时间：…"}}, token)
    return str(data["createAnnouncement"]["announcement"]["id"])


async def _in_review(node: NodeServer, token: str) -> str:
    announcement = await _draft(node, token)
    await node.ok(SUBMIT, {"id": announcement}, token)
    return announcement


async def _titles(node: NodeServer, token: str | None) -> dict[str, str]:
    data = await node.ok(LIST, {"status": None}, token)
    return {e["node"]["id"]: e["node"]["status"] for e in data["announcements"]["edges"]}


async def test_announcement_is_published_after_review_by_someone_else(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    created = await node.ok(
        CREATE, {"input": {"title": "  政策解读  ", "body": "正文"}}, tokens["STAFF"]
    )
    announcement = created["createAnnouncement"]["announcement"]
    assert announcement["status"] == "DRAFT" and announcement["author"] == "staff-ann"
    submitted = await node.ok(SUBMIT, {"id": announcement["id"]}, tokens["STAFF"])
    assert submitted["submitAnnouncementForReview"]["announcement"]["status"] == "IN_REVIEW"
    reviewed = await node.ok(REVIEW, {"id": announcement["id"], "approve": True}, tokens["ADMIN"])
    published = reviewed["reviewAnnouncement"]["announcement"]
    assert published["status"] == "PUBLISHED" and published["reviewer"] == "admin"
    assert published["publishedAt"] is not None
    assert (await _titles(node, None))[announcement["id"]] == "PUBLISHED"


async def test_rejection_needs_a_comment(node: NodeServer, tokens: dict[str, str]) -> None:
    announcement = await _in_review(node, tokens["STAFF"])
    before = await node.snapshot()
    for comment in (None, "   "):
        result = await node.call(
            REVIEW, {"id": announcement, "approve": False, "comment": comment}, tokens["STAFF2"]
        )
        assert result.codes == ["BAD_INPUT"]
    assert await node.snapshot() == before
    data = await node.ok(
        REVIEW,
        {"id": announcement, "approve": False, "comment": "政策依据已废止"},
        tokens["STAFF2"],
    )
    rejected = data["reviewAnnouncement"]["announcement"]
    assert rejected["status"] == "REJECTED" and rejected["reviewComment"] == "政策依据已废止"
    assert rejected["publishedAt"] is None


async def test_author_cannot_review_their_own_announcement(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    announcement = await _in_review(node, tokens["ADMIN"])
    before = await node.snapshot()
    for approve in (True, False):
        result = await node.call(
            REVIEW, {"id": announcement, "approve": approve, "comment": "ok"}, tokens["ADMIN"]
        )
        assert result.codes == ["FORBIDDEN"]
    assert await node.snapshot() == before


async def test_only_the_author_or_an_admin_submits_a_draft(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    announcement = await _draft(node, tokens["STAFF"])
    before = await node.snapshot()
    assert (await node.call(SUBMIT, {"id": announcement}, tokens["STAFF2"])).codes == ["FORBIDDEN"]
    assert await node.snapshot() == before
    data = await node.ok(SUBMIT, {"id": announcement}, tokens["ADMIN"])
    assert data["submitAnnouncementForReview"]["announcement"]["status"] == "IN_REVIEW"


async def test_announcement_cannot_skip_or_repeat_a_step(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    staff, reviewer = tokens["STAFF"], tokens["STAFF2"]
    draft = await _draft(node, staff)
    in_review = await _in_review(node, staff)
    published = await _in_review(node, staff)
    await node.ok(REVIEW, {"id": published, "approve": True}, reviewer)
    rejected = await _in_review(node, staff)
    await node.ok(REVIEW, {"id": rejected, "approve": False, "comment": "重复"}, reviewer)
    before = await node.snapshot()
    attempts = [
        (REVIEW, {"id": draft, "approve": True}),
        (SUBMIT, {"id": in_review}),
        (SUBMIT, {"id": published}),
        (REVIEW, {"id": published, "approve": False, "comment": "撤回"}),
        (SUBMIT, {"id": rejected}),
        (REVIEW, {"id": rejected, "approve": True}),
    ]
    for query, variables in attempts:
        result = await node.call(query, variables, staff if query is SUBMIT else reviewer)
        assert result.codes == ["INVALID_TRANSITION"], (query, variables)
    assert await node.snapshot() == before


async def test_unknown_announcement_is_not_found(node: NodeServer, tokens: dict[str, str]) -> None:
    missing = "sz-ns:01890000-0000-7000-8000-000000000000"
    assert (await node.call(SUBMIT, {"id": missing}, tokens["STAFF"])).codes == ["NOT_FOUND"]
    result = await node.call(REVIEW, {"id": missing, "approve": True}, tokens["STAFF"])
    assert result.codes == ["NOT_FOUND"]


async def test_readonly_and_anonymous_cannot_change_announcements(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    announcement = await _in_review(node, tokens["STAFF"])
    before = await node.snapshot()
    for token, code in ((tokens["READONLY"], "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        created = await node.call(CREATE, {"input": {"title": "t", "body": "b"}}, token)
        assert created.codes == [code]
        assert (await node.call(SUBMIT, {"id": announcement}, token)).codes == [code]
        reviewed = await node.call(REVIEW, {"id": announcement, "approve": True}, token)
        assert reviewed.codes == [code]
    assert await node.snapshot() == before


async def test_only_published_announcements_are_public(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    draft = await _draft(node, tokens["STAFF"])
    in_review = await _in_review(node, tokens["STAFF"])
    published = await _in_review(node, tokens["STAFF"])
    await node.ok(REVIEW, {"id": published, "approve": True}, tokens["STAFF2"])
    for token in (None, tokens["READONLY"]):
        seen = await _titles(node, token)
        assert seen[published] == "PUBLISHED"
        assert draft not in seen and in_review not in seen
        assert set(seen.values()) == {"PUBLISHED"}
        asked_for_drafts = await node.ok(LIST, {"status": "DRAFT"}, token)
        assert asked_for_drafts["announcements"]["edges"] == []
    staff_view = await _titles(node, tokens["STAFF"])
    assert staff_view[draft] == "DRAFT" and staff_view[in_review] == "IN_REVIEW"
    in_review_only = await node.ok(LIST, {"status": "IN_REVIEW"}, tokens["STAFF"])
    assert {e["node"]["status"] for e in in_review_only["announcements"]["edges"]} == {"IN_REVIEW"}


async def test_anonymous_callers_do_not_see_who_wrote_or_reviewed(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    published = await _in_review(node, tokens["STAFF"])
    await node.ok(REVIEW, {"id": published, "approve": True}, tokens["STAFF2"])
    anonymous = await node.ok(LIST, {"status": "PUBLISHED"}, None)
    mine = [e["node"] for e in anonymous["announcements"]["edges"] if e["node"]["id"] == published]
    assert mine == [
        {
            "id": published,
            "title": mine[0]["title"],
            "status": "PUBLISHED",
            "author": None,
            "reviewer": None,
        }
    ]
    staff = await node.ok(LIST, {"status": "PUBLISHED"}, tokens["READONLY"])
    shown = [e["node"] for e in staff["announcements"]["edges"] if e["node"]["id"] == published]
    assert shown[0]["author"] == "staff-ann" and shown[0]["reviewer"] == "staff2-ann"
