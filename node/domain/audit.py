"""The audit log: every mutation with actor, time, operation, target and result."""

from __future__ import annotations

from federation.ids import new_uuid
from federation.inputs import check_lengths
from federation.pagination import Page, paginate
from node.domain.access import Actor, Role, require
from node.models import AuditEntry


async def record(actor: Actor, operation: str, target: str, result: str) -> None:
    await AuditEntry.create(
        id=new_uuid(), actor=actor.username, operation=operation, target=target[:128], result=result
    )


async def list_audit(
    actor: Actor, first: int, after: str | None, operation: str | None = None
) -> Page[AuditEntry]:
    require(actor, frozenset({Role.WINDOW_ADMIN}), "read the audit log")
    query = AuditEntry.all()
    if operation:
        check_lengths(AuditEntry, {"operation": operation})  # longer, it names no operation
        query = query.filter(operation=operation)
    return await paginate(query, first, after)
