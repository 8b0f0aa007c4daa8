"""Scatter-gather (DESIGN §6): one GraphQL operation sent to many window nodes at once.

The hub's ``network`` fields call this module; it knows nothing of the hub's registry or schema.
The hub picks the windows (CONNECTED and RECTIFYING, narrowed by ids or region prefix), builds
each window's query text (plugin fields only for the windows that have them) and passes:

    gatherer = Gatherer(timeout=5)          # one per hub process; await gatherer.close() at exit
    calls = [Call(Target("sz-ns", url, make_token), query, variables), …]   # one per window
    results = await gatherer.gather(calls)  # one WindowResult per call, in order: data or failure
    got = await gather_connection(gatherer, calls, first=20, after=cursor,
                                  node_path=("services",), error_path=("network", "services"))
    got.page.edges[i].node / .window_id / .cursor; got.page.end_cursor, has_next_page,
    total_count; got.errors → the hub's answer's ``errors``
    result = await gatherer.call(Call(targets[window_of(record_id)], query, {"id": record_id}))
    merge_stats({w: r.data["stats"] …}, {w: await served_enterprise_codes(gatherer, t, …) …})

What each window's failure becomes (``extensions.code``, always with ``extensions.windowId``):

- ``WINDOW_UNAVAILABLE``: connection refused or dropped, or the window's circuit is open;
- ``WINDOW_TIMEOUT``: no whole answer within the per-node timeout;
- ``WINDOW_ERROR``: an answer that is not a GraphQL answer (HTTP 5xx, not JSON) or one without
  data (its own errors are kept in ``extensions.nodeErrors``), or one that cannot be merged;
- ``RESPONSE_TOO_LARGE``: an answer over the size the hub reads (``max_response_bytes``) — what
  the caller asked for, so the caller's error, never counted against the window's breaker.

A window's breaker counts only what the window answers for: refused or dropped connections,
HTTP 5xx, answers that are not GraphQL, timeouts once the call was sent. The caller's own limits
(its operation's cost, checked before any window is asked, and the answer's size) and the hub's
own load (a call waits for one of its ``connections_per_node`` to the window before its timeout
starts; a wait as long as the timeout is ``WINDOW_TIMEOUT`` with reason ``HUB_BUSY``, not
counted) keep a caller from making a healthy window look failing.

Errors a node returns beside its data pass through with their path moved under the hub's field
and ``extensions.windowId`` added (``node_errors``); so do the coded errors of an answer without
data, where the node refused rather than failed (``failure_errors``).

Why aiohttp: one 50-item page query to 30 upstreams on loopback, answers parsed with orjson, cost
~4 ms of client CPU per fan-out with aiohttp against ~32 ms with httpx; all of
``gather_connection`` (checks, breakers, timeouts, the merge into one page: 0.2 ms) ~7 ms
(``python -m bench.gather``, 2 cores). The query goes as text and each answer is parsed once by
orjson; nothing goes through graphql-core on the way.

The circuit breakers live in process memory. They only decide how soon a failing window is
reported (at once while its circuit is open, instead of after its timeout); every window's outcome
is still reported either way, so two hub replicas whose breakers disagree are both right (§10).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import aiohttp
import orjson

from federation.errors import (
    ResponseTooLarge,
    SmenetError,
    WindowError,
    WindowTimeout,
    WindowUnavailable,
)
from federation.ids import parse_id
from federation.merge import (
    SERVED_RECORDS,
    MergedPage,
    NodePage,
    NotMergeable,
    merge_pages,
    served_codes,
    window_afters,
)
from federation.pagination import MAX_PAGE_SIZE, check_first

log = logging.getLogger("smenet.gather")

__all__ = [
    "SCHEMA_HASH_HEADER",
    "BreakerState",
    "Call",
    "CircuitBreaker",
    "Failure",
    "GatheredConnection",
    "Gatherer",
    "Target",
    "WindowResult",
    "failure_error",
    "failure_errors",
    "gather_connection",
    "node_errors",
    "served_enterprise_codes",
    "window_of",
]

ResponsePath = Sequence[str | int]  # a GraphQL response path
Failure = WindowError | ResponseTooLarge  # why a window's answer is not there
ACCEPT = "application/graphql-response+json, application/json;q=0.9"
# A node names the SHA-256 of its SDL in every GraphQL answer, so the hub notices a changed
# schema (a plugin added, a node upgraded) from the answers it gets anyway.
SCHEMA_HASH_HEADER = "smenet-schema-hash"


def window_of(record_id: str) -> str:
    """The window a network ID belongs to, to route ``service(id)``-style lookups to it alone;
    ``InvalidId`` when it is not one."""
    return parse_id(record_id)[0]


@dataclass(frozen=True)
class Target:
    """One window's node as the hub calls it."""

    window_id: str
    url: str  # the node's GraphQL endpoint
    # Makes the request's token: called once per request sent, since a node refuses a token
    # whose id it has seen (federation.trust). None: no Authorization header.
    token: Callable[[], str] | None = None


