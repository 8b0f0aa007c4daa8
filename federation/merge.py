"""Merging the windows' answers into one network answer (DESIGN §4, §6): Relay connections
merged in the node order under one composite cursor, and `stats` totals.

Pure functions over the nodes' JSON, no I/O: ``federation.gather`` fetches, this merges.

Order. Every node lists newest first by creation time with the ID as tie-break, which it does by
ordering on its UUIDv7 key, descending. Across windows the network orders by
``order_key(id) = (creation millisecond, full network ID)``, descending. Within one window that is
exactly the node's own order: the millisecond is the UUID's top 48 bits, and the IDs of one window
share their ``<windowId>:`` prefix, so the rest compares the canonical lower-case UUID text, which
sorts like the 128-bit number (and like PostgreSQL's uuid and SQLite's text). Across windows it is
a total order any language can reproduce (ASCII comparison, no collation).

Cursor. The network cursor holds, per window, the node's own cursor of the last item taken from
that window; a window with nothing taken yet is absent. The next page asks every window ``first``
items after its own cursor, or from its first item when it has none (a window that joined since,
or one all of whose items so far were older than what was shown), and a window that left is
dropped. Each window answers at most ``first`` items sorted in the network order, so the ``first``
newest of their union are the ``first`` newest of everything not yet shown: one round per page,
no item twice, none skipped. Items inserted on a node between pages are newer than anything shown,
so they sort before that window's cursor and never appear — except from a window with no cursor
yet, which has shown nothing, so they are new to the reader too and come in once at their place
in the page being read. The same holds for a window that failed on a page: the next page asks it
after its last cursor again, so nothing it had is lost.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from federation.errors import InvalidCursor
from federation.inputs import quote
from federation.pagination import check_first

__all__ = [
    "RATES",
    "SERVED_RECORDS",
    "MergedEdge",
    "MergedPage",
    "NetworkStats",
    "NodePage",
    "NotMergeable",
    "decode_cursor",
    "encode_cursor",
    "merge_pages",
    "merge_stats",
    "order_key",
    "served_codes",
    "window_afters",
]

CURSOR_VERSION = 1

# A network ID as nodes write it: window id, colon, canonical lower-case UUIDv7.
_ID = re.compile(
    r"([a-z0-9][a-z0-9-]{1,62}):"
    r"([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
)


class NotMergeable(ValueError):
    """A node's answer lacks what merging needs (cursor, ID, page info) or breaks the order."""


def order_key(record_id: str) -> tuple[int, str]:
    """The network order's key of a record ID: sort descending for newest first."""
    match = _ID.fullmatch(record_id)
    if match is None:
        raise NotMergeable(f"{quote(record_id)} is not a network ID with a UUIDv7")
    # The first 48 bits of a UUIDv7, the Unix millisecond, are its first 12 hex digits.
    return int(match[2] + match[3], 16), record_id


# --- connections ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NodePage:
    """One window's page of a connection, as its node answered it.

    Its edges stay the node's JSON: merging reads only the ones it pulls (about ``first`` plus
    one per window), and checks each as it does — the window's own ID, a cursor, the node order
    (``merge_pages`` drops a window that breaks them, see ``MergedPage.rejected``)."""

    window_id: str
    edges: list[dict[str, Any]]  # {"cursor": …, "node": {"id": …, …}}
    has_next_page: bool
    total_count: int | None
    # Where each node holds its ID: "id", or the alias it was asked under (so a client's own
    # alias `id` cannot collide with it).
    id_key: str = "id"

    @classmethod
    def parse(cls, window_id: str, connection: Any, id_key: str = "id") -> NodePage:
        """Read ``{edges {cursor node {id …}} pageInfo {hasNextPage} totalCount?}``;
        ``NotMergeable`` when the list, its page info or the count is missing or mistyped."""
        if not isinstance(connection, dict):
            raise NotMergeable("the answer has no list where it was asked")
        try:
            edges, has_next = connection["edges"], connection["pageInfo"]["hasNextPage"]
        except KeyError as error:
            raise NotMergeable(f"the answer lacks {error}, needed to merge it") from None
        except TypeError:
            raise NotMergeable("the answer's pageInfo is not an object") from None
        total = connection.get("totalCount")
        if (
            not isinstance(edges, list)
            or not isinstance(has_next, bool)
            or not (total is None or isinstance(total, int))
        ):
            raise NotMergeable("edges, pageInfo.hasNextPage or totalCount has the wrong type")
        return cls(window_id, edges, has_next, total, id_key)


class _Rejected(Exception):
    def __init__(self, n: int, why: str) -> None:
        self.n, self.why = n, why


