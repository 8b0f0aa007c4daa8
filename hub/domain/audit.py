"""The hub's audit log: every mutation with actor, time, operation, target and result."""

from __future__ import annotations

from federation.accounts import Actor, require
from federation.inputs import check_lengths
from federation.pagination import Page, paginate
from hub.domain.access import AUDIT_READERS
from hub.models import AuditEntry


async def record(actor: Actor, operation: str, target: str, result: str) -> None:
    await AuditEntry.create(
        actor=actor.username, operation=operation, target=target[:128], result=result
    )


async def list_audit(
    actor: Actor, first: int, after: str | None, operation: str | None = None
) -> Page[AuditEntry]:
    require(actor, AUDIT_READERS, "read the audit log")
    query = AuditEntry.all()
    if operation:
        check_lengths(AuditEntry, {"operation": operation})  # longer, it names no operation
        query = query.filter(operation=operation)
    return await paginate(query, first, after)
