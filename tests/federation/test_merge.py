"""Merging windows' answers without servers: the network order, the composite cursor, walks over
windows that change between pages, and `stats` totals."""

from __future__ import annotations

import base64
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from federation.errors import InvalidCursor
from federation.ids import make_id, new_uuid
from federation.merge import (
    MergedPage,
    NodePage,
    NotMergeable,
    decode_cursor,
    encode_cursor,
    merge_pages,
    merge_stats,
    order_key,
    window_afters,
)

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


@dataclass
class FakeNode:
    """A window's list as a node keeps it: keyset on the UUID, newest first; cursor = the UUID."""

    window_id: str
    keys: list[uuid.UUID] = field(default_factory=list)

    def add(self, key: uuid.UUID) -> str:
        self.keys.append(key)
        return make_id(self.window_id, key)

    def ids(self) -> list[str]:
        return [make_id(self.window_id, k) for k in sorted(self.keys, reverse=True)]

    def page(self, first: int, after: str | None) -> dict:
        keys = sorted(self.keys, reverse=True)
        if after is not None:
            keys = [k for k in keys if k < uuid.UUID(after)]
        edges = [{"cursor": str(k), "node": {"id": make_id(self.window_id, k)}} for k in keys]
        return {
            "edges": edges[:first],
            "pageInfo": {"hasNextPage": len(edges) > first},
            "totalCount": len(self.keys),
        }


def fetch(nodes: list[FakeNode], first: int, after: str | None, down: set[str] = frozenset()):
    afters = window_afters(after, [n.window_id for n in nodes])
    pages = [
        NodePage.parse(n.window_id, n.page(first, afters[n.window_id]))
        for n in nodes
        if n.window_id not in down
    ]
    return merge_pages(pages, first, after, asked=afters)


def ids_of(page: MergedPage) -> list[str]:
    return [e.node["id"] for e in page.edges]


def test_order_key_is_each_nodes_own_order_and_a_total_order_across_windows() -> None:
    # Same millisecond in two windows, back-dated ones with random low bits, live ones.
    keys = [new_uuid(at=T0) for _ in range(50)] + [new_uuid() for _ in range(50)]
    random.shuffle(keys)
    node_order = [make_id("sz-ns", k) for k in sorted(keys, reverse=True)]
    assert sorted(node_order, key=order_key, reverse=True) == node_order
    # PostgreSQL compares UUIDs as numbers, SQLite as text: both the same order as the key.
    assert sorted(keys, key=str, reverse=True) == sorted(keys, reverse=True)
    a, b = make_id("sz-ns", new_uuid(at=T0)), make_id("gz-th", new_uuid(at=T0))
    assert order_key(a)[0] == order_key(b)[0]  # a tie on time, broken by the ID
    assert sorted([a, b], key=order_key, reverse=True) == [a, b]  # "sz-ns:" > "gz-th:"
    older = make_id("zz-last", new_uuid(at=T0 - timedelta(milliseconds=1)))
    assert sorted([older, b, a], key=order_key, reverse=True) == [a, b, older]


@pytest.mark.parametrize(
    "record_id",
    [
        "sz-ns:not-a-uuid",
        "sz-ns",
        f"SZ:{new_uuid()}",
        f"sz-ns:{uuid.uuid4()}",
        f"sz-ns:{str(new_uuid()).upper()}",
    ],
)
def test_ids_the_order_cannot_place_are_refused(record_id: str) -> None:
    with pytest.raises(NotMergeable):
        order_key(record_id)


