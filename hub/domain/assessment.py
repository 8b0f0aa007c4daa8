"""The yearly assessment of windows and their agencies (DESIGN §7, seed 001 第十二、十三条).

    assess (HUB_OPERATOR, HUB_ADMIN)   a window's year: its indicators read from its node, scored
                                       (``hub.domain.scoring``), stored with their evidence, its
                                       agencies' too; a window FAIL → RECTIFYING with a deadline
    re-check, revocation               ``hub.domain.rectification``
    override (HUB_OPERATOR, HUB_ADMIN) another grade, with a written reason; the computed one is
                                       kept beside it, and the window follows the new grade
    read (those and SUPERVISOR)        assessments, with per-indicator scores and evidence

An assessment is read in two steps, so no database transaction waits on a node: ``prepare_*``
reads the node, ``write_*`` stores the result and moves the window in one transaction.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from federation.errors import Conflict, InputError, InvalidTransition, NotFound, SmenetError
from federation.ids import check_window_id
from federation.inputs import required_text
from hub.domain import registry
from hub.domain.access import Actor, require
from hub.domain.calendar import local_today
from hub.domain.indicators import ASSESSORS, INDICATOR_READERS, WindowIndicators, read_indicators
from hub.domain.network import Network
from hub.domain.registry import WindowStatus
from hub.domain.scoring import Grade, Indicators, Rules, Verdict, score
from hub.domain.trust import HubTrust
from hub.models import Assessment, Rectification, RevocationRequest, Window

__all__ = [
    "AssessmentKind",
    "PreparedAssessment",
    "PreparedRun",
    "RectificationStatus",
    "RevocationStatus",
    "get_assessment",
    "list_assessments",
    "override_assessment",
    "prepare_assessment",
    "prepare_run",
    "write_assessment",
    "write_run",
    "year_period",
]

TEXT_LIMIT = 4000


class AssessmentKind(enum.StrEnum):
    YEARLY = "YEARLY"
    RECHECK = "RECHECK"


class RectificationStatus(enum.StrEnum):
    OPEN = "OPEN"
    PASSED = "PASSED"  # the re-check passed: CONNECTED again
    FAILED = "FAILED"  # the re-check failed: a revocation request was filed
    WAIVED = "WAIVED"  # the FAIL was overridden


class RevocationStatus(enum.StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"  # the failed re-check was overridden


def year_period(year: int) -> tuple[date, date]:
    """1 January to 31 December of a year that has begun."""
    if not 2000 <= year <= local_today().year:
        raise InputError(f"year must be from 2000 to this year, got {year}", field="year")
    return date(year, 1, 1), date(year, 12, 31)


@dataclass(frozen=True)
class PreparedAssessment:
    """What a node answered, scored: ready for ``write_assessment``."""

    kind: AssessmentKind
    year: int
    read: WindowIndicators
    verdict: Verdict
    agencies: list[tuple[str, str, Indicators, Verdict]]  # network ID, name, figures, verdict


async def prepare_assessment(
    actor: Actor,
    network: Network,
    trust: HubTrust,
    rules: Rules,
    window_id: str,
    year: int,
    kind: AssessmentKind = AssessmentKind.YEARLY,
    period: tuple[date, date] | None = None,
) -> PreparedAssessment:
    """Read and score a window's indicators of ``year`` (or of ``period``, for a re-check)."""
    require(actor, ASSESSORS, "assess windows")
    date_from, date_to = period or year_period(year)
    if kind is AssessmentKind.YEARLY and await _exists(window_id, year, kind):
        raise Conflict(f"window {window_id} already has a {kind} assessment of {year}")
    read = await read_indicators(actor, network, trust, window_id, date_from, date_to)
    agencies = [
        (a.agency_id, a.name, a.indicators, score(a.indicators, rules, agency=True))
        for a in read.agencies
    ]
    return PreparedAssessment(kind, year, read, score(read.indicators, rules), agencies)


async def _exists(window_id: str, year: int, kind: AssessmentKind) -> bool:
    query = Assessment.filter(
        window__window_id=check_window_id(window_id), year=year, kind=kind.value, agency_ref=""
    )
    return await query.exists()


def _scores(verdict: Verdict) -> list[dict[str, Any]]:
    return [{**asdict(s), "indicator": s.indicator.value} for s in verdict.scores]


