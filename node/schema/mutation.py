"""The node's mutation root: thin, audited resolvers over the domain services."""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry

from federation.accounts import LoginPolicy
from federation.ratelimit import client_address
from node.domain import catalogue, enterprises, users
from node.schema.audit import mutation
from node.schema.catalogue import (
    Agency,
    AgencyInput,
    AgencyPayload,
    AgencyUpdateInput,
    Expert,
    ExpertInput,
    ExpertPayload,
    ExpertUpdateInput,
    PayloadWarning,
    Service,
    ServiceInput,
    ServicePayload,
    ServiceUpdateInput,
)
from node.schema.context import Context, Ctx
from node.schema.enterprises import (
    Enterprise,
    EnterpriseInput,
    EnterprisePayload,
    EnterpriseUpdateInput,
)
from node.schema.enums import Role
from node.schema.users import CreateUserInput, LoginPayload, User, UserPayload


def _fields(data: Any, ctx: Context) -> dict[str, Any]:
    """Input object → domain keyword arguments; ``*_id`` network IDs become local keys."""
    fields = {f.name: getattr(data, f.name) for f in dataclasses.fields(data)}
    for name, value in fields.items():
        if name.endswith("_id") and value:
            fields[name] = ctx.local_id(value)
    return fields


def _enterprise_fields(data: EnterpriseInput | EnterpriseUpdateInput) -> dict[str, Any]:
    fields = {f.name: getattr(data, f.name) for f in dataclasses.fields(data)}
    contact = fields.pop("contact")
    if contact is not None:
        fields |= {
            "contact_name": contact.name,
            "contact_phone": contact.phone,
            "contact_email": contact.email,
        }
    return fields


def _enterprise_payload(saved: enterprises.Saved, ctx: Context) -> EnterprisePayload:
    return EnterprisePayload(
        enterprise=Enterprise.from_row(saved.enterprise, ctx),
        warnings=[PayloadWarning(code=w.code, message=w.message) for w in saved.warnings],
    )


@strawberry.type
class CoreMutation:
    @mutation(atomic=False)
    async def login(self, info: Ctx, username: str, password: str) -> LoginPayload:
        ctx = info.context
        policy = LoginPolicy.of(ctx.settings)
        ctx.rate_limit(ctx.limits.login, "logins")
        address = client_address(ctx.request)
        token, row = await users.ACCOUNTS.login(username, password, policy, address)
        return LoginPayload(token=token, user=User.from_row(row, ctx), warnings=[])

    @mutation()
    async def change_password(
        self, info: Ctx, current_password: str, new_password: str
    ) -> UserPayload:
        actor = info.context.actor
        row = await users.ACCOUNTS.change_password(actor, current_password, new_password)
        return UserPayload(user=User.from_row(row, info.context), warnings=[])

    @mutation()
    async def create_user(self, info: Ctx, input: CreateUserInput) -> UserPayload:
        row = await input.create(users.ACCOUNTS, info.context.actor)
        return UserPayload(user=User.from_row(row, info.context), warnings=[])

    @mutation()
    async def set_user_roles(
        self, info: Ctx, user_id: strawberry.ID, roles: list[Role]
    ) -> UserPayload:
        ctx = info.context
        row = await users.ACCOUNTS.set_user_roles(ctx.actor, ctx.local_id(user_id), roles)
        return UserPayload(user=User.from_row(row, ctx), warnings=[])

    @mutation()
    async def reset_password(
        self, info: Ctx, user_id: strawberry.ID, new_password: str
    ) -> UserPayload:
        ctx = info.context
        row = await users.ACCOUNTS.reset_password(ctx.actor, ctx.local_id(user_id), new_password)
        return UserPayload(user=User.from_row(row, ctx), warnings=[])

    @mutation()
    async def create_agency(self, info: Ctx, input: AgencyInput) -> AgencyPayload:
        ctx = info.context
        row = await catalogue.create_agency(ctx.actor, **_fields(input, ctx))
        return AgencyPayload(agency=Agency.from_row(row, ctx), warnings=[])

    @mutation()
    async def update_agency(
        self, info: Ctx, id: strawberry.ID, input: AgencyUpdateInput
    ) -> AgencyPayload:
        ctx = info.context
        row = await catalogue.update_agency(ctx.actor, ctx.local_id(id), **_fields(input, ctx))
        return AgencyPayload(agency=Agency.from_row(row, ctx), warnings=[])

    @mutation()
    async def create_expert(self, info: Ctx, input: ExpertInput) -> ExpertPayload:
        ctx = info.context
        row = await catalogue.create_expert(ctx.actor, **_fields(input, ctx))
        return ExpertPayload(expert=Expert.from_row(row, ctx), warnings=[])

    @mutation()
    async def update_expert(
        self, info: Ctx, id: strawberry.ID, input: ExpertUpdateInput
    ) -> ExpertPayload:
        ctx = info.context
        row = await catalogue.update_expert(ctx.actor, ctx.local_id(id), **_fields(input, ctx))
        return ExpertPayload(expert=Expert.from_row(row, ctx), warnings=[])

    @mutation()
    async def create_enterprise(self, info: Ctx, input: EnterpriseInput) -> EnterprisePayload:
        ctx = info.context
        saved = await enterprises.create_enterprise(ctx.actor, **_enterprise_fields(input))
        return _enterprise_payload(saved, ctx)

    @mutation()
    async def update_enterprise(
        self, info: Ctx, id: strawberry.ID, input: EnterpriseUpdateInput
    ) -> EnterprisePayload:
        ctx = info.context
        saved = await enterprises.update_enterprise(
            ctx.actor, ctx.local_id(id), **_enterprise_fields(input)
        )
        return _enterprise_payload(saved, ctx)

    @mutation()
    async def create_service(self, info: Ctx, input: ServiceInput) -> ServicePayload:
        ctx = info.context
        row = await catalogue.create_service(ctx.actor, **_fields(input, ctx))
        return ServicePayload(service=Service.from_row(row, ctx), warnings=[])

    @mutation()
    async def update_service(
        self, info: Ctx, id: strawberry.ID, input: ServiceUpdateInput
    ) -> ServicePayload:
        ctx = info.context
        row = await catalogue.update_service(ctx.actor, ctx.local_id(id), **_fields(input, ctx))
        return ServicePayload(service=Service.from_row(row, ctx), warnings=[])

    @mutation()
    async def publish_service(self, info: Ctx, id: strawberry.ID) -> ServicePayload:
        ctx = info.context
        row = await catalogue.publish_service(ctx.actor, ctx.local_id(id))
        return ServicePayload(service=Service.from_row(row, ctx), warnings=[])

    @mutation()
    async def retire_service(self, info: Ctx, id: strawberry.ID) -> ServicePayload:
        ctx = info.context
        row = await catalogue.retire_service(ctx.actor, ctx.local_id(id))
        return ServicePayload(service=Service.from_row(row, ctx), warnings=[])