def _stream(page: NodePage, n: int) -> Iterator[tuple[tuple[int, str], int, int, dict[str, Any]]]:
    """The page's edges as (key, window position, index in the page, edge), each checked when
    pulled."""
    prefix, previous = page.window_id + ":", None
    for i, edge in enumerate(page.edges):
        try:
            record_id, cursor = edge["node"][page.id_key], edge["cursor"]
            key = order_key(record_id)
        except (KeyError, TypeError) as error:
            raise _Rejected(n, f"an edge lacks {error}") from None
        except NotMergeable as error:
            raise _Rejected(n, str(error)) from None
        if not isinstance(cursor, str):
            raise _Rejected(n, "an edge's cursor is not a string")
        if not record_id.startswith(prefix):
            raise _Rejected(n, f"{record_id} is not an ID of window {page.window_id}")
        if previous is not None and previous <= key:
            raise _Rejected(n, f"{record_id} is not listed after {previous[1]}")
        previous = key
        # Keys are unique across windows (the ID is in them), so tuples never compare edges.
        yield key, n, i, edge


@dataclass
class MergedEdge:
    window_id: str
    node: dict[str, Any]
    node_cursor: str  # the window's own cursor of this item
    node_index: int  # its place in the window's page, to move the node's errors about it
    _page: MergedPage = field(repr=False)
    _index: int = field(repr=False)

    @property
    def cursor(self) -> str:
        """The network cursor just after this edge; built only when a client asks for it."""
        return self._page.cursor_at(self._index)


@dataclass
class MergedPage:
    edges: list[MergedEdge]
    has_next_page: bool
    # Summed over the windows that answered; None when any answer lacks it (not asked).
    total_count: int | None
    start: dict[str, str]  # per-window cursors the page started from (windows still asked)
    # Windows whose answer broke what merging needs, and why: left out of the page, keeping
    # their cursor, like a window that failed (the caller reports them as WINDOW_ERROR).
    rejected: dict[str, str] = field(default_factory=dict)

    def cursor_at(self, index: int) -> str:
        state = dict(self.start)
        for edge in self.edges[: index + 1]:
            state[edge.window_id] = edge.node_cursor
        return encode_cursor(state)

    @property
    def end_cursor(self) -> str | None:
        """After the last edge; for an empty page, where it started (as a node does)."""
        if self.edges:
            return self.cursor_at(len(self.edges) - 1)
        return encode_cursor(self.start) if self.start else None


def encode_cursor(state: Mapping[str, str]) -> str:
    """Opaque to clients: base64url of compact JSON ``{"v": 1, "w": {windowId: nodeCursor}}``."""
    payload = orjson.dumps({"v": CURSOR_VERSION, "w": dict(state)}, option=orjson.OPT_SORT_KEYS)
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> dict[str, str]:
    """The per-window node cursors a network cursor holds; ``InvalidCursor`` if it is not one."""
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise InvalidCursor(f"{quote(cursor)} is not a cursor of this list") from None
    state = payload.get("w") if isinstance(payload, dict) else None
    if (
        not isinstance(state, dict)
        or payload.get("v") != CURSOR_VERSION
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in state.items())
    ):
        raise InvalidCursor(f"{quote(cursor)} is not a cursor of this list")
    return state


def window_afters(after: str | None, windows: Iterable[str]) -> dict[str, str | None]:
    """The ``after`` to send each window asked now: its own cursor, or None (from its first item).

    Windows in the cursor that are not asked now (left, suspended, narrowed away) are dropped."""
    state = decode_cursor(after) if after is not None else {}
    return {window: state.get(window) for window in windows}


def merge_pages(
    pages: Sequence[NodePage],
    first: int,
    after: str | None,
    asked: Iterable[str] | None = None,
) -> MergedPage:
    """The ``first`` newest items of the windows' pages, each window's page asked with ``first``
    items after its cursor in ``after`` (``window_afters``).

    ``asked``: every window asked for this page (default: those in ``pages``). One that failed is
    asked but not in ``pages``: it keeps its cursor, so the next page asks it from there again.
    One not asked (it left) is dropped from the cursor."""
    check_first(first)
    previous = decode_cursor(after) if after is not None else {}
    asked = {p.window_id for p in pages} if asked is None else set(asked)
    start = {window: cursor for window, cursor in previous.items() if window in asked}
    pages = list(pages)
    rejected: dict[str, str] = {}
    while True:
        try:
            return _merge(pages, first, start, rejected)
        except _Rejected as bad:  # rare: a node broke the contract; merge again without it
            rejected[pages[bad.n].window_id] = bad.why
            del pages[bad.n]