async def store(
    actor: Actor, prepared: PreparedAssessment, connection: BaseDBAsyncClient
) -> Assessment:
    """The window's assessment and its agencies', inside the caller's transaction."""
    window = prepared.read.window
    # A year has one assessment of its own, and as many re-checks as it has rectifications
    # (a FAIL overridden and restored opens another): each its own round.
    rounds = (
        await Assessment.filter(
            window_id=window.id, year=prepared.year, kind=prepared.kind.value, agency_ref=""
        )
        .using_db(connection)
        .count()
    )
    if prepared.kind is AssessmentKind.YEARLY and rounds:
        raise Conflict(
            f"window {window.window_id} already has a {prepared.kind} assessment of {prepared.year}"
        )
    common = {
        "window_id": window.id,
        "year": prepared.year,
        "kind": prepared.kind.value,
        "round": rounds,
        "assessed_by": actor.username,
        "using_db": connection,
    }
    x = prepared.read.indicators
    assessment = await Assessment.create(
        date_from=x.date_from,
        date_to=x.date_to,
        grade=prepared.verdict.grade.value,
        total=prepared.verdict.total,
        scores=_scores(prepared.verdict),
        figures=x.figures(),
        **common,
    )
    for agency_id, name, figures, verdict in prepared.agencies:
        await Assessment.create(
            agency_ref=agency_id,
            agency_name=name,
            date_from=figures.date_from,
            date_to=figures.date_to,
            grade=verdict.grade.value,
            total=verdict.total,
            scores=_scores(verdict),
            figures=figures.figures(),
            **common,
        )
    return assessment


async def write_assessment(
    actor: Actor, prepared: PreparedAssessment, rectification_days: int
) -> Assessment:
    """Store a yearly assessment; a window's FAIL opens its rectification."""
    require(actor, ASSESSORS, "assess windows")
    async with in_transaction() as connection:
        assessment = await store(actor, prepared, connection)
        if prepared.verdict.grade is Grade.FAIL:
            await open_rectification(actor, assessment, rectification_days, connection)
        return assessment


@dataclass(frozen=True)
class PreparedRun:
    """Every window on the network, read for one year: ready for ``write_run``."""

    prepared: list[PreparedAssessment]
    skipped: list[str]  # windows already assessed that year
    failed: list[tuple[str, SmenetError]]  # windows whose node could not be read


async def prepare_run(
    actor: Actor, network: Network, trust: HubTrust, rules: Rules, year: int
) -> PreparedRun:
    """Read every window on the network (CONNECTED or RECTIFYING) for ``year``, side by side."""
    require(actor, ASSESSORS, "assess windows")
    year_period(year)
    windows = await Window.filter(status__in=list(registry.ON_NETWORK)).order_by("window_id")
    outcomes = await asyncio.gather(
        *(prepare_assessment(actor, network, trust, rules, w.window_id, year) for w in windows),
        return_exceptions=True,
    )
    run = PreparedRun([], [], [])
    for window, outcome in zip(windows, outcomes, strict=True):
        if isinstance(outcome, PreparedAssessment):
            run.prepared.append(outcome)
        elif isinstance(outcome, Conflict):
            run.skipped.append(window.window_id)
        elif isinstance(outcome, SmenetError):
            run.failed.append((window.window_id, outcome))
        else:
            raise outcome
    return run


async def write_run(actor: Actor, run: PreparedRun, rectification_days: int) -> list[Assessment]:
    return [await write_assessment(actor, p, rectification_days) for p in run.prepared]


def effective_grade(assessment: Assessment) -> Grade:
    return Grade(assessment.override_grade or assessment.grade)


async def open_rectification(
    actor: Actor, assessment: Assessment, days: int, connection: BaseDBAsyncClient
) -> Rectification | None:
    """CONNECTED → RECTIFYING until ``days`` from now; a window already RECTIFYING (or off the
    network) keeps its status and gets none."""
    window = await Window.get(id=assessment.window_id).using_db(connection)
    if window.status != WindowStatus.CONNECTED:
        return None
    deadline = datetime.now(UTC) + timedelta(days=days)
    await registry.move_window(
        actor,
        window.window_id,
        {WindowStatus.CONNECTED},
        WindowStatus.RECTIFYING,
        f"assessment of {assessment.year}: FAIL; rectify by {deadline.isoformat()}",
        connection,
    )
    return await Rectification.create(
        window_id=window.id, assessment_id=assessment.id, deadline=deadline, using_db=connection
    )


async def file_revocation_request(
    actor: Actor, rectification: Rectification, recheck: Assessment, connection: BaseDBAsyncClient
) -> RevocationRequest:
    unmet = [s["indicator"] for s in recheck.scores if s["met"] is False]
    reason = (
        f"the re-check of {recheck.date_from}..{recheck.date_to} after the rectification "
        f"failed again: total {recheck.total}" + (f", not met: {', '.join(unmet)}" if unmet else "")
    )
    return await RevocationRequest.create(
        window_id=rectification.window_id,
        rectification_id=rectification.id,
        reason=reason,
        requested_by=actor.username,
        using_db=connection,
    )


async def back_to_connected(
    actor: Actor, window_id: Any, note: str, connection: BaseDBAsyncClient
) -> None:
    window = await Window.get(id=window_id).using_db(connection)
    if window.status == WindowStatus.RECTIFYING:
        await registry.move_window(
            actor,
            window.window_id,
            {WindowStatus.RECTIFYING},
            WindowStatus.CONNECTED,
            note,
            connection,
        )


