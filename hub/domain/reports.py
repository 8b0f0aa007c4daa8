"""Windows' periodic reports at the hub (DESIGN §7): intake, checks, timeliness.

A report arrives as an outbox message of kind ``report`` (``hub.domain.inbox``): the canonical
JSON the window's node signed, the signature and the key id. The intake stores each report id
once and judges timeliness by when the hub received it against the due date (the period's end +
the configured days). The checks that ask the window's node run afterwards, from a scheduled job
(``verify_pending``), so no network call holds the intake's transaction, and a crash between the
two leaves the report waiting for its checks rather than unchecked:

- BAD_SIGNATURE: the signature does not verify with the window's key of that id (unrevoked when
  the report arrived);
- CHAIN_REWRITTEN: the node's chain entry at the previous report's length − 1 no longer has the
  hash that report named as head (or the chain is shorter than it was): history was rewritten,
  not extended;
- FIGURES_MISMATCH: the node's ``stats`` for the period now differ from the report's figures
  (a closed period changes only when history is corrected);
- LATE: received after its due date (first versions only: a correction is not late);
- WINDOW_OFF_NETWORK: the window was not on the network when the check came: the node was not
  asked;
- UNVERIFIABLE: the node answered the check with an error, or did not answer within
  ``VERIFY_TRIES`` tries, each waiting twice as long as the one before (``Backoff``).

A report with a bad signature is not checked against the node: its claims are not the window's.
Periods follow the protocol's rule (``federation.periods``); the due date is a calendar day in
the hub's time zone (``hub.domain.calendar``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from federation.errors import Conflict, InputError
from federation.gather import Call, Target
from federation.ids import check_window_id, parse_id
from federation.inputs import quote
from federation.periods import Period, ending_within
from federation.signatures import verify as verify_signature
from hub.domain import calendar
from hub.domain.access import HUB_ROLES, Actor, HubRole, require
from hub.domain.deliveries import Backoff
from hub.domain.inbox import handles
from hub.domain.network import Network
from hub.domain.registry import ON_NETWORK
from hub.domain.trust import HubTrust
from hub.models import Report, Window, WindowKey

__all__ = [
    "KINDS",
    "SCHEDULED",
    "DueDays",
    "MissingReport",
    "ReportRow",
    "Timeliness",
    "flagged_reports",
    "late_reports",
    "list_reports",
    "missing_reports",
    "set_due_days",
    "timeliness",
    "verify_pending",
]

KINDS = ("SERVICE_PLAN", "SERVICE_DATA", "SUMMARY")
# The kinds every window owes for every month and quarter (a plan is the window's choice).
SCHEDULED = ("SERVICE_DATA", "SUMMARY")
BAD_SIGNATURE = "BAD_SIGNATURE"
CHAIN_REWRITTEN = "CHAIN_REWRITTEN"
FIGURES_MISMATCH = "FIGURES_MISMATCH"
LATE = "LATE"
WINDOW_OFF_NETWORK = "WINDOW_OFF_NETWORK"
UNVERIFIABLE = "UNVERIFIABLE"
# Tries at asking a node that does not answer before the check ends UNVERIFIABLE; with the
# waits doubling from the job's interval up to VERIFY_MOST_SECONDS, about a day.
VERIFY_TRIES = 12
VERIFY_MOST_SECONDS = 6 * 3600.0
# The longest span the timeliness views count over: every month in it is looked at.
SPAN_YEARS = 10
# The hub's calls to nodes carry the supervision role: they may read stats and history.
SUPERVISION = Actor(username="hub", roles=frozenset({HubRole.SUPERVISOR}))


@dataclass(frozen=True)
class DueDays:
    monthly: int = 10
    quarterly: int = 15


# Set from the hub's settings when the app is built (hub.jobs); the same on every replica.
_due = DueDays()


def set_due_days(due: DueDays) -> None:
    global _due
    _due = due


def due_at(period: Period) -> datetime:
    """The start of the calendar day, in the hub's time zone, by which the period's reports
    are due: the configured days after the period's last day."""
    days = _due.quarterly if period.quarterly else _due.monthly
    day = period.end + timedelta(days=1 + days)
    return datetime.combine(day, time(), calendar.zone()).astimezone(UTC)


