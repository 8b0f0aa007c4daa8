"""Every mutation is written to the node's audit log (``federation.extensions.Audited``)."""

from __future__ import annotations

from typing import Any

from federation.extensions import audited_mutation
from node.domain import audit
from node.schema.context import Context


async def _record(ctx: Context, operation: str, target: str, result: str) -> None:
    await audit.record(ctx.audit_actor, operation, target, result)


_mutation = audited_mutation(_record)


def mutation(atomic: bool = True, **kwargs: Any) -> Any:
    """``strawberry.mutation`` that audits the call.

    ``atomic=False`` for mutations whose failures must still commit (a failed login counts).
    """
    return _mutation(atomic=atomic, **kwargs)
