"""GraphQL types of window users, sessions and the audit log."""

from __future__ import annotations

import strawberry

from federation.objects import AuditEntryObject, NewUserInput, UserObject
from node.schema.catalogue import PayloadWarning
from node.schema.enums import Role


@strawberry.type
class User(UserObject[Role]):
    ROLES = Role


@strawberry.input
class CreateUserInput(NewUserInput[Role]):
    pass


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
class AuditEntry(AuditEntryObject):
    pass


@strawberry.input
class AuditFilter:
    operation: str | None = None
