"""The public pages' posts are rate-limited per client address: the demand form on its default
limit, the feedback page on one set in the environment; a refusal is a page of its own, 429
with Retry-After, and writes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from node.config import NodeSettings
from tests.node.test_demand_form import form_url, public_form
from tests.support.node_server import NodeServer

FEEDBACK_BURST = 5
DEMANDS = "{ demands { totalCount } }"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    data_dir: Path = tmp_path_factory.mktemp("limited")
    env = {
        "SMENET_FEEDBACK_RATE_PER_MINUTE": "1",
        "SMENET_FEEDBACK_BURST": str(FEEDBACK_BURST),
    }
    server = NodeServer(data_dir=data_dir, window_id="sz-ns", env=env)
    server.init()
    server.start()
    yield server
    server.stop()


async def _posts(url: str, forms: list[dict[str, str]]) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60) as client:
        return list(await asyncio.gather(*(client.post(url, data=form) for form in forms)))


def _refused_as_a_page(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"].startswith("text/html")
    assert "提交过于频繁" in response.text and "后再试" in response.text


async def test_rapid_posts_of_the_demand_form_from_one_address_are_limited(
    node: NodeServer,
) -> None:
    admin = await node.login()
    answers = await _posts(form_url(node), [public_form() for _ in range(30)])
    accepted = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code != 200]
    assert len(refused) > len(accepted) > 0
    for answer in refused:
        _refused_as_a_page(answer)
    default = NodeSettings(window_id="sz-ns", name="窗口", region_code="440305")
    assert len(accepted) <= default.demand_form_burst
    # Only what was accepted was written; the form itself is still shown.
    assert (await node.ok(DEMANDS, token=admin))["demands"]["totalCount"] == len(accepted)
    async with httpx.AsyncClient() as client:
        assert (await client.get(form_url(node))).status_code == 200


async def test_rapid_posts_of_the_feedback_page_from_one_address_are_limited(
    node: NodeServer,
) -> None:
    url = node.url.removesuffix("/graphql") + "/feedback/not-a-token"
    answers = await _posts(url, [{"rating": "5"} for _ in range(20)])
    assert 0 < sum(a.status_code == 404 for a in answers) <= FEEDBACK_BURST
    refused = [a for a in answers if a.status_code != 404]
    for answer in refused:
        _refused_as_a_page(answer)
        assert answer.headers["x-robots-tag"] == "noindex"
