"""Every mutation is written to the audit log: one field extension, applied by ``mutation``."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from tortoise.transactions import in_transaction

from federation.errors import SmenetError
from node.domain import audit
from node.schema.context import Context

TARGET_ARGUMENTS = ("id", "user_id", "activity_id", "service_record_id", "username")


def _target(kwargs: dict[str, Any], result: Any) -> str:
    """The record a mutation is about: an ID argument (also inside ``input``), else the result's."""
    for name in TARGET_ARGUMENTS:
        value = kwargs.get(name) or getattr(kwargs.get("input"), name, None)
        if value:
            return str(value)
    # A plugin's mutation names its record's argument itself, e.g. `booking_id`.
    for name, value in kwargs.items():
        if name.endswith("_id") and value:
            return str(value)
    for f in dataclasses.fields(result) if dataclasses.is_dataclass(result) else ():
        record_id = getattr(getattr(result, f.name), "id", None)
        if record_id is not None:
            return str(record_id)
    return ""


class Audited(FieldExtension):
    """Writes the audit entry of a successful mutation in the mutation's own transaction, so a
    change is never committed without its entry; a failure is recorded after the rollback."""

    def __init__(self, atomic: bool = True) -> None:
        super().__init__()
        self.atomic = atomic

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info[Context, None],
        **kwargs: Any,
    ) -> Any:
        operation, ctx = info.field_name, info.context
        try:
            if not self.atomic:
                result = await next_(source, info, **kwargs)
                await audit.record(ctx.audit_actor, operation, _target(kwargs, result), "OK")
                return result
            async with in_transaction():
                result = await next_(source, info, **kwargs)
                await audit.record(ctx.audit_actor, operation, _target(kwargs, result), "OK")
                return result
        except Exception as error:
            code = error.code if isinstance(error, SmenetError) else "INTERNAL_ERROR"
            await audit.record(ctx.audit_actor, operation, _target(kwargs, None), code)
            raise


def mutation(atomic: bool = True, **kwargs: Any) -> Any:
    """``strawberry.mutation`` that audits the call.

    ``atomic=False`` for mutations whose failures must still commit (a failed login counts).
    """
    return strawberry.mutation(extensions=[Audited(atomic)], **kwargs)
