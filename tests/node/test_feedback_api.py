"""Feedback and follow-ups on a real node: once per record, by staff or through a one-time link."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support.factories import (
    create_enterprise,
    create_service,
    create_service_record,
    staff_and_readonly,
)
from tests.support.node_server import NodeServer

CONTACT = {"name": "李晓红", "phone": "13800138000", "email": "li.xh@example.cn"}
ENTERPRISE_NAME = "深圳市南山区光明精密模具有限公司"
SERVICE_NAME = "模具材料理化性能检测"
SUBMIT = """
mutation($input: FeedbackInput!) {
  submitFeedback(input: $input) { serviceRecordId feedback { rating comment channel at } }
}
"""
LINK = """
mutation($id: ID!) { createFeedbackLink(serviceRecordId: $id) { url qrCodeUrl expiresAt } }
"""
FOLLOW_UP = """
mutation($id: ID!, $input: FollowUpInput!) {
  addFollowUp(serviceRecordId: $id, input: $input) {
    serviceRecord { id followUps { channel result actor } }
  }
}
"""
RECORDS = """
query($enterprise: ID!) {
  serviceRecords(filter: {enterpriseId: $enterprise}) {
    edges { node { id feedback { rating comment channel } followUps { channel result actor } } }
  }
}
"""
CHAIN_LENGTH = "{ nodeInfo { chainLength } }"


@pytest.fixture(scope="module")
async def tokens(node: NodeServer, admin: str) -> dict[str, str]:
    return await staff_and_readonly(node, admin, "feedback")


@pytest.fixture(scope="module")
async def service_id(node: NodeServer, admin: str) -> str:
    return await create_service(node, admin, name=SERVICE_NAME, fee="免费（公益性）")


async def _record(
    node: NodeServer, token: str, service_id: str, *, complete: bool = True
) -> tuple[str, str]:
    """A service record (completed unless told otherwise) and its enterprise's ID."""
    enterprise = await create_enterprise(
        node, token, name=ENTERPRISE_NAME, industryCode="3525", employees=80, contact=CONTACT
    )
    record = await create_service_record(node, token, enterprise, service_id, complete=complete)
    return record, enterprise


async def _chain_length(node: NodeServer) -> int:
    return int((await node.ok(CHAIN_LENGTH))["nodeInfo"]["chainLength"])


