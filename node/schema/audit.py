"""Every mutation is written to the audit log: one field extension, applied by ``mutation``."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from federation.errors import SmenetError
from node.domain import audit
from node.schema.context import Context

TARGET_ARGUMENTS = ("id", "user_id", "activity_id", "username")


def _target(kwargs: dict[str, Any], result: Any) -> str:
    for name in TARGET_ARGUMENTS:
        if kwargs.get(name):
            return str(kwargs[name])
    for f in dataclasses.fields(result) if dataclasses.is_dataclass(result) else ():
        record_id = getattr(getattr(result, f.name), "id", None)
        if record_id is not None:
            return str(record_id)
    return ""


class Audited(FieldExtension):
    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info[Context, None],
        **kwargs: Any,
    ) -> Any:
        operation, ctx = info.field_name, info.context
        try:
            result = await next_(source, info, **kwargs)
        except Exception as error:
            code = error.code if isinstance(error, SmenetError) else "INTERNAL_ERROR"
            await audit.record(ctx.audit_actor, operation, _target(kwargs, None), code)
            raise
        await audit.record(ctx.audit_actor, operation, _target(kwargs, result), "OK")
        return result


def mutation(**kwargs: Any) -> Any:
    """``strawberry.mutation`` that audits the call."""
    return strawberry.mutation(extensions=[Audited()], **kwargs)