# Intake


@handles("report")
async def accept_report(
    window: Window, payload: dict[str, Any], connection: BaseDBAsyncClient
) -> None:
    content_text, signature, kid = (payload.get(k) for k in ("content", "signature", "kid"))
    if not all(isinstance(v, str) and v for v in (content_text, signature, kid)):
        raise InputError("a report message carries content, signature and kid, as text")
    assert isinstance(content_text, str) and isinstance(signature, str) and isinstance(kid, str)
    if len(signature) > 128 or len(kid) > 64:
        raise InputError("a report's signature or key id is longer than one is")
    content = _parse(content_text, window.window_id)
    existing = await Report.filter(report_id=content["id"]).using_db(connection).first()
    if existing is not None:
        if existing.window_id != window.id:  # type: ignore[comparison-overlap]
            raise Conflict(f"report {content['id']} was received from another window")
        return  # the same report in another message: stored once
    received = datetime.now(UTC)
    due = due_at(content["period"])
    late = content["version"] == 1 and received > due
    flags = (
        [_flag(LATE, f"received {received:%Y-%m-%d %H:%M} UTC, due {due:%Y-%m-%d}")] if late else []
    )
    try:
        await Report.create(
            window_id=window.id,
            report_id=content["id"],
            kind=content["kind"],
            period=content["period"].label,
            period_from=content["period"].start,
            period_to=content["period"].end,
            version=content["version"],
            content=content_text,
            signature=signature,
            kid=kid,
            chain_head=content["chain"]["head"],
            chain_length=content["chain"]["length"],
            written_at=content["written_at"],
            created_at=received,
            next_verify_at=received,
            due_at=due,
            late=late,
            flags=flags,
            flagged=late,
            using_db=connection,
        )
    except IntegrityError:
        raise Conflict(
            f"the window already sent version {content['version']} of its {content['kind']}"
            f" report of {content['period'].label} under another id"
        ) from None


def _parse(text: str, window_id: str) -> dict[str, Any]:
    """The checked fields of a report's content, or the InputError that refuses it for good."""
    try:
        content = json.loads(text)
        report_window, _ = parse_id(content["id"])
        chain = content["chain"]
        parsed = {
            "id": content["id"],
            "kind": content["kind"],
            "period": Period.parse(str(content["period"])),
            "version": int(content["version"]),
            "from_to": (date.fromisoformat(content["from"]), date.fromisoformat(content["to"])),
            "written_at": datetime.fromisoformat(content["writtenAt"]),
            "chain": {"head": chain["head"], "length": int(chain["length"])},
            "figures": dict(content["figures"]),
        }
    except (ValueError, KeyError, TypeError, InputError) as error:
        raise InputError(f"the report's content is not a report: {error}") from None
    if content.get("window") != window_id or report_window != window_id:
        raise InputError(f"the report names another window than {window_id}")
    if parsed["kind"] not in KINDS or parsed["version"] < 1 or parsed["chain"]["length"] < 0:
        raise InputError("the report's kind, version or chain length is not one a report has")
    period = parsed["period"]
    if parsed["from_to"] != (period.start, period.end):
        # The period's days come from its label: a window does not choose its own due date.
        raise InputError(
            f"the report's days {parsed['from_to'][0]}..{parsed['from_to'][1]} are not those"
            f" of {period.label}"
        )
    if len(parsed["id"]) > 100:
        raise InputError("the report's id is too long")
    return parsed


def _flag(code: str, detail: str) -> dict[str, str]:
    return {"code": code, "detail": detail}


# Checks that ask the node


async def verify_pending(
    network: Network, trust: HubTrust, backoff: Backoff, batch: int = 20
) -> int:
    """Check the reports received, not yet checked and due a try now, those waiting longest
    first; how many were checked. A report whose node cannot answer now is tried again after
    a wait doubling each time, so a few stuck ones never hold up the rest."""
    checked = 0
    due = Report.filter(verified_at=None, next_verify_at__lte=datetime.now(UTC))
    for report in await due.order_by("next_verify_at", "id").limit(batch):
        checked += await verify(report, network, trust, backoff)
    return checked


