"""Rectification (整改) and revocation requests (seed 001 第十三条, DESIGN §7).

OPEN       the window is RECTIFYING (still on the network) until the deadline
re-check   after the deadline (HUB_OPERATOR, HUB_ADMIN, or the hub's scheduled job): the
           twelve months up to the re-check day are assessed again
           PASS or EXCELLENT → PASSED, the window CONNECTED again
           FAIL              → FAILED, and a revocation request for a SUPERVISOR
request    APPROVED by a SUPERVISOR → the window REVOKED: it leaves the network at once
           DECLINED with a reason   → the window CONNECTED again (the authority keeps it)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from federation.errors import InvalidTransition, NotFound, SmenetError
from federation.ids import check_window_id
from federation.inputs import required_text
from hub.domain import registry
from hub.domain.access import Actor, HubRole, require
from hub.domain.assessment import (
    TEXT_LIMIT,
    AssessmentKind,
    PreparedAssessment,
    RectificationStatus,
    RevocationStatus,
    back_to_connected,
    close_rectification,
    file_revocation_request,
    prepare_assessment,
    store,
)
from hub.domain.calendar import local_today
from hub.domain.indicators import ASSESSORS, INDICATOR_READERS
from hub.domain.network import Network
from hub.domain.registry import KEYED, WindowStatus
from hub.domain.scoring import Grade, Rules
from hub.domain.trust import HubTrust
from hub.models import Assessment, Rectification, RevocationRequest, Window

__all__ = [
    "DECIDERS",
    "SCHEDULED",
    "PreparedRecheck",
    "approve_revocation",
    "decline_revocation",
    "list_rectifications",
    "list_revocation_requests",
    "prepare_recheck",
    "recheck_due",
    "write_recheck",
]

log = logging.getLogger("smenet.hub.rectification")
DECIDERS = frozenset({HubRole.SUPERVISOR})
# The hub itself, re-checking on schedule as an operator would (and reading nodes as one).
SCHEDULED = Actor(username="hub", roles=frozenset({HubRole.HUB_OPERATOR}), via="hub")


@dataclass(frozen=True)
class PreparedRecheck:
    rectification_id: Any
    assessment: PreparedAssessment


async def _open_rectification(window_id: str) -> Rectification:
    rectification = await Rectification.filter(
        window__window_id=check_window_id(window_id), status=RectificationStatus.OPEN
    ).first()
    if rectification is None:
        raise NotFound(f"window {window_id} has no open rectification")
    return rectification


def recheck_period(today: date) -> tuple[date, date]:
    """The twelve months up to ``today``: what the window did, rectification included."""
    return today - timedelta(days=364), today


async def prepare_recheck(
    actor: Actor, network: Network, trust: HubTrust, rules: Rules, window_id: str
) -> PreparedRecheck:
    require(actor, ASSESSORS, "re-check windows")
    rectification = await _open_rectification(window_id)
    if datetime.now(UTC) < rectification.deadline:
        raise InvalidTransition(
            f"window {window_id} has until {rectification.deadline.isoformat()} to rectify",
            status=RectificationStatus.OPEN.value,
            deadline=rectification.deadline.isoformat(),
        )
    failed = await Assessment.get(id=rectification.assessment_id)
    prepared = await prepare_assessment(
        actor,
        network,
        trust,
        rules,
        window_id,
        failed.year,
        AssessmentKind.RECHECK,
        recheck_period(local_today()),
    )
    return PreparedRecheck(rectification.id, prepared)


async def write_recheck(actor: Actor, prepared: PreparedRecheck) -> Rectification:
    """Store the re-check; PASS ends the rectification, FAIL files a revocation request."""
    require(actor, ASSESSORS, "re-check windows")
    async with in_transaction() as connection:
        rectification = (
            await Rectification.filter(id=prepared.rectification_id)
            .select_for_update()
            .using_db(connection)
            .first()
        )
        assert rectification is not None
        if rectification.status != RectificationStatus.OPEN:
            raise InvalidTransition(
                "this rectification was re-checked meanwhile", status=rectification.status
            )
        recheck = await store(actor, prepared.assessment, connection)
        rectification.recheck_id = recheck.id
        await rectification.save(using_db=connection, update_fields=["recheck_id"])
        if prepared.assessment.verdict.grade is Grade.FAIL:
            await close_rectification(rectification, RectificationStatus.FAILED, connection)
            await file_revocation_request(actor, rectification, recheck, connection)
        else:
            await close_rectification(rectification, RectificationStatus.PASSED, connection)
            note = f"re-check passed: {recheck.grade}, total {recheck.total}"
            await back_to_connected(actor, rectification.window_id, note, connection)
        return rectification


async def recheck_due(network: Network, trust: HubTrust, rules: Rules) -> int:
    """Re-check every open rectification past its deadline (the hub's scheduled job); a window
    whose node does not answer is tried again on the next run. The number re-checked."""
    due = await Rectification.filter(
        status=RectificationStatus.OPEN, deadline__lte=datetime.now(UTC)
    ).prefetch_related("window")
    done = 0
    for rectification in due:
        window_id = rectification.window.window_id
        try:
            prepared = await prepare_recheck(SCHEDULED, network, trust, rules, window_id)
            await write_recheck(SCHEDULED, prepared)
        except SmenetError as error:
            log.warning("re-check of window %s not done: %s", window_id, error.message)
            continue
        done += 1
    return done


# Revocation requests


async def _pending(request_id: Any, connection: Any) -> RevocationRequest:
    request = (
        await RevocationRequest.filter(id=request_id)
        .select_for_update()
        .using_db(connection)
        .first()
    )
    if request is None:
        raise NotFound(f"no revocation request {request_id}")
    if request.status != RevocationStatus.PENDING:
        raise InvalidTransition(
            f"this revocation request was already {request.status}", status=request.status
        )
    return request


async def _decide(
    request: RevocationRequest,
    actor: Actor,
    status: RevocationStatus,
    reason: str,
    connection: Any,
) -> None:
    request.update_from_dict(
        {
            "status": status.value,
            "decided_by": actor.username,
            "decision_reason": reason,
            "decided_at": datetime.now(UTC),
        }
    )
    await request.save(using_db=connection)


async def approve_revocation(actor: Actor, request_id: Any, note: str = "") -> RevocationRequest:
    """The SUPERVISOR approves: the window is REVOKED and leaves the network schema at once."""
    require(actor, DECIDERS, "decide revocation requests")
    note = required_text(note, "note", TEXT_LIMIT) if note.strip() else ""
    async with in_transaction() as connection:
        request = await _pending(request_id, connection)
        window = await Window.get(id=request.window_id).using_db(connection)
        reason = note or request.reason
        await registry.move_window(
            actor, window.window_id, KEYED, WindowStatus.REVOKED, reason, connection
        )
        await _decide(request, actor, RevocationStatus.APPROVED, note, connection)
        return request


async def decline_revocation(actor: Actor, request_id: Any, reason: str) -> RevocationRequest:
    """The SUPERVISOR declines, with a reason: the window returns to CONNECTED."""
    require(actor, DECIDERS, "decide revocation requests")
    reason = required_text(reason, "reason", TEXT_LIMIT)
    async with in_transaction() as connection:
        request = await _pending(request_id, connection)
        await _decide(request, actor, RevocationStatus.DECLINED, reason, connection)
        note = f"revocation declined: {reason}"
        await back_to_connected(actor, request.window_id, note, connection)
        return request


# Reading


async def list_rectifications(
    actor: Actor, window_id: str | None = None, status: str | None = None
) -> list[Rectification]:
    require(actor, INDICATOR_READERS, "read rectifications")
    query = Rectification.all()
    if window_id is not None:
        query = query.filter(window__window_id=check_window_id(window_id))
    if status is not None:
        query = query.filter(status=RectificationStatus(status).value)
    return await query.order_by("-id")


async def list_revocation_requests(
    actor: Actor, status: str | None = None
) -> list[RevocationRequest]:
    require(actor, INDICATOR_READERS, "read revocation requests")
    query = RevocationRequest.all()
    if status is not None:
        query = query.filter(status=RevocationStatus(status).value)
    return await query.order_by("-id")