@dataclass(frozen=True)
class Call:
    target: Target
    query: str
    variables: Mapping[str, Any] | None = None
    # A query may be sent again once when a pooled connection turns out closed by the node
    # before it read the request; a mutation never is.
    idempotent: bool = True


@dataclass
class WindowResult:
    window_id: str
    data: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)  # the node's, beside its data
    failure: Failure | None = None  # set when the window gave no usable answer
    schema_hash: str | None = None  # the node's SCHEMA_HASH_HEADER, when it sent one

    @property
    def ok(self) -> bool:
        return self.failure is None


# --- circuit breaker ------------------------------------------------------------------------


class BreakerState(enum.StrEnum):
    CLOSED = "CLOSED"  # calls go through
    OPEN = "OPEN"  # calls fail at once until the cool-down has passed
    HALF_OPEN = "HALF_OPEN"  # cool-down passed: one probe call may go through


@dataclass
class CircuitBreaker:
    """One window's: after ``failures_to_open`` failures in a row the window is reported
    unavailable at once for ``cool_down`` seconds; then one call probes it, and closes the
    circuit if it succeeds or opens it for another cool-down if not."""

    failures_to_open: int = 5
    cool_down: float = 30.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float | None = None
    probing: bool = False

    @property
    def state(self) -> BreakerState:
        if self.opened_at is None:
            return BreakerState.CLOSED
        if self.clock() - self.opened_at < self.cool_down:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def allow(self) -> bool:
        """Whether a call may go out now; a call allowed in HALF_OPEN is the probe, and must
        end in ``succeeded``, ``failed`` or ``released``."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.OPEN or self.probing:
            return False
        self.probing = True
        return True

    def succeeded(self) -> None:
        self.failures, self.opened_at, self.probing = 0, None, False

    def failed(self) -> None:
        self.failures += 1
        self.probing = False
        if self.failures >= self.failures_to_open:
            self.opened_at = self.clock()

    def released(self) -> None:
        """A call ended without telling anything about the window (it was cancelled)."""
        self.probing = False


# --- the client -----------------------------------------------------------------------------


class _Failed(Exception):
    """Internal: the window failed; ``trips`` says whether it counts against its breaker."""

    def __init__(self, failure: Failure, trips: bool) -> None:
        self.failure, self.trips = failure, trips


class Gatherer:
    """Sends GraphQL operations to window nodes concurrently over one pooled HTTP session.

    One per hub process: its session keeps connections to the nodes alive between requests,
    and its breakers remember which windows keep failing. Use ``async with`` or ``close()``.
    """

    def __init__(
        self,
        timeout: float = 5.0,
        *,
        failures_to_open: int = 5,
        cool_down: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        connections_per_node: int = 16,
        # Below uvicorn's default keep-alive (5 s), so the hub drops an idle connection before
        # the node does and rarely writes into one the node is closing.
        keepalive: float = 4.0,
        max_response_bytes: int = 8 * 1024 * 1024,  # a 100-item page is ~25 KB
    ) -> None:
        if timeout <= 0 or failures_to_open < 1 or cool_down < 0:
            raise ValueError("timeout must be positive, failures_to_open at least 1")
        self.timeout = timeout
        self.failures_to_open = failures_to_open
        self.cool_down = cool_down
        self.clock = clock
        self.connections_per_node = connections_per_node
        self.keepalive = keepalive
        self.max_response_bytes = max_response_bytes
        self._breakers: dict[str, CircuitBreaker] = {}
        # Calls under way per window, at most ``connections_per_node``: no call waits in the
        # connection pool, where its timeout would run before it was sent.
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Gatherer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use: a session belongs to the running event loop.
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=0,
                limit_per_host=self.connections_per_node,
                keepalive_timeout=self.keepalive,
                ttl_dns_cache=300,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),  # nothing carried from one node to another
                timeout=aiohttp.ClientTimeout(total=None),  # the per-node timeout is ours
                trust_env=False,
            )
        return self._session

    def breaker(self, window_id: str) -> CircuitBreaker:
        """The window's breaker (its ``state`` and ``failures`` for the hub's health view)."""
        breaker = self._breakers.get(window_id)
        if breaker is None:
            breaker = CircuitBreaker(self.failures_to_open, self.cool_down, self.clock)
            self._breakers[window_id] = breaker
        return breaker

    def health(self, window_id: str) -> tuple[BreakerState, int]:
        """The window's circuit state and failures in a row; a window not called yet is CLOSED."""
        breaker = self._breakers.get(window_id)
        return (breaker.state, breaker.failures) if breaker else (BreakerState.CLOSED, 0)

    def windows(self) -> set[str]:
        """The windows with a breaker: those called so far and not forgotten."""
        return set(self._breakers)

    def forget(self, window_id: str) -> None:
        """Drop a window's breaker, e.g. when it is revoked or its endpoint changes."""
        self._breakers.pop(window_id, None)
        self._slots.pop(window_id, None)

    async def gather(
        self, calls: Sequence[Call], timeout: float | None = None
    ) -> list[WindowResult]:
        """Send every call at once; one result per call, in the calls' order. Never raises for
        a window's failure: that is the result's ``failure``."""
        if len({call.target.window_id for call in calls}) != len(calls):
            raise ValueError("one call per window")
        return list(await asyncio.gather(*(self.call(call, timeout) for call in calls)))

    async def call(self, call: Call, timeout: float | None = None) -> WindowResult:
        """Send one call, within ``timeout`` (default: the gatherer's per-node timeout)."""
        window_id = call.target.window_id
        breaker = self.breaker(window_id)
        if not breaker.allow():
            failure = WindowUnavailable(
                f"window {window_id} is unavailable: it failed {breaker.failures} times in a "
                f"row, next try after a {breaker.cool_down:g} s pause",
                windowId=window_id,
                reason="CIRCUIT_OPEN",
            )
            return WindowResult(window_id, failure=failure)
        limit = self.timeout if timeout is None else timeout
        slot = self._slots.setdefault(window_id, asyncio.Semaphore(self.connections_per_node))
        try:
            # The wait for one of this hub's connections to the window is the hub's own load:
            # the window's time starts once the call can be sent.
            async with asyncio.timeout(limit):
                await slot.acquire()
        except BaseException as error:
            breaker.released()
            if not isinstance(error, TimeoutError):
                raise
            failure = WindowTimeout(
                f"window {window_id} was not asked: every connection of this hub to it stayed "
                f"busy for {limit:g} s",
                windowId=window_id,
                reason="HUB_BUSY",
            )
            return WindowResult(window_id, failure=failure)
        try:
            return await self._call(call, breaker, limit)
        finally:
            slot.release()

    async def _call(self, call: Call, breaker: CircuitBreaker, limit: float) -> WindowResult:
        window_id = call.target.window_id
        try:
            async with asyncio.timeout(limit):
                payload, schema_hash = await self._send(call)
            data, errors = _graphql_answer(window_id, payload)
        except TimeoutError:
            failure = WindowTimeout(
                f"window {window_id} did not answer within {limit:g} s", windowId=window_id
            )
            breaker.failed()
            return WindowResult(window_id, failure=failure)
        except _Failed as failed:
            if failed.trips:
                breaker.failed()
            else:
                breaker.succeeded()  # the node is up: it answered GraphQL
            return WindowResult(window_id, failure=failed.failure)
        except Exception:  # e.g. the token could not be made: the hub's failure, not the window's
            log.exception("call to window %s failed", window_id)
            breaker.released()
            failure = WindowError(f"window {window_id} could not be asked", windowId=window_id)
            return WindowResult(window_id, failure=failure)
        except BaseException:  # cancelled: the breaker learnt nothing
            breaker.released()
            raise
        breaker.succeeded()
        return WindowResult(window_id, data=data, errors=errors, schema_hash=schema_hash)

    async def _send(self, call: Call) -> tuple[Any, str | None]:
        target = call.target
        body = orjson.dumps({"query": call.query, "variables": dict(call.variables or {})})
        for attempt in (1, 2):
            headers = {"Content-Type": "application/json", "Accept": ACCEPT}
            if target.token is not None:
                headers["Authorization"] = f"Bearer {target.token()}"
            try:
                async with self._client().post(target.url, data=body, headers=headers) as answer:
                    payload = await self._read(target.window_id, answer)
                    return payload, answer.headers.get(SCHEMA_HASH_HEADER)
            except aiohttp.ServerDisconnectedError:
                # A pooled connection the node had closed: safe to send a query again, once.
                if attempt == 2 or not call.idempotent:
                    failure = _unavailable(target.window_id, "closed the connection")
                    raise _Failed(failure, True) from None
            except aiohttp.ClientPayloadError:
                raise _Failed(
                    WindowError(
                        f"window {target.window_id} sent an incomplete answer",
                        windowId=target.window_id,
                    ),
                    True,
                ) from None
            except (aiohttp.ClientError, OSError) as error:
                raise _Failed(_unavailable(target.window_id, type(error).__name__), True) from None
        raise AssertionError("unreachable")

    async def _read(self, window_id: str, answer: aiohttp.ClientResponse) -> Any:
        size = answer.content_length
        if size is not None and size > self.max_response_bytes:
            raise _Failed(_too_large(window_id, self.max_response_bytes, answer.status), False)
        if size is not None:
            raw = await answer.read()
        else:
            chunks, total = [], 0
            async for chunk in answer.content.iter_any():
                total += len(chunk)
                if total > self.max_response_bytes:
                    raise _Failed(
                        _too_large(window_id, self.max_response_bytes, answer.status), False
                    )
                chunks.append(chunk)
            raw = b"".join(chunks)
        if answer.status >= 500:
            raise _Failed(
                WindowError(
                    f"window {window_id} answered HTTP {answer.status}",
                    windowId=window_id,
                    status=answer.status,
                ),
                True,
            )
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            payload = None
        if not isinstance(payload, dict) or not ("data" in payload or "errors" in payload):
            raise _Failed(
                WindowError(
                    f"window {window_id} did not answer GraphQL JSON (HTTP {answer.status})",
                    windowId=window_id,
                    status=answer.status,
                ),
                True,
            )
        return payload