async def verify(report: Report, network: Network, trust: HubTrust, backoff: Backoff) -> bool:
    window = await Window.get(id=report.window_id)
    content = json.loads(report.content)
    if not await _signed(report):
        return await _finish(report, [_flag(BAD_SIGNATURE, f"key {report.kid}")])
    previous = await _previous(report)
    flags = []
    if previous is not None and report.chain_length < previous.chain_length:
        flags.append(
            _flag(
                CHAIN_REWRITTEN,
                f"the chain is {report.chain_length} entries long, shorter than the"
                f" {previous.chain_length} of report {previous.report_id}",
            )
        )
    ask_chain = (
        previous is not None
        and previous.chain_length > 0
        and report.chain_length >= previous.chain_length
    )
    figures: dict[str, Any] = content.get("figures") or {}
    if not (ask_chain or figures):
        return await _finish(report, flags)
    if window.status not in ON_NETWORK or not window.endpoint:
        off = _flag(WINDOW_OFF_NETWORK, f"window {window.window_id} is {window.status}")
        return await _finish(report, [*flags, off])
    position = previous.chain_length - 1 if previous is not None and ask_chain else 0
    answer = await _ask_node(window, trust, network, position, ask_chain, report, figures)
    if isinstance(answer, _Unanswered):
        if report.verify_attempts + 1 < VERIFY_TRIES:
            return await _wait(report, answer.why, backoff)
        answer = _Refused(f"no answer in {VERIFY_TRIES} tries: {answer.why}")
    if isinstance(answer, _Refused):
        return await _finish(report, [*flags, _flag(UNVERIFIABLE, answer.why)])
    if ask_chain:
        assert previous is not None
        flags += _chain_flags(previous, answer.get("chainEntry"))
    if figures:
        flags += _figure_flags(figures, answer.get("stats") or {})
    return await _finish(report, flags)


async def _finish(report: Report, flags: list[dict[str, str]]) -> bool:
    report.flags = [*report.flags, *flags]
    report.flagged = bool(report.flags)
    report.verified_at = datetime.now(UTC)
    report.verify_error = None
    await report.save(update_fields=["flags", "flagged", "verified_at", "verify_error"])
    return True


async def _wait(report: Report, why: str, backoff: Backoff) -> bool:
    report.verify_attempts += 1
    report.verify_error = why
    report.next_verify_at = datetime.now(UTC) + backoff.after(report.verify_attempts)
    await report.save(update_fields=["verify_attempts", "verify_error", "next_verify_at"])
    return False


async def _signed(report: Report) -> bool:
    keys = await WindowKey.filter(window_id=report.window_id, kid=report.kid)
    return any(
        (key.revoked_at is None or key.revoked_at > report.created_at)
        and verify_signature(key.jwk, report.content, report.signature)
        for key in keys
    )


async def _previous(report: Report) -> Report | None:
    """The window's report written before this one whose signature held: its chain claims are
    the window's own. By when the node wrote them (signed, in the content), not by arrival:
    two reports pushed close together may be stored in either order (PostgreSQL's commit
    order is not its id order), and the later-written one would then read as a rewrite."""
    earlier = Report.filter(window_id=report.window_id, written_at__lt=report.written_at).order_by(
        "-written_at", "-chain_length"
    )
    for candidate in await earlier.limit(50):
        if await _signed(candidate):
            return candidate
    return None


@dataclass(frozen=True)
class _Unanswered:
    """The node did not answer this time (down, slow): ask again later."""

    why: str


@dataclass(frozen=True)
class _Refused:
    """The node answered with errors (a figure its ``stats`` lacks, a refused token): asking
    again gets the same answer."""

    why: str


def _stats_selection(figures: dict[str, Any]) -> str:
    return " ".join(
        "servicesByCategory { category count }" if name == "servicesByCategory" else name
        for name in figures
        if name.isidentifier()
    )