async def _stored_record(node: NodeServer, admin: str, enterprise: str) -> dict[str, Any]:
    data = await node.ok(RECORDS, {"enterprise": enterprise}, admin)
    [edge] = data["serviceRecords"]["edges"]
    return dict(edge["node"])


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def _expire_link(node: NodeServer, token: str) -> None:
    """Move a link's expiry into the past behind the node's back."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    if node.db_url.startswith("sqlite://"):
        conn = sqlite3.connect(node.db_url.removeprefix("sqlite://"))
        with conn:
            conn.execute(
                "update feedback_links set expires_at = ? where token_hash = ?",
                ("2020-01-01 00:00:00+00:00", digest),
            )
        conn.close()
        return
    pg = await asyncpg.connect(node.db_url)
    try:
        await pg.execute(
            "update feedback_links set expires_at = now() - interval '1 day' where token_hash = $1",
            digest,
        )
    finally:
        await pg.close()


async def test_staff_feedback_adds_one_chain_entry_and_one_event(
    node: NodeServer, admin: str, tokens: dict[str, str], service_id: str
) -> None:
    record, enterprise = await _record(node, tokens["STAFF"], service_id)
    length, before = await _chain_length(node), await node.snapshot()
    comment = "检测很及时，联系人李晓红很满意"
    data = await node.ok(
        SUBMIT,
        {"input": {"serviceRecordId": record, "rating": 5, "comment": comment}},
        tokens["STAFF"],
    )
    assert data["submitFeedback"]["feedback"]["channel"] == "PHONE_CALLBACK"
    assert await _chain_length(node) == length + 1
    after = await node.snapshot()
    new_events = set(after["domain_events"]) - set(before["domain_events"])
    assert len(new_events) == 1 and "feedback.received" in repr(new_events)
    new_entries = set(after["chain_entries"]) - set(before["chain_entries"])
    assert len(new_entries) == 1
    # The comment may hold personal data: never in the hashed content, nor in the event.
    assert comment not in repr(new_entries) and comment not in repr(new_events)
    stored = await _stored_record(node, admin, enterprise)
    assert stored["feedback"] == {"rating": 5, "comment": comment, "channel": "PHONE_CALLBACK"}


@pytest.mark.parametrize("rating", [0, 6])
async def test_rating_outside_one_to_five_is_refused_and_changes_nothing(
    node: NodeServer, tokens: dict[str, str], service_id: str, rating: int
) -> None:
    record, _ = await _record(node, tokens["STAFF"], service_id)
    before = await node.snapshot()
    result = await node.call(
        SUBMIT, {"input": {"serviceRecordId": record, "rating": rating}}, tokens["STAFF"]
    )
    assert result.codes == ["BAD_INPUT"]
    assert await node.snapshot() == before


async def test_second_feedback_on_a_record_is_refused(
    node: NodeServer, tokens: dict[str, str], service_id: str
) -> None:
    record, _ = await _record(node, tokens["STAFF"], service_id)
    await node.ok(SUBMIT, {"input": {"serviceRecordId": record, "rating": 4}}, tokens["STAFF"])
    before = await node.snapshot()
    again = {"serviceRecordId": record, "rating": 2, "channel": "ON_SITE"}
    result = await node.call(SUBMIT, {"input": again}, tokens["STAFF"])
    assert result.codes == ["FEEDBACK_EXISTS"]
    assert await node.snapshot() == before


async def test_record_in_progress_takes_no_feedback_nor_follow_up(
    node: NodeServer, tokens: dict[str, str], service_id: str
) -> None:
    record, _ = await _record(node, tokens["STAFF"], service_id, complete=False)
    before = await node.snapshot()
    staff = tokens["STAFF"]
    result = await node.call(SUBMIT, {"input": {"serviceRecordId": record, "rating": 5}}, staff)
    assert result.codes == ["INVALID_TRANSITION"]
    follow_up = {"channel": "PHONE", "result": "服务尚在进行"}
    result = await node.call(FOLLOW_UP, {"id": record, "input": follow_up}, staff)
    assert result.codes == ["INVALID_TRANSITION"]
    assert (await node.call(LINK, {"id": record}, staff)).codes == ["INVALID_TRANSITION"]
    assert await node.snapshot() == before


async def test_concurrent_feedback_on_one_record_succeeds_exactly_once(
    node: NodeServer, tokens: dict[str, str], service_id: str
) -> None:
    record, _ = await _record(node, tokens["STAFF"], service_id)
    length, before = await _chain_length(node), await node.snapshot()
    results = await asyncio.gather(
        *(
            node.call(SUBMIT, {"input": {"serviceRecordId": record, "rating": r}}, tokens["STAFF"])
            for r in (1, 2, 3, 4, 5, 1, 2, 3)
        )
    )
    codes = sorted(result.codes[0] if result.errors else "OK" for result in results)
    assert codes == ["FEEDBACK_EXISTS"] * 7 + ["OK"]
    after = await node.snapshot()
    assert len(after["feedback"]) == len(before["feedback"]) + 1
    assert len(after["domain_events"]) == len(before["domain_events"]) + 1
    assert await _chain_length(node) == length + 1


async def test_enterprise_rates_once_through_the_one_time_link_page(
    node: NodeServer, admin: str, tokens: dict[str, str], service_id: str
) -> None:
    record, enterprise = await _record(node, tokens["STAFF"], service_id)
    link = (await node.ok(LINK, {"id": record}, tokens["STAFF"]))["createFeedbackLink"]
    base = f"http://127.0.0.1:{node.port}/feedback/"
    assert link["url"].startswith(base) and link["qrCodeUrl"] == link["url"] + "/qr.svg"
    async with httpx.AsyncClient() as client:
        page = await client.get(link["url"])
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert SERVICE_NAME in page.text and 'type="radio"' in page.text
        for personal in (*CONTACT.values(), ENTERPRISE_NAME):
            assert personal not in page.text
        qr = await client.get(link["qrCodeUrl"])
        assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"
        assert ET.fromstring(qr.content).tag == "{http://www.w3.org/2000/svg}svg"
        thanks = await client.post(link["url"], data={"rating": "4", "comment": "<b>好</b>"})
        assert thanks.status_code == 200 and "感谢" in thanks.text
        stored = await _stored_record(node, admin, enterprise)
        assert stored["feedback"] == {
            "rating": 4,
            "comment": "<b>好</b>",
            "channel": "ONE_TIME_LINK",
        }
        before = await node.snapshot()
        again = await client.post(link["url"], data={"rating": "1"})
        assert again.status_code == 410
        assert (await client.get(link["url"])).status_code == 410
    graphql = {"serviceRecordId": record, "rating": 1, "linkToken": _token(link["url"])}
    assert (await node.call(SUBMIT, {"input": graphql})).codes == ["INVALID_LINK"]
    assert await node.snapshot() == before


async def test_bad_rating_on_the_page_shows_the_form_again(
    node: NodeServer, tokens: dict[str, str], service_id: str
) -> None:
    record, _ = await _record(node, tokens["STAFF"], service_id)
    url = (await node.ok(LINK, {"id": record}, tokens["STAFF"]))["createFeedbackLink"]["url"]
    before = await node.snapshot()
    async with httpx.AsyncClient() as client:
        for form in ({"rating": "9"}, {"rating": "0"}, {"comment": "没选分数"}):
            answer = await client.post(url, data=form)
            assert answer.status_code == 400 and "<form" in answer.text
        assert "没选分数" in answer.text  # what was typed comes back, escaped
        assert (await client.get(url)).status_code == 200  # the link is still good
    assert await node.snapshot() == before


async def test_expired_or_unknown_link_is_refused_and_writes_nothing(
    node: NodeServer, tokens: dict[str, str], service_id: str
) -> None:
    record, _ = await _record(node, tokens["STAFF"], service_id)
    url = (await node.ok(LINK, {"id": record}, tokens["STAFF"]))["createFeedbackLink"]["url"]
    await _expire_link(node, _token(url))
    before = await node.snapshot()
    async with httpx.AsyncClient() as client:
        assert (await client.get(url)).status_code == 410
        assert (await client.post(url, data={"rating": "5"})).status_code == 410
        assert (await client.get(url + "/qr.svg")).status_code == 410
        unknown = url.rsplit("/", 1)[0] + "/not-a-token"
        assert (await client.get(unknown)).status_code == 404
        assert (await client.post(unknown, data={"rating": "5"})).status_code == 404
    graphql = {"serviceRecordId": record, "rating": 5, "linkToken": _token(url)}
    assert (await node.call(SUBMIT, {"input": graphql})).codes == ["INVALID_LINK"]
    assert await node.snapshot() == before


async def test_link_rating_needs_no_login_and_names_the_enterprise_in_the_chain(
    node: NodeServer, admin: str, tokens: dict[str, str], service_id: str
) -> None:
    record, enterprise = await _record(node, tokens["STAFF"], service_id)
    url = (await node.ok(LINK, {"id": record}, tokens["STAFF"]))["createFeedbackLink"]["url"]
    graphql = {"serviceRecordId": record, "rating": 3, "linkToken": _token(url)}
    # Without an account the comment, which may hold personal data, is not echoed back.
    answer = await node.call(SUBMIT, {"input": graphql})
    assert answer.codes == ["FORBIDDEN"] and answer.errors[0]["path"][-1] == "comment"
    assert answer.data["submitFeedback"]["feedback"]["channel"] == "ONE_TIME_LINK"
    entry = await node.ok(
        "query($p: Int!) { chainEntry(position: $p) { kind actor content } }",
        {"p": await _chain_length(node) - 1},
        admin,
    )
    assert entry["chainEntry"]["actor"] == "enterprise"
    assert (await _stored_record(node, admin, enterprise))["feedback"]["rating"] == 3


async def test_link_page_says_so_when_staff_recorded_the_rating_first(
    node: NodeServer, tokens: dict[str, str], service_id: str
) -> None:
    record, _ = await _record(node, tokens["STAFF"], service_id)
    url = (await node.ok(LINK, {"id": record}, tokens["STAFF"]))["createFeedbackLink"]["url"]
    await node.ok(SUBMIT, {"input": {"serviceRecordId": record, "rating": 5}}, tokens["STAFF"])
    before = await node.snapshot()
    async with httpx.AsyncClient() as client:
        assert (await client.post(url, data={"rating": "1"})).status_code == 410
    assert await node.snapshot() == before


async def test_readonly_and_anonymous_callers_cannot_record_feedback_or_follow_ups(
    node: NodeServer, tokens: dict[str, str], service_id: str
) -> None:
    record, _ = await _record(node, tokens["STAFF"], service_id)
    before = await node.snapshot()
    feedback = {"input": {"serviceRecordId": record, "rating": 5}}
    follow_up = {"id": record, "input": {"channel": "PHONE", "result": "满意"}}
    for token, code in ((tokens["READONLY"], "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        assert (await node.call(SUBMIT, feedback, token)).codes == [code]
        assert (await node.call(FOLLOW_UP, follow_up, token)).codes == [code]
        assert (await node.call(LINK, {"id": record}, token)).codes == [code]
    assert await node.snapshot() == before


async def test_follow_up_is_listed_on_its_record_and_chained_without_its_result(
    node: NodeServer, admin: str, tokens: dict[str, str], service_id: str
) -> None:
    record, enterprise = await _record(node, tokens["STAFF"], service_id)
    length, before = await _chain_length(node), await node.snapshot()
    result = "电话回访：企业已按报告调整热处理工艺，联系人李晓红"
    data = await node.ok(
        FOLLOW_UP, {"id": record, "input": {"channel": "PHONE", "result": result}}, tokens["STAFF"]
    )
    expected = [{"channel": "PHONE", "result": result, "actor": "staff-feedback"}]
    assert data["addFollowUp"]["serviceRecord"]["followUps"] == expected
    assert (await _stored_record(node, admin, enterprise))["followUps"] == expected
    assert await _chain_length(node) == length + 1
    new_entries = set((await node.snapshot())["chain_entries"]) - set(before["chain_entries"])
    assert "FOLLOW_UP" in repr(new_entries) and result not in repr(new_entries)


async def test_link_page_refuses_a_form_over_the_size_limit_and_writes_nothing(
    node: NodeServer, tokens: dict[str, str], service_id: str
) -> None:
    record, _ = await _record(node, tokens["STAFF"], service_id)
    url = (await node.ok(LINK, {"id": record}, tokens["STAFF"]))["createFeedbackLink"]["url"]
    before = await node.snapshot()
    async with httpx.AsyncClient() as client:
        # 12,000 characters of 9 url-encoded bytes each: over the page's 32 KiB.
        answer = await client.post(url, data={"rating": "5", "comment": "好" * 12_000})
        assert answer.status_code == 413
        assert (await client.get(url)).status_code == 200  # the link is still good
    assert await node.snapshot() == before


async def _link_as(node: NodeServer, token: str, record: str, host: str) -> dict[str, str]:
    """``createFeedbackLink`` asked with the given ``Host`` header."""
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            node.url,
            json={"query": LINK, "variables": {"id": record}},
            headers={"Authorization": f"Bearer {token}", "Host": host},
        )
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["data"]["createFeedbackLink"])


async def test_feedback_links_never_take_a_forged_host_header(
    node: NodeServer, tokens: dict[str, str], service_id: str
) -> None:
    record, _ = await _record(node, tokens["STAFF"], service_id)
    link = await _link_as(node, tokens["STAFF"], record, "evil.example")
    # No public_url set: the address the node is served at.
    assert link["url"].startswith(f"http://127.0.0.1:{node.port}/feedback/")
    assert link["qrCodeUrl"] == link["url"] + "/qr.svg"


async def test_feedback_links_are_made_from_the_configured_public_url(tmp_path: Path) -> None:
    node = NodeServer(data_dir=tmp_path, window_id="sz-ns")
    node.init("--public-url", "https://window.example/nanshan/")
    node.start()
    try:
        admin = await node.login()
        service = await create_service(node, admin, name=SERVICE_NAME)
        record, _ = await _record(node, admin, service)
        link = await _link_as(node, admin, record, "evil.example")
    finally:
        node.stop()
    assert link["url"].startswith("https://window.example/nanshan/feedback/")
    assert link["qrCodeUrl"] == link["url"] + "/qr.svg"