def _unavailable(window_id: str, why: str) -> WindowUnavailable:
    return WindowUnavailable(
        f"window {window_id} is unavailable ({why})", windowId=window_id, reason="UNREACHABLE"
    )


def _too_large(window_id: str, limit: int, status: int) -> ResponseTooLarge:
    return ResponseTooLarge(
        f"window {window_id}'s answer to this operation is over {limit} bytes: ask for fewer "
        "items or fields",
        windowId=window_id,
        status=status,
        max=limit,
    )


def _graphql_answer(
    window_id: str, payload: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    errors = payload.get("errors") or []
    if not isinstance(errors, list) or not all(isinstance(e, dict) for e in errors):
        raise _Failed(
            WindowError(f"window {window_id} sent malformed errors", windowId=window_id), True
        )
    data = payload.get("data")
    if not isinstance(data, dict):
        # A GraphQL answer without data: the node is up (no breaker count), the request failed.
        first = errors[0].get("message", "") if errors else ""
        raise _Failed(
            WindowError(
                f"window {window_id} answered without data: {first}".rstrip(": "),
                windowId=window_id,
                nodeErrors=errors,
            ),
            False,
        )
    return data, errors


# --- errors in the hub's answer -------------------------------------------------------------


def failure_error(failure: SmenetError, path: ResponsePath) -> dict[str, Any]:
    """The GraphQL error of a failed (or refused) window, at the hub's field ``path``."""
    return {
        "message": failure.message,
        "path": list(path),
        "extensions": {"code": failure.code, **failure.extensions},
    }


def failure_errors(
    failure: Failure, path: ResponsePath, node_path: ResponsePath = ()
) -> list[dict[str, Any]]:
    """What a failed window puts in the hub's answer at ``path``: a node that answered without
    data because it refused fields (coded errors with a path, e.g. UNAUTHENTICATED on a non-null
    field) has those passed through like errors beside data; any other failure — a request the
    node could not run at all (errors without a path) included — is one error."""
    refused = failure.extensions.get("nodeErrors")
    if refused and all(
        isinstance(e, dict)
        and isinstance(e.get("path"), list)
        and isinstance(e.get("extensions"), dict)
        and "code" in e["extensions"]
        for e in refused
    ):
        return node_errors(failure.extensions["windowId"], refused, path, node_path)
    return [failure_error(failure, path)]


def node_errors(
    window_id: str,
    errors: Iterable[Mapping[str, Any]],
    error_path: ResponsePath,
    node_path: ResponsePath = (),
    edge_index: Callable[[int], int | None] | None = None,
) -> list[dict[str, Any]]:
    """Errors a node returned beside its data, as the hub answers them.

    A node path under ``node_path`` (where the hub's field sits in the node's answer) moves under
    ``error_path`` (the hub's field in its own answer); any other goes to ``error_path`` itself.
    ``edge_index`` maps a node's edge index to the merged page's, None for an edge the page does
    not show: its error is left out, since it is about data not in this answer (the page that
    shows the item asks the node again and gets the error again). ``locations`` are dropped:
    they point into the hub's query to the node, not the client's."""
    prefix, depth, out = list(error_path), len(node_path), []
    for error in errors:
        path = error.get("path")
        if isinstance(path, list) and path[:depth] == list(node_path):
            rest = path[depth:]
            if edge_index is not None and rest[:1] == ["edges"] and len(rest) > 1:
                index = edge_index(rest[1]) if isinstance(rest[1], int) else None
                if index is None:
                    continue
                rest = ["edges", index, *rest[2:]]
            path = prefix + rest
        else:
            path = prefix
        passed = {k: v for k, v in error.items() if k != "locations"}
        passed["path"] = path
        extensions = error.get("extensions")
        passed["extensions"] = {
            **(extensions if isinstance(extensions, dict) else {}),
            "windowId": window_id,
        }
        out.append(passed)
    return out


# --- merged connections ---------------------------------------------------------------------


@dataclass
class GatheredConnection:
    page: MergedPage
    errors: list[dict[str, Any]]  # one per failed window, then the nodes' own
    results: list[WindowResult]  # each window's, as gathered


def _dig(data: Any, path: ResponsePath) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)  # type: ignore[call-overload]
    return data