async def _ask_node(
    window: Window,
    trust: HubTrust,
    network: Network,
    position: int,
    ask_chain: bool,
    report: Report,
    figures: dict[str, Any],
) -> dict[str, Any] | _Unanswered | _Refused:
    """The node's chain entry and stats, or why it did not answer them."""
    # GraphQL refuses a declared variable that is not used: declare what is asked.
    declared, parts, variables = [], [], {}
    if ask_chain:
        declared.append("$position: Int!")
        parts.append("chainEntry(position: $position) { hash }")
        variables["position"] = position
    if figures:
        declared.append("$from: Date!, $to: Date!")
        parts.append(f"stats(from: $from, to: $to) {{ {_stats_selection(figures)} }}")
        variables |= {"from": report.period_from.isoformat(), "to": report.period_to.isoformat()}
    query = f"query({', '.join(declared)}) {{ {' '.join(parts)} }}"
    target = Target(
        window.window_id, window.endpoint, trust.token_maker(window.window_id, SUPERVISION)
    )
    result = await network.gatherer.call(Call(target, query, variables))
    if result.failure is not None:
        # An answer of GraphQL errors without data comes back as a failure carrying them.
        if result.failure.extensions.get("nodeErrors"):
            return _Refused(result.failure.message)
        return _Unanswered(result.failure.message)
    if result.errors or result.data is None:
        return _Refused("; ".join(str(e.get("message")) for e in result.errors) or "no data")
    return result.data


def _chain_flags(previous: Report, entry: dict[str, Any] | None) -> list[dict[str, str]]:
    position = previous.chain_length - 1
    if entry is None:
        return [_flag(CHAIN_REWRITTEN, f"entry {position} is gone from the node's chain")]
    if entry.get("hash") != previous.chain_head:
        return [
            _flag(
                CHAIN_REWRITTEN,
                f"entry {position} hashes to {str(entry.get('hash'))[:12]}…, report"
                f" {previous.report_id} named {str(previous.chain_head)[:12]}… as head",
            )
        ]
    return []


def _figure_flags(figures: dict[str, Any], stats: dict[str, Any]) -> list[dict[str, str]]:
    differing = [
        f"{name}: reported {_show(value)}, node {_show(stats.get(name))}"
        for name, value in figures.items()
        if not _same(value, stats.get(name))
    ]
    return [_flag(FIGURES_MISMATCH, "; ".join(differing))] if differing else []


def _same(reported: Any, current: Any) -> bool:
    if isinstance(reported, list) and isinstance(current, list):

        def key(c: Any) -> str:
            return str(c.get("category")) if isinstance(c, dict) else str(c)

        return sorted(reported, key=key) == sorted(current, key=key)
    if isinstance(reported, float) or isinstance(current, float):
        return (
            reported is not None
            and current is not None
            and math.isclose(float(reported), float(current), abs_tol=1e-6)
        )
    return bool(reported == current)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# Reading


@dataclass(frozen=True)
class ReportRow:
    """A received report as the dashboard and the assessment read it."""

    report_id: str
    window_id: str
    window_name: str
    kind: str
    period: str
    version: int
    received_at: datetime
    due_at: datetime
    late: bool
    verified: bool
    flags: list[dict[str, str]]


@dataclass(frozen=True)
class MissingReport:
    window_id: str
    window_name: str
    kind: str
    period: str
    due_at: datetime


@dataclass(frozen=True)
class Timeliness:
    due: int
    on_time: int
    late: int
    missing: int