def _merge(
    pages: list[NodePage], first: int, start: dict[str, str], rejected: dict[str, str]
) -> MergedPage:
    page = MergedPage(
        edges=[], has_next_page=False, total_count=0, start=dict(start), rejected=rejected
    )
    streams = [_stream(p, n) for n, p in enumerate(pages)]
    taken = [0] * len(pages)
    for _, n, i, edge in itertools.islice(heapq.merge(*streams, reverse=True), first):
        taken[n] += 1
        window_id, node, cursor = pages[n].window_id, edge["node"], edge["cursor"]
        page.edges.append(MergedEdge(window_id, node, cursor, i, page, len(page.edges)))
    for n, node_page in enumerate(pages):
        if taken[n] < len(node_page.edges) or node_page.has_next_page:
            page.has_next_page = True
        if page.total_count is not None:
            page.total_count = (
                None if node_page.total_count is None else page.total_count + node_page.total_count
            )
    return page


# --- stats ----------------------------------------------------------------------------------

# A rate of the node's Stats and the counts it is computed from: network rates are recomputed
# from the summed counts, never averaged (an average of rates weighs a small window like a big one).
RATES: dict[str, tuple[str, str]] = {
    "satisfactionRate": ("satisfiedFeedback", "feedbackCount"),
    "publicWelfareShare": ("publicWelfareServices", "servicesDelivered"),
}
# Counts that must not be summed: an enterprise served by two windows is one enterprise.
DISTINCT = {"enterprisesServed"}
# Period fields: the same for every window, taken from the request, not merged.
PERIOD = {"fromDate", "toDate"}


@dataclass
class NetworkStats:
    """``network.stats``: totals over the windows that answered, and one row per window.

    ``totals`` has the node's Stats field names: counts summed, rates from summed numerators and
    denominators, ``servicesByCategory`` summed per category, medians None (a median of medians
    means nothing: they are in the per-window rows), ``enterprisesServed`` the number of distinct
    credit codes — or None when some window's codes are missing (``codes_missing``)."""

    totals: dict[str, Any]
    windows: dict[str, dict[str, Any]]  # window id → that node's Stats as it answered
    codes_missing: list[str]


def merge_stats(
    rows: Mapping[str, Mapping[str, Any]],
    enterprise_codes: Mapping[str, Iterable[str]] | None = None,
) -> NetworkStats:
    """Totals of the windows' ``stats`` answers (``rows``: window id → Stats JSON, any subset of
    its fields). ``enterprise_codes``: per window, the credit codes of the enterprises it served in
    the period, for the distinct count."""
    totals: dict[str, Any] = {}
    rates: set[str] = set()
    for row in rows.values():
        for name, value in row.items():
            if name in PERIOD or name in DISTINCT:
                continue
            if name in RATES:
                rates.add(name)
            elif name == "servicesByCategory":
                by_category = totals.setdefault(name, {})
                for item in value or ():
                    category = item["category"]
                    by_category[category] = by_category.get(category, 0) + item["count"]
            elif isinstance(value, bool) or not isinstance(value, int):
                totals.setdefault(name, None)  # medians, plugin `ext`: per window only
            else:
                totals[name] = (totals.get(name) or 0) + value
    for rate in rates:
        numerator, denominator = RATES[rate]
        if numerator not in totals or denominator not in totals:
            raise ValueError(f"{rate} needs {numerator} and {denominator} asked of every window")
        # The node's rule: null when there is nothing to divide by.
        totals[rate] = totals[numerator] / totals[denominator] if totals[denominator] else None
    if "servicesByCategory" in totals:
        totals["servicesByCategory"] = [
            {"category": c, "count": n} for c, n in sorted(totals["servicesByCategory"].items())
        ]
    missing = sorted(set(rows) - set(enterprise_codes or {}))
    if any("enterprisesServed" in row for row in rows.values()):
        codes: set[str] = set()
        for window in rows:
            codes.update((enterprise_codes or {}).get(window, ()))
        totals["enterprisesServed"] = None if missing else len(codes)
    return NetworkStats(
        totals=totals, windows={w: dict(r) for w, r in rows.items()}, codes_missing=missing
    )


# The core has no field listing the enterprises a window served in a period, only their number.
# ``serviceRecords`` carries what decides it, so the exact set comes from walking the records
# started by the period's end (one completed in the period was started by then) and keeping the
# ones completed in it — see ``federation.gather.served_enterprise_codes``.
SERVED_RECORDS = """query($first: Int!, $after: String, $to: Date) {
  serviceRecords(filter: {toDate: $to}, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { status completedAt enterprise { uscc } } } } }"""


def served_codes(
    records: Iterable[Mapping[str, Any]], date_from: date, date_to: date, tz: str
) -> set[str]:
    """Credit codes of the enterprises of the records completed on the calendar days
    ``date_from``..``date_to`` in time zone ``tz``: what a node's ``enterprisesServed`` counts."""
    zone, codes = ZoneInfo(tz), set[str]()
    for record in records:
        completed, enterprise = record.get("completedAt"), record.get("enterprise")
        if not completed or not enterprise or not enterprise.get("uscc"):
            continue
        day = datetime.fromisoformat(completed).astimezone(zone).date()
        if date_from <= day <= date_to:
            codes.add(enterprise["uscc"])
    return codes