async def gather_connection(
    gatherer: Gatherer,
    calls: Sequence[Call],
    *,
    first: int,
    after: str | None,
    node_path: ResponsePath,
    error_path: ResponsePath,
    first_var: str = "first",
    after_var: str = "after",
    id_key: str = "id",
    timeout: float | None = None,
) -> GatheredConnection:
    """One merged page of a list field over the windows of ``calls``.

    Each call's query declares ``$first: Int!`` and ``$after: String`` (names: ``first_var``,
    ``after_var``) for the list at ``node_path`` in its answer, and selects at least
    ``edges { cursor node { id } } pageInfo { hasNextPage }`` (and ``totalCount`` to sum it),
    the ID under the response key ``id_key``; this sets both variables per window from the
    network cursor ``after``."""
    check_first(first)  # InputError, LimitExceeded
    afters = window_afters(after, [call.target.window_id for call in calls])  # InvalidCursor
    sent = [
        replace(
            call,
            variables={
                **(call.variables or {}),
                first_var: first,
                after_var: afters[call.target.window_id],
            },
        )
        for call in calls
    ]
    results = await gatherer.gather(sent, timeout)
    failures: list[dict[str, Any]] = []
    pages: list[NodePage] = []
    answered: list[WindowResult] = []
    for result in results:
        if result.failure is not None:
            failures += failure_errors(result.failure, error_path, node_path)
            continue
        connection = _dig(result.data, node_path)
        if connection is None and result.errors:
            answered.append(result)  # the node nulled the list: its errors say why
            continue
        try:
            pages.append(NodePage.parse(result.window_id, connection, id_key))
        except NotMergeable as error:
            failure = WindowError(
                f"window {result.window_id} answered a list that cannot be merged: {error}",
                windowId=result.window_id,
            )
            failures.append(failure_error(failure, error_path))
            continue
        answered.append(result)
    page = merge_pages(pages, first, after, asked=afters)
    for window_id, why in page.rejected.items():
        failure = WindowError(
            f"window {window_id} answered a list that cannot be merged: {why}", windowId=window_id
        )
        failures.append(failure_error(failure, error_path))
    passed: list[dict[str, Any]] = []
    if any(result.errors for result in answered):
        # Where each window's node edges landed in the merged page, to move their errors there.
        shown: dict[str, dict[int, int]] = {}
        for index, edge in enumerate(page.edges):
            shown.setdefault(edge.window_id, {})[edge.node_index] = index
        for result in answered:
            landed = shown.get(result.window_id, {})
            passed += node_errors(
                result.window_id, result.errors, error_path, node_path, landed.get
            )
    return GatheredConnection(page=page, errors=failures + passed, results=results)


