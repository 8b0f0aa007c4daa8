"""GraphQL of hub users, sessions and the audit log.

Type names carry ``Hub``: the network schema puts the core contract's ``User`` and
``AuditEntry`` (a window's) beside them.
"""

from __future__ import annotations

import strawberry

from federation.accounts import LoginPolicy
from federation.objects import AuditEntryObject, NewUserInput, UserObject
from federation.ratelimit import client_address
from federation.relay import PAGE, Connection, connection
from hub.domain import audit, users
from hub.schema.audit import mutation
from hub.schema.context import Ctx
from hub.schema.enums import HubRole


@strawberry.type
class HubUser(UserObject[HubRole]):
    ROLES = HubRole


@strawberry.input
class CreateHubUserInput(NewUserInput[HubRole]):
    pass


@strawberry.type
class HubLoginPayload:
    token: str = strawberry.field(description="send as `Authorization: Bearer <token>`")
    user: HubUser


@strawberry.type
class HubAuditEntry(AuditEntryObject):
    pass


@strawberry.type
class UserQuery:
    @strawberry.field(description="the caller; null for anonymous callers")
    async def me(self, info: Ctx) -> HubUser | None:
        return await HubUser.of_caller(users.ACCOUNTS, info.context)

    @strawberry.field(description="the hub's users: HUB_ADMIN only")
    async def users(
        self, info: Ctx, first: int = PAGE, after: str | None = None
    ) -> Connection[HubUser]:
        return await HubUser.listing(users.ACCOUNTS, info.context, first, after)

    @strawberry.field(description="every mutation, newest first: HUB_ADMIN and SUPERVISOR")
    async def audit_log(
        self,
        info: Ctx,
        operation: str | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[HubAuditEntry]:
        ctx = info.context
        page = await audit.list_audit(ctx.actor, first, after, operation)
        return connection(page, lambda row: HubAuditEntry.from_row(row, ctx))


@strawberry.type
class UserMutation:
    @mutation(atomic=False)
    async def login(self, info: Ctx, username: str, password: str) -> HubLoginPayload:
        ctx = info.context
        policy = LoginPolicy.of(ctx.settings)
        ctx.rate_limit(ctx.limits.login, "logins")
        address = client_address(ctx.request)
        token, row = await users.ACCOUNTS.login(username, password, policy, address)
        return HubLoginPayload(token=token, user=HubUser.from_row(row, ctx))

    @mutation()
    async def create_user(self, info: Ctx, input: CreateHubUserInput) -> HubUser:
        row = await input.create(users.ACCOUNTS, info.context.actor)
        return HubUser.from_row(row, info.context)

    @mutation()
    async def set_user_roles(
        self, info: Ctx, user_id: strawberry.ID, roles: list[HubRole]
    ) -> HubUser:
        ctx = info.context
        row = await users.ACCOUNTS.set_user_roles(ctx.actor, ctx.local_id(user_id), roles)
        return HubUser.from_row(row, ctx)