def test_a_node_page_must_be_the_windows_own_ids_in_the_node_order() -> None:
    good, odd = FakeNode("sz-ns"), FakeNode("sz-ft")
    for _ in range(3):
        good.add(new_uuid())
        odd.add(new_uuid())
    page = odd.page(3, None)
    broken = {
        "not an ID of window": {**page, "edges": good.page(3, None)["edges"]},
        "is not listed after": {**page, "edges": page["edges"][::-1]},
        "is not listed after ": {**page, "edges": page["edges"][:1] * 2},
        "lacks 'cursor'": {**page, "edges": [{"node": {"id": odd.ids()[0]}}]},
        "lacks 'id'": {**page, "edges": [{"cursor": "c", "node": {}}]},
        "cursor is not a string": {**page, "edges": [{"cursor": 1, "node": {"id": odd.ids()[0]}}]},
        "not a network ID": {**page, "edges": [{"cursor": "c", "node": {"id": "sz-ft:1"}}]},
    }
    for why, answer in broken.items():
        # Checked as the merge pulls the edges; the window is left out, the others merged.
        pages = [NodePage.parse("sz-ns", good.page(3, None)), NodePage.parse("sz-ft", answer)]
        merged = merge_pages(pages, 6, None)  # pulls every edge
        assert ids_of(merged) == good.ids() and list(merged.rejected) == ["sz-ft"], why
        assert why.strip() in merged.rejected["sz-ft"]
    for answer in [
        {"edges": page["edges"]},
        None,
        {**page, "edges": {}},
        {**page, "totalCount": "3"},
    ]:
        with pytest.raises(NotMergeable):
            NodePage.parse("sz-ft", answer)


def test_cursor_round_trip_and_refusals() -> None:
    state = {"sz-ns": "AZWx", "gz-th": "AZWy"}
    assert decode_cursor(encode_cursor(state)) == state
    # Not base64, not JSON, cut short, another version, and JSON that is not an object.
    not_objects = [base64.urlsafe_b64encode(raw).decode() for raw in (b"[1]", b"1", b"null")]
    for bad in ["", "!!!", "bm90IGpzb24", encode_cursor(state)[:-3], "eyJ2IjogMn0", *not_objects]:
        with pytest.raises(InvalidCursor):
            decode_cursor(bad)
    # A window that left is dropped; one that joined starts from its first item.
    assert window_afters(encode_cursor(state), ["sz-ns", "sz-ft"]) == {
        "sz-ns": "AZWx",
        "sz-ft": None,
    }
    assert window_afters(None, ["sz-ns"]) == {"sz-ns": None}


def test_one_page_is_the_newest_of_all_windows_with_sums() -> None:
    nodes = [FakeNode("sz-ns"), FakeNode("sz-ft"), FakeNode("gz-th")]
    for i in range(12):
        nodes[i % 3].add(new_uuid(at=T0 + timedelta(seconds=i)))
    everything = sorted((i for n in nodes for i in n.ids()), key=order_key, reverse=True)
    page = fetch(nodes, 5, None)
    assert ids_of(page) == everything[:5]
    assert page.total_count == 12 and page.has_next_page
    assert [e.window_id for e in page.edges] == ["gz-th", "sz-ft", "sz-ns", "gz-th", "sz-ft"]
    # Each edge's cursor continues right after it.
    assert ids_of(fetch(nodes, 3, page.edges[1].cursor)) == everything[2:5]
    last = fetch(nodes, 100, None)
    assert ids_of(last) == everything and not last.has_next_page
    # first: 0 asks nothing of the order, and still knows whether there is more.
    empty = fetch(nodes, 0, None)
    assert empty.edges == [] and empty.has_next_page and empty.end_cursor is None
    # An empty page continues from where it was asked.
    assert decode_cursor(fetch(nodes, 0, page.end_cursor).end_cursor) == decode_cursor(
        page.end_cursor
    )


def test_total_count_is_none_when_a_window_did_not_say() -> None:
    nodes = [FakeNode("sz-ns"), FakeNode("sz-ft")]
    nodes[0].add(new_uuid())
    pages = [NodePage.parse(n.window_id, n.page(5, None)) for n in nodes]
    pages[1] = NodePage(pages[1].window_id, pages[1].edges, False, None)
    assert merge_pages(pages, 5, None).total_count is None


def walk(nodes_by_step, first, between=lambda step, nodes: None, down=lambda step: set()):
    """Every page of the network list; ``nodes_by_step(step)`` the windows asked at each page."""
    after, step, pages = None, 0, []
    while True:
        nodes = nodes_by_step(step)
        failed = down(step)
        page = fetch(nodes, first, after, failed)
        pages.append(ids_of(page))
        between(step, nodes)
        # A failed window has no say in hasNextPage (a window that stays down must not keep a
        # client paging for ever): a client seeing its error may page on, as here.
        if not page.has_next_page and not failed:
            return pages
        after, step = page.end_cursor, step + 1


