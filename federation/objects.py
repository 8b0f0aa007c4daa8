"""GraphQL object types both servers share, each server naming its own subclass: a user, the
input that creates one, and an entry of the audit log."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

import strawberry

from federation import storage
from federation.accounts import Account, Accounts, Actor
from federation.relay import Connection, connection

__all__ = ["AuditEntryObject", "NewUserInput", "UserObject"]

# The server's role enum, registered with strawberry.
R = TypeVar("R", bound=enum.StrEnum)
U = TypeVar("U", bound=Account)


class Identifies(Protocol):
    """What the types need of a request's context: its caller and the server's record IDs."""

    @property
    def actor(self) -> Actor: ...

    def network_id(self, key: uuid.UUID) -> str: ...


@strawberry.type
class UserObject(Generic[R]):
    id: strawberry.ID
    username: str
    display_name: str
    roles: list[R]
    locked: bool
    created_at: datetime

    # The role enum of the subclass, the same as its ``R``.
    ROLES: ClassVar[type[enum.StrEnum]]

    @classmethod
    def from_row(cls, row: Account, ctx: Identifies) -> Self:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            username=row.username,
            display_name=row.display_name,
            roles=[cls.ROLES(r) for r in row.roles],  # type: ignore[misc]
            locked=row.locked_until is not None and row.locked_until > datetime.now(UTC),
            created_at=row.created_at,
        )

    @classmethod
    async def of_caller(cls, accounts: Accounts[Any], ctx: Identifies) -> Self | None:
        """The caller; None for anonymous callers."""
        actor = ctx.actor
        if actor.user_id is None:
            return None
        return cls.from_row(await accounts.get_user(actor.user_id), ctx)

    @classmethod
    async def listing(
        cls, accounts: Accounts[Any], ctx: Identifies, first: int, after: str | None
    ) -> Connection[Self]:
        page = await accounts.list_users(ctx.actor, first, after)
        return connection(page, lambda row: cls.from_row(row, ctx))


@strawberry.input
class NewUserInput(Generic[R]):
    username: str
    password: str
    roles: list[R]
    display_name: str = ""

    async def create(self, accounts: Accounts[U], actor: Actor) -> U:
        return await accounts.create_user(
            actor, self.username, self.password, self.roles, self.display_name
        )


@strawberry.type
class AuditEntryObject:
    id: strawberry.ID
    actor: str
    at: datetime
    operation: str
    target: str
    result: str = strawberry.field(description="OK, or the error code the mutation failed with")

    @classmethod
    def from_row(cls, row: storage.AuditEntry, ctx: Identifies) -> Self:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            actor=row.actor,
            at=row.created_at,
            operation=row.operation,
            target=row.target,
            result=row.result,
        )
