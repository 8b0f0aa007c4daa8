"""GraphQL of cooperation agreements (``hub.domain.agreements``): created, terminated and
listed by hub roles; the network schema honours them (``hub.schema.gathering``)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from federation.relay import PAGE, Connection, connection
from hub.domain import agreements
from hub.models import Agreement as AgreementRow
from hub.schema.audit import mutation
from hub.schema.context import Context, Ctx

RecordType = strawberry.enum(agreements.RecordType, name="AgreementRecordType")
AgreementStatus = strawberry.enum(agreements.AgreementStatus, name="AgreementStatus")


@strawberry.type
class Agreement:
    """A cooperation agreement (合作协议): hub–window, or between two windows."""

    id: strawberry.ID
    window: strawberry.ID = strawberry.field(description="a party: a window id")
    partner: strawberry.ID | None = strawberry.field(
        description="the other window; null: an agreement between the hub and the window"
    )
    scope: list[RecordType] = strawberry.field(description="the record types it shares")
    valid_from: date
    valid_until: date | None = strawberry.field(description="null: until terminated")
    status: AgreementStatus
    note: str
    created_by: str
    created_at: datetime
    terminated_at: datetime | None
    terminated_by: str | None
    termination_reason: str | None

    @classmethod
    def from_row(cls, row: AgreementRow, ctx: Context) -> Agreement:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            window=strawberry.ID(row.window),
            partner=None if row.partner is None else strawberry.ID(row.partner),
            scope=[RecordType(s) for s in row.scope],
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            status=AgreementStatus(agreements.effective_status(row).value),
            note=row.note,
            created_by=row.created_by,
            created_at=row.created_at,
            terminated_at=row.terminated_at,
            terminated_by=row.terminated_by,
            termination_reason=row.termination_reason or None,
        )


@strawberry.input
class AgreementInput:
    window: strawberry.ID
    partner: strawberry.ID | None = strawberry.field(
        default=None, description="the other window; none: a hub–window agreement"
    )
    scope: list[RecordType]
    valid_from: date
    valid_until: date | None = None
    note: str = ""


@strawberry.type
class AgreementQuery:
    @strawberry.field(description="agreements newest first, of a window if given: hub roles")
    async def agreements(
        self,
        info: Ctx,
        window: strawberry.ID | None = None,
        status: AgreementStatus | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[Agreement]:
        ctx = info.context
        wanted = None if status is None else agreements.AgreementStatus(status.value)
        page = await agreements.list_agreements(ctx.actor, window, wanted, first, after)
        return connection(page, lambda row: Agreement.from_row(row, ctx))


@strawberry.type
class AgreementMutation:
    @mutation(description="HUB_OPERATOR or HUB_ADMIN")
    async def create_agreement(self, info: Ctx, input: AgreementInput) -> Agreement:
        ctx = info.context
        form = agreements.AgreementForm(
            window=input.window,
            partner=input.partner,
            scope=[agreements.RecordType(s.value) for s in input.scope],
            valid_from=input.valid_from,
            valid_until=input.valid_until,
            note=input.note,
        )
        return Agreement.from_row(await agreements.create_agreement(ctx.actor, form), ctx)

    @mutation(description="HUB_OPERATOR or HUB_ADMIN ends it now, with a reason")
    async def terminate_agreement(self, info: Ctx, id: strawberry.ID, reason: str) -> Agreement:
        ctx = info.context
        row = await agreements.terminate_agreement(ctx.actor, ctx.local_id(id), reason)
        return Agreement.from_row(row, ctx)
