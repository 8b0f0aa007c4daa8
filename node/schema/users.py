"""GraphQL types of window users, sessions and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from node.models import AuditEntry as AuditRow
from node.models import User as UserRow
from node.schema.catalogue import PayloadWarning
from node.schema.context import Context
from node.schema.enums import Role


@strawberry.type
class User:
    id: strawberry.ID
    username: str
    display_name: str
    roles: list[Role]
    locked: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: UserRow, ctx: Context) -> User:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            username=row.username,
            display_name=row.display_name,
            roles=[Role(r) for r in row.roles],
            locked=row.locked_until is not None and row.locked_until > datetime.now(UTC),
            created_at=row.created_at,
        )


@strawberry.input
class CreateUserInput:
    username: str
    password: str
    roles: list[Role]
    display_name: str = ""


@strawberry.type
class LoginPayload:
    token: str = strawberry.field(description="send as `Authorization: Bearer <token>`")
    user: User
    warnings: list[PayloadWarning]


@strawberry.type
class UserPayload:
    user: User
    warnings: list[PayloadWarning]


@strawberry.type
class AuditEntry:
    id: strawberry.ID
    actor: str
    at: datetime
    operation: str
    target: str
    result: str = strawberry.field(description="OK, or the error code the mutation failed with")

    @classmethod
    def from_row(cls, row: AuditRow, ctx: Context) -> AuditEntry:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            actor=row.actor,
            at=row.created_at,
            operation=row.operation,
            target=row.target,
            result=row.result,
        )


@strawberry.input
class AuditFilter:
    operation: str | None = None