def check_walk(pages: list[list[str]]) -> list[str]:
    seen = [i for p in pages for i in p]
    assert len(seen) == len(set(seen)), "an item twice"
    for page in pages:
        assert page == sorted(page, key=order_key, reverse=True), "a page out of order"
    for window in {i.split(":")[0] for i in seen}:
        mine = [i for i in seen if i.startswith(window + ":")]
        assert mine == sorted(mine, key=order_key, reverse=True), "a window out of its order"
    return seen


def test_walking_every_page_with_inserts_between_pages_misses_nothing_and_repeats_nothing() -> None:
    nodes = [FakeNode("sz-ns"), FakeNode("sz-ft"), FakeNode("gz-th")]
    # gz-th's items are all older, so nothing is taken from it for several pages.
    originals = [nodes[2].add(new_uuid(at=T0 + timedelta(seconds=s))) for s in range(4)]
    originals += [
        nodes[i % 2].add(new_uuid(at=T0 + timedelta(minutes=1, seconds=i))) for i in range(11)
    ]
    inserted: list[str] = []

    def insert(step: int, current: list[FakeNode]) -> None:
        for node in current:
            inserted.append(node.add(new_uuid()))

    seen = check_walk(walk(lambda step: nodes, 2, insert))
    assert set(originals) <= set(seen)
    # Inserts on windows with a cursor never show; gz-th's, while it had none, come in once.
    shown_inserts = set(seen) - set(originals)
    assert shown_inserts and all(i.startswith("gz-th:") for i in shown_inserts)


def test_a_window_that_joins_starts_from_its_first_item_and_one_that_leaves_is_dropped() -> None:
    a, b, c = FakeNode("sz-ns"), FakeNode("sz-ft"), FakeNode("gz-th")
    for i in range(6):
        for node in (a, b, c):
            node.add(
                new_uuid(at=T0 + timedelta(seconds=10 * i + len(node.window_id) + (node is c)))
            )
    windows = {0: [a, b], 1: [a, b], 2: [a, b, c], 3: [a, c]}
    pages = walk(lambda step: windows.get(step, [a, c]), 2)
    seen = check_walk(pages)
    assert set(a.ids()) <= set(seen) and set(c.ids()) <= set(seen)
    # b's items up to where it left, in its order; none after.
    seen_b = [i for i in seen if i.startswith("sz-ft:")]
    assert seen_b and seen_b == b.ids()[: len(seen_b)] and len(seen_b) < len(b.ids())
    assert not any(i.startswith("sz-ft:") for p in pages[3:] for i in p)
    # The cursor after b left no longer carries it.
    after = None
    for step in range(4):
        nodes = windows[step]
        after = fetch(nodes, 2, after).end_cursor
    assert set(decode_cursor(after)) <= {"sz-ns", "gz-th"}


def test_a_window_that_failed_on_a_page_loses_nothing() -> None:
    nodes = [FakeNode("sz-ns"), FakeNode("sz-ft")]
    for i in range(10):
        nodes[i % 2].add(new_uuid(at=T0 + timedelta(seconds=i)))
    pages = walk(lambda step: nodes, 2, down=lambda step: {"sz-ft"} if step in (1, 2) else set())
    seen = check_walk(pages)
    assert sorted(seen) == sorted(nodes[0].ids() + nodes[1].ids())