# Overrides


async def override_assessment(
    actor: Actor, assessment_id: Any, grade: str, reason: str, rectification_days: int
) -> Assessment:
    """Another grade for an assessment, with a written reason; a window's rectification and
    revocation request follow the new grade."""
    require(actor, ASSESSORS, "override assessments")
    reason = required_text(reason, "reason", TEXT_LIMIT)
    try:
        new = Grade(grade)
    except ValueError:
        raise InputError(f"grade must be one of {', '.join(Grade)}", field="grade") from None
    async with in_transaction() as connection:
        assessment = (
            await Assessment.filter(id=assessment_id)
            .select_for_update()
            .using_db(connection)
            .first()
        )
        if assessment is None:
            raise NotFound(f"no assessment {assessment_id}")
        before = effective_grade(assessment)
        assessment.update_from_dict(
            {
                "override_grade": new.value,
                "override_reason": reason,
                "overridden_by": actor.username,
                "overridden_at": datetime.now(UTC),
            }
        )
        await assessment.save(using_db=connection)
        failed_now = new is Grade.FAIL
        if assessment.agency_ref or (before is Grade.FAIL) == failed_now:
            return assessment
        note = f"assessment overridden to {new}: {reason}"
        if assessment.kind == AssessmentKind.YEARLY:
            await _yearly_overridden(
                actor, assessment, failed_now, note, rectification_days, connection
            )
        else:
            await _recheck_overridden(actor, assessment, failed_now, note, connection)
        return assessment


async def _yearly_overridden(
    actor: Actor,
    assessment: Assessment,
    failed_now: bool,
    note: str,
    rectification_days: int,
    connection: BaseDBAsyncClient,
) -> None:
    if failed_now:
        await open_rectification(actor, assessment, rectification_days, connection)
        return
    opened = (
        await Rectification.filter(assessment_id=assessment.id, status=RectificationStatus.OPEN)
        .select_for_update()
        .using_db(connection)
        .first()
    )
    if opened is None:
        return
    await close_rectification(opened, RectificationStatus.WAIVED, connection)
    await back_to_connected(actor, assessment.window_id, note, connection)


async def _recheck_overridden(
    actor: Actor, recheck: Assessment, failed_now: bool, note: str, connection: BaseDBAsyncClient
) -> None:
    rectification = (
        await Rectification.filter(recheck_id=recheck.id).select_for_update().using_db(connection)
    )[0]
    pending = RevocationRequest.filter(
        rectification_id=rectification.id, status=RevocationStatus.PENDING
    ).using_db(connection)
    if failed_now:
        window = await Window.get(id=recheck.window_id).using_db(connection)
        if rectification.status != RectificationStatus.PASSED:
            return
        if window.status == WindowStatus.CONNECTED:
            await registry.move_window(
                actor,
                window.window_id,
                {WindowStatus.CONNECTED},
                WindowStatus.RECTIFYING,
                note,
                connection,
            )
        await close_rectification(rectification, RectificationStatus.FAILED, connection)
        await file_revocation_request(actor, rectification, recheck, connection)
        return
    if rectification.status != RectificationStatus.FAILED or not await pending.exists():
        raise InvalidTransition(
            "the revocation request of this re-check was already decided",
            status=rectification.status,
        )
    await pending.update(
        status=RevocationStatus.WITHDRAWN.value,
        decided_by=actor.username,
        decision_reason=note,
        decided_at=datetime.now(UTC),
    )
    await close_rectification(rectification, RectificationStatus.PASSED, connection)
    await back_to_connected(actor, recheck.window_id, note, connection)


async def close_rectification(
    rectification: Rectification, status: RectificationStatus, connection: BaseDBAsyncClient
) -> None:
    rectification.status = status.value
    rectification.closed_at = datetime.now(UTC)
    await rectification.save(using_db=connection, update_fields=["status", "closed_at"])


# Reading


async def list_assessments(
    actor: Actor,
    window_id: str | None = None,
    year: int | None = None,
    agencies: bool = False,
) -> list[Assessment]:
    """Newest first; the windows' own, or with ``agencies`` their agencies' as well."""
    require(actor, INDICATOR_READERS, "read assessments")
    query = Assessment.all()
    if window_id is not None:
        query = query.filter(window__window_id=check_window_id(window_id))
    if year is not None:
        query = query.filter(year=year)
    if not agencies:
        query = query.filter(agency_ref="")
    return await query.order_by("-id")


async def get_assessment(actor: Actor, assessment_id: Any) -> Assessment | None:
    require(actor, INDICATOR_READERS, "read assessments")
    return await Assessment.get_or_none(id=assessment_id)
