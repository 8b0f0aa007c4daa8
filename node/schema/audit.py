"""Every mutation is written to the node's audit log (``federation.extensions.Audited``)."""

from __future__ import annotations

from typing import Any

from federation.extensions import audited_mutation
from node.domain import audit
from node.schema.context import Context


async def _record(ctx: Context, operation: str, target: str, result: str) -> None:
    await audit.record(ctx.audit_actor, operation, target, result)


_mutation = audited_mutation(_record)


def mutation(atomic: bool = True, deferred: bool = False, **kwargs: Any) -> Any:
    """``strawberry.mutation`` that audits the call.

    ``atomic=False`` for mutations whose failures must still commit (a failed login counts);
    ``deferred=True`` where the resolver waits on something slow first (the hub) and returns a
    ``Write``, run in the transaction with the audit entry.
    """
    return _mutation(atomic=atomic, deferred=deferred, **kwargs)
