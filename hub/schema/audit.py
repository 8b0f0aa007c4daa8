"""Every hub mutation is written to the hub's audit log (``federation.extensions.Audited``)."""

from __future__ import annotations

from federation.extensions import audited_mutation
from hub.domain import audit
from hub.schema.context import Context


async def _record(ctx: Context, operation: str, target: str, result: str) -> None:
    await audit.record(ctx.audit_actor, operation, target, result)


# ``@mutation()``; ``atomic=False`` where a failure must still commit (a failed login counts);
# ``deferred=True`` where the resolver reads slowly first and returns a ``Write``.
mutation = audited_mutation(_record)