@pytest.mark.parametrize("seed", range(40))
def test_random_walks_with_inserts_joins_leaves_and_failures(seed: int) -> None:
    rng = random.Random(seed)
    names = ["sz-ns", "sz-ft", "gz-th", "fs-sd", "dg-sl"]
    nodes = {n: FakeNode(n) for n in names}
    for node in nodes.values():
        for _ in range(rng.randint(0, 12)):
            # Few distinct milliseconds: many ties, broken by the ID.
            node.add(new_uuid(at=T0 + timedelta(milliseconds=rng.randint(0, 8))))
    start = {n: set(node.ids()) for n, node in nodes.items()}
    # Windows join once (absent at first) or leave for good; some fail now and then.
    present = {n: rng.random() < 0.8 for n in names}
    always = {n for n in names if present[n]}
    changed: set[str] = set()
    failing: set[str] = set()

    def between() -> None:
        failing.clear()
        for n in names:
            if rng.random() < 0.3:
                nodes[n].add(new_uuid())
            if n not in changed and rng.random() < 0.1:
                present[n] = not present[n]
                changed.add(n)
                always.discard(n)
            if rng.random() < 0.1:
                failing.add(n)

    first = rng.randint(1, 4)
    pages = []
    after = None
    for _ in range(500):
        down = set(failing)
        page = fetch([nodes[n] for n in names if present[n]], first, after, down)
        pages.append(ids_of(page))
        assert len(pages[-1]) <= first
        between()
        # Carry on past pages with a failure, as in walk().
        if not page.has_next_page and not down:
            break
        after = page.end_cursor
    else:
        raise AssertionError("the walk did not end")
    seen = [i for p in pages for i in p]
    assert len(seen) == len(set(seen))
    for page_ids in pages:
        assert page_ids == sorted(page_ids, key=order_key, reverse=True)
    for n in always:
        assert start[n] <= set(seen), f"{n} lost items"


def test_stats_totals_from_summed_numerators_and_denominators() -> None:
    rows = {
        "sz-ns": {
            "fromDate": "2025-01-01",
            "toDate": "2025-06-30",
            "servicesDelivered": 10,
            "publicWelfareServices": 9,
            "publicWelfareShare": 0.9,
            "feedbackCount": 10,
            "satisfiedFeedback": 10,
            "satisfactionRate": 1.0,
            "enterprisesServed": 3,
            "medianResponseHours": 2.0,
            "servicesByCategory": [
                {"category": "TRAINING", "count": 4},
                {"category": "POLICY", "count": 6},
            ],
        },
        "gz-th": {
            "fromDate": "2025-01-01",
            "toDate": "2025-06-30",
            "servicesDelivered": 90,
            "publicWelfareServices": 0,
            "publicWelfareShare": 0.0,
            "feedbackCount": 90,
            "satisfiedFeedback": 45,
            "satisfactionRate": 0.5,
            "enterprisesServed": 2,
            "medianResponseHours": None,
            "servicesByCategory": [{"category": "TRAINING", "count": 90}],
        },
        "sz-ft": {
            "servicesDelivered": 0,
            "publicWelfareServices": 0,
            "publicWelfareShare": None,
            "feedbackCount": 0,
            "satisfiedFeedback": 0,
            "satisfactionRate": None,
            "enterprisesServed": 0,
            "medianResponseHours": 30.5,
            "servicesByCategory": [],
        },
    }
    codes = {"sz-ns": ["A", "B", "C"], "gz-th": ["C", "D"], "sz-ft": []}
    stats = merge_stats(rows, codes)
    totals = stats.totals
    assert totals["servicesDelivered"] == 100 and totals["feedbackCount"] == 100
    # 55 of 100 ratings satisfied — not the mean of the rates, (1.0 + 0.5) / 2.
    assert totals["satisfactionRate"] == pytest.approx(0.55)
    assert totals["publicWelfareShare"] == pytest.approx(0.09)
    assert totals["medianResponseHours"] is None  # per window only
    assert stats.windows["sz-ft"]["medianResponseHours"] == 30.5
    assert totals["enterprisesServed"] == 4  # C served by two windows counts once
    assert totals["servicesByCategory"] == [
        {"category": "POLICY", "count": 6},
        {"category": "TRAINING", "count": 94},
    ]
    assert "fromDate" not in totals and stats.codes_missing == []
    # Without a window's codes the distinct count is unknown, never a sum passed off as one.
    partial = merge_stats(rows, {"sz-ns": ["A"]})
    assert partial.totals["enterprisesServed"] is None
    assert partial.codes_missing == ["gz-th", "sz-ft"]
    # No ratings anywhere: no rate, as on a node.
    assert merge_stats({"sz-ft": rows["sz-ft"]}).totals["satisfactionRate"] is None
    with pytest.raises(ValueError, match="satisfactionRate needs"):
        merge_stats({"sz-ns": {"satisfactionRate": 0.5}})