async def list_reports(
    actor: Actor,
    window_id: str | None = None,
    kind: str | None = None,
    period: str | None = None,
    flagged: bool | None = None,
    late: bool | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[Report]:
    """Received reports of periods ending within start..end, newest first (hub roles)."""
    require(actor, HUB_ROLES, "read reports")
    query = Report.filter(**_ending(start, end)).prefetch_related("window")
    if window_id is not None:
        query = query.filter(window__window_id=check_window_id(window_id))
    if kind is not None:
        if kind not in KINDS:
            raise InputError(f"kind is one of {', '.join(KINDS)}, not {quote(kind)}", field="kind")
        query = query.filter(kind=kind)
    if period is not None:
        query = query.filter(period=Period.parse(period).label)
    if flagged is not None:
        query = query.filter(flagged=flagged)
    if late is not None:
        query = query.filter(late=late)
    return list(await query.order_by("-id"))


def _row(report: Report, window: Window) -> ReportRow:
    return ReportRow(
        report_id=report.report_id,
        window_id=window.window_id,
        window_name=window.name,
        kind=report.kind,
        period=report.period,
        version=report.version,
        received_at=report.created_at,
        due_at=report.due_at,
        late=report.late,
        verified=report.verified_at is not None,
        flags=list(report.flags),
    )


async def _rows(**filters: Any) -> list[ReportRow]:
    reports = await Report.filter(**filters).prefetch_related("window").order_by("-id")
    return [_row(r, r.window) for r in reports]


async def late_reports(start: date | None = None, end: date | None = None) -> list[ReportRow]:
    """Reports received after their due date, of periods ending within start..end."""
    return await _rows(late=True, **_ending(start, end))


async def flagged_reports(start: date | None = None, end: date | None = None) -> list[ReportRow]:
    """Reports with any discrepancy flagged, of periods ending within start..end."""
    return await _rows(flagged=True, **_ending(start, end))


def _ending(start: date | None, end: date | None) -> dict[str, date]:
    bounds = {}
    if start is not None:
        bounds["period_to__gte"] = start
    if end is not None:
        bounds["period_to__lte"] = end
    return bounds


async def _owed(
    window: Window, start: date, end: date
) -> list[tuple[str, str, datetime, datetime | None]]:
    """(kind, period, due at, first received at or None) of each report the window owes for the
    periods ending within start..end after it was connected and due by now or received."""
    if window.connected_at is None:
        return []
    start = max(start, window.connected_at.astimezone(calendar.zone()).date())
    # Nothing is due for a period not ended by today: the span stops there.
    end = min(end, calendar.local_today())
    received: dict[tuple[str, str], datetime] = {}
    rows = await Report.filter(
        window_id=window.id, kind__in=SCHEDULED, period_to__gte=start, period_to__lte=end
    ).values_list("kind", "period", "created_at")
    for kind, period, at in rows:
        key = (kind, period)
        received[key] = min(at, received.get(key, at))
    now = datetime.now(UTC)
    owed = []
    for period in ending_within(start, end):
        due = due_at(period)
        for kind in SCHEDULED:
            first = received.get((kind, period.label))
            if first is not None or due <= now:
                owed.append((kind, period.label, due, first))
    return owed


def _check_span(start: date, end: date) -> None:
    if end < start:
        raise InputError(f"the span starts ({start}) after it ends ({end})")
    if end - start > timedelta(days=366 * SPAN_YEARS):
        raise InputError(f"a span of reporting is at most {SPAN_YEARS} years")


async def timeliness(window: Window | str, start: date, end: date) -> Timeliness:
    """How the window reported for the months and quarters ending within start..end: reports
    due (by now, or received early), received on time, received late, and missing."""
    _check_span(start, end)
    row = (
        window
        if isinstance(window, Window)
        else await Window.get_or_none(window_id=check_window_id(window))
    )
    if row is None:
        return Timeliness(0, 0, 0, 0)
    owed = await _owed(row, start, end)
    on_time = sum(1 for _, _, due, first in owed if first is not None and first <= due)
    late = sum(1 for _, _, due, first in owed if first is not None and first > due)
    missing = sum(1 for *_, first in owed if first is None)
    return Timeliness(due=len(owed), on_time=on_time, late=late, missing=missing)


async def missing_reports(start: date, end: date) -> list[MissingReport]:
    """Reports due by now from the windows on the network and not received."""
    _check_span(start, end)
    missing = []
    for window in await Window.filter(status__in=list(ON_NETWORK)).order_by("window_id"):
        for kind, period, due, first in await _owed(window, start, end):
            if first is None:
                missing.append(MissingReport(window.window_id, window.name, kind, period, due))
    return missing