# --- network stats --------------------------------------------------------------------------


async def served_enterprise_codes(
    gatherer: Gatherer,
    target: Target,
    date_from: date,
    date_to: date,
    tz: str = "Asia/Shanghai",
    *,
    max_pages: int = 50,
    timeout: float | None = None,
) -> set[str] | None:
    """Credit codes of the enterprises ``target``'s window served in the period, for the
    distinct count of ``merge_stats``; None when it takes more than ``max_pages`` pages of 100
    records (the count is then unknown rather than slow). Raises the ``WindowError`` of a window
    that fails, or whose answer has no records (its errors in ``extensions.nodeErrors``).

    It walks ``serviceRecords`` because the core contract offers nothing narrower (see
    ``federation.merge.SERVED_RECORDS``)."""
    records: list[Mapping[str, Any]] = []
    after: str | None = None
    for _ in range(max_pages):
        variables = {"first": MAX_PAGE_SIZE, "after": after, "to": date_to.isoformat()}
        result = await gatherer.call(Call(target, SERVED_RECORDS, variables), timeout)
        if result.failure is not None:
            raise result.failure
        connection = _dig(result.data, ("serviceRecords",))
        try:
            records += [edge["node"] for edge in connection["edges"]]
            more, after = connection["pageInfo"]["hasNextPage"], connection["pageInfo"]["endCursor"]
        except (KeyError, TypeError):
            raise WindowError(
                f"window {target.window_id} did not list its service records",
                windowId=target.window_id,
                nodeErrors=result.errors,
            ) from None
        if not more:
            return served_codes(records, date_from, date_to, tz)
    return None
