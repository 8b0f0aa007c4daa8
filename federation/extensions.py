"""The GraphQL schema conventions both servers share: errors with ``extensions.code``, the audit
of every mutation, and the per-request extensions (error codes, operation limits) of a schema."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import FieldExtension, MaskErrors, SchemaExtension
from strawberry.types import Info
from tortoise.transactions import in_transaction

from federation.cost import FanOut
from federation.errors import SmenetError
from federation.inputs import TextInputs, shorten
from federation.limits import OperationLimits, QueryLimits
from federation.pagination import MAX_PAGE_SIZE

__all__ = [
    "TARGET_ARGUMENTS",
    "AuditRecorder",
    "Audited",
    "ErrorCodes",
    "ErrorsLoggedOnce",
    "Write",
    "audited_mutation",
    "schema_extensions",
]

log = logging.getLogger("smenet.errors")
T = TypeVar("T")


class ErrorCodes(MaskErrors):
    """Typed domain errors keep their message and get their code; anything else is masked."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda _: True, error_message="Internal server error")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, SmenetError):
            extensions = {**original.extensions, "code": original.code}
            message = original.message
        elif original is None or error.path is None:
            # Validation and variable coercion (strawberry raises plain exceptions for some
            # scalars, e.g. a bad Decimal): the message is about the request itself. A syntax
            # error has its code already (federation.limits.parse_document).
            extensions = {"code": "GRAPHQL_VALIDATION_FAILED", **(error.extensions or {})}
            message = shorten(error.message)  # it may quote a long name or value whole
        else:
            log.error("unexpected error in %s", error.path, exc_info=original)
            extensions, message = {"code": "INTERNAL_ERROR"}, self.error_message
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )


class ErrorsLoggedOnce:
    """Mixin for a ``strawberry.Schema``: errors are logged where they get their code
    (``ErrorCodes``), not once more per error by the schema."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        pass


def schema_extensions(
    limits: QueryLimits, fan_out: Callable[[Any], FanOut | None] | None = None
) -> list[type[SchemaExtension] | Callable[[], Any]]:
    """Error codes, the operation limits (with their parse and validation caches) and the
    refusal of text no database can hold, as factories: a fresh extension per request.
    ``fan_out``: the server's own cost multiplier, from the request's context
    (``federation.cost``)."""
    return [ErrorCodes, lambda: OperationLimits(limits, fan_out, MAX_PAGE_SIZE), TextInputs]


# Writes one audit entry: (the request's context, operation, target, result — "OK" or a code).
AuditRecorder = Callable[[Any, str, str, str], Awaitable[None]]
TARGET_ARGUMENTS = ("id", "user_id", "activity_id", "service_record_id", "username", "window_id")


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


@dataclasses.dataclass(frozen=True)
class Write(Generic[T]):
    """What a ``deferred`` mutation's resolver returns: the writes, run by ``Audited`` in the
    transaction that also holds the audit entry; their result is the mutation's."""

    run: Callable[[], Awaitable[T]]


class Audited(FieldExtension):
    """Writes the audit entry of a successful mutation in the mutation's own transaction, so a
    change is never committed without its entry; a failure is recorded after the rollback.

    ``atomic=False``: the resolver commits by itself and the entry follows (a failed login must
    count even though the login fails). ``deferred=True``: the resolver runs outside any
    transaction — for slow reads, such as the hub fetching a node's SDL, that must not hold the
    database meanwhile — and returns a ``Write``, run in the transaction with the audit entry.
    """

    def __init__(self, record: AuditRecorder, atomic: bool = True, deferred: bool = False) -> None:
        super().__init__()
        self.record = record
        self.atomic = atomic
        self.deferred = deferred

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info[Any, None],
        **kwargs: Any,
    ) -> Any:
        operation, ctx = info.field_name, info.context
        try:
            if not self.atomic:
                result = await next_(source, info, **kwargs)
                await self.record(ctx, operation, _target(kwargs, result), "OK")
                return result
            write = await next_(source, info, **kwargs) if self.deferred else None
            async with in_transaction():
                if write is None:
                    result = await next_(source, info, **kwargs)
                elif isinstance(write, Write):
                    result = await write.run()
                else:
                    raise TypeError(f"deferred mutation {operation} must return a Write")
                await self.record(ctx, operation, _target(kwargs, result), "OK")
                return result
        except Exception as error:
            code = error.code if isinstance(error, SmenetError) else "INTERNAL_ERROR"
            await self.record(ctx, operation, _target(kwargs, None), code)
            raise


def audited_mutation(record: AuditRecorder) -> Callable[..., Any]:
    """A ``strawberry.mutation`` that audits each call through ``record`` (see ``Audited``)."""

    def mutation(atomic: bool = True, deferred: bool = False, **kwargs: Any) -> Any:
        return strawberry.mutation(extensions=[Audited(record, atomic, deferred)], **kwargs)

    return mutation
