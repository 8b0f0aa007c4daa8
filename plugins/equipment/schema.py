"""GraphQL of 设备共享: ``ext { equipment { … } }`` and ``stats { ext { equipment { … } } }``."""

# No `from __future__ import annotations`: the mutation type is made inside a function.

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from node.plugins import api
from plugins.equipment import domain
from plugins.equipment.config import EquipmentConfig
from plugins.equipment.models import Booking, Instrument

EquipmentBookingStatus = strawberry.enum(domain.BookingStatus, name="EquipmentBookingStatus")


def _id(ctx: api.Context, key: uuid.UUID | None) -> strawberry.ID | None:
    return None if key is None else strawberry.ID(ctx.network_id(key))


@strawberry.type(
    description="a shared instrument (共享设备) of the window or of one of its agencies"
)
class EquipmentInstrument:
    id: strawberry.ID
    name: str
    model: str = strawberry.field(description="型号")
    agency_id: strawberry.ID | None = strawberry.field(
        description="the agency that owns and operates it; null: the window's own"
    )
    location: str
    description: str
    hourly_fee: Decimal = strawberry.field(description="yuan per hour; 0: free of charge")
    service_id: strawberry.ID = strawberry.field(
        description="the EQUIPMENT_SHARING service its usage is delivered under"
    )
    active: bool = strawberry.field(description="false once retired: no longer bookable")
    retired_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Instrument, ctx: api.Context) -> "EquipmentInstrument":
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            name=row.name,
            model=row.model_number,
            agency_id=_id(ctx, row.agency_id),
            location=row.location,
            description=row.description,
            hourly_fee=row.hourly_fee,
            service_id=strawberry.ID(ctx.network_id(row.service_id)),
            active=row.retired_at is None,
            retired_at=row.retired_at,
            created_at=row.created_at,
        )


@strawberry.type(description="an enterprise's slot [startsAt, endsAt) on an instrument")
class EquipmentBooking:
    id: strawberry.ID
    enterprise_id: strawberry.ID
    enterprise_name: str = strawberry.field(description="bookings name no contact persons")
    starts_at: datetime
    ends_at: datetime = strawberry.field(description="excluded: a slot may start at this time")
    purpose: str
    status: EquipmentBookingStatus
    booked_by: str = strawberry.field(description="the account that booked it")
    cancelled_at: datetime | None
    service_record_id: strawberry.ID | None = strawberry.field(
        description="the core service record its usage became (USED only)"
    )
    created_at: datetime
    instrument_key: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def instrument(self, info: api.Info) -> EquipmentInstrument | None:
        return await info.context.related(
            Instrument, self.instrument_key, EquipmentInstrument.from_row
        )

    @classmethod
    def from_row(cls, row: Booking, ctx: api.Context) -> "EquipmentBooking":
        """``row.enterprise`` must be fetched (``prefetch_related`` or ``fetch_related``)."""
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            enterprise_id=strawberry.ID(ctx.network_id(row.enterprise_id)),
            enterprise_name=row.enterprise.name,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            purpose=row.purpose,
            status=EquipmentBookingStatus(row.status),
            booked_by=row.booked_by,
            cancelled_at=row.cancelled_at,
            service_record_id=_id(ctx, row.service_record_id),
            created_at=row.created_at,
            instrument_key=row.instrument_id,
        )

    @classmethod
    async def of(cls, row: Booking, ctx: api.Context) -> "EquipmentBooking":
        await row.fetch_related("enterprise")
        return cls.from_row(row, ctx)


@strawberry.input
class EquipmentBookingFilter:
    instrument_id: strawberry.ID | None = None
    enterprise_id: strawberry.ID | None = None
    status: EquipmentBookingStatus | None = None


@strawberry.type
class EquipmentQuery:
    @strawberry.field(
        description="active instruments, for anyone; includeRetired: the window's users"
    )
    async def instruments(
        self,
        info: api.Info,
        agency_id: strawberry.ID | None = None,
        include_retired: bool = False,
        first: int = api.PAGE,
        after: str | None = None,
    ) -> api.Connection[EquipmentInstrument]:
        ctx = info.context
        agency = None if agency_id is None else ctx.local_id(agency_id)
        page = await domain.list_instruments(ctx.actor, first, after, agency, include_retired)
        return api.connection(page, lambda row: EquipmentInstrument.from_row(row, ctx))

    @strawberry.field(description="an instrument; a retired one for the window's users only")
    async def instrument(self, info: api.Info, id: strawberry.ID) -> EquipmentInstrument | None:
        ctx = info.context
        row = await domain.get_instrument(ctx.actor, ctx.local_id(id))
        return None if row is None else EquipmentInstrument.from_row(row, ctx)

    @strawberry.field(description="STAFF, WINDOW_ADMIN and READONLY; not anonymous")
    async def bookings(
        self,
        info: api.Info,
        filter: EquipmentBookingFilter | None = None,
        first: int = api.PAGE,
        after: str | None = None,
    ) -> api.Connection[EquipmentBooking]:
        ctx = info.context
        f = filter or EquipmentBookingFilter()
        booking_filter = domain.BookingFilter(
            instrument_id=None if f.instrument_id is None else ctx.local_id(f.instrument_id),
            enterprise_id=None if f.enterprise_id is None else ctx.local_id(f.enterprise_id),
            status=None if f.status is None else domain.BookingStatus(f.status.value),
        )
        page = await domain.list_bookings(ctx.actor, booking_filter, first, after)
        return api.connection(page, lambda row: EquipmentBooking.from_row(row, ctx))


@strawberry.input
class EquipmentInstrumentInput:
    name: str
    service_id: strawberry.ID = strawberry.field(description="an EQUIPMENT_SHARING service")
    hourly_fee: Decimal = strawberry.field(description="yuan per hour; may be 0")
    model: str = ""
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="null: the window's own instrument"
    )
    location: str = ""
    description: str = ""


@strawberry.input(description="the fields to change; the others are kept")
class EquipmentInstrumentUpdateInput:
    name: str | None = strawberry.UNSET
    service_id: strawberry.ID | None = strawberry.UNSET
    hourly_fee: Decimal | None = strawberry.UNSET
    model: str | None = strawberry.UNSET
    agency_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="null: the window's own instrument"
    )
    location: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET


@strawberry.input
class EquipmentBookingInput:
    instrument_id: strawberry.ID
    enterprise_id: strawberry.ID
    starts_at: datetime = strawberry.field(description="with a UTC offset")
    ends_at: datetime = strawberry.field(description="excluded; after startsAt")
    purpose: str


@strawberry.type
class EquipmentInstrumentPayload:
    instrument: EquipmentInstrument


@strawberry.type
class EquipmentBookingPayload:
    booking: EquipmentBooking


def _update_fields(input: EquipmentInstrumentUpdateInput, ctx: api.Context) -> dict[str, Any]:
    """The domain's fields from the given input fields; ``null`` is refused where it means
    nothing (only ``agencyId`` may be null: the window's own instrument)."""
    given = {
        name: value
        for name, value in vars(input).items()
        if value is not strawberry.UNSET and (value is not None or name == "agency_id")
    }
    nulls = sorted(
        name for name, value in vars(input).items() if value is None and name != "agency_id"
    )
    if nulls:
        raise api.InputError(f"{', '.join(nulls)} must not be null")
    for key in ("service_id", "agency_id"):
        if given.get(key) is not None:
            given[key] = ctx.local_id(given[key])
    if "model" in given:
        given["model_number"] = given.pop("model")
    return given


def mutation_type(config: EquipmentConfig) -> type:
    """The mutations, with the plugin's settings at hand."""

    @strawberry.type(name="EquipmentMutation")
    class EquipmentMutation:
        @api.mutation(description="STAFF and WINDOW_ADMIN")
        async def create_instrument(
            self, info: api.Info, input: EquipmentInstrumentInput
        ) -> EquipmentInstrumentPayload:
            ctx = info.context
            row = await domain.create_instrument(
                ctx.actor,
                name=input.name,
                service_id=ctx.local_id(input.service_id),
                hourly_fee=input.hourly_fee,
                model_number=input.model,
                agency_id=None if input.agency_id is None else ctx.local_id(input.agency_id),
                location=input.location,
                description=input.description,
            )
            return EquipmentInstrumentPayload(instrument=EquipmentInstrument.from_row(row, ctx))

        @api.mutation(description="STAFF and WINDOW_ADMIN")
        async def update_instrument(
            self, info: api.Info, id: strawberry.ID, input: EquipmentInstrumentUpdateInput
        ) -> EquipmentInstrumentPayload:
            ctx = info.context
            row = await domain.update_instrument(
                ctx.actor, ctx.local_id(id), _update_fields(input, ctx)
            )
            return EquipmentInstrumentPayload(instrument=EquipmentInstrument.from_row(row, ctx))

        @api.mutation(description="no longer bookable; its bookings stay")
        async def retire_instrument(
            self, info: api.Info, id: strawberry.ID
        ) -> EquipmentInstrumentPayload:
            ctx = info.context
            row = await domain.retire_instrument(ctx.actor, ctx.local_id(id))
            return EquipmentInstrumentPayload(instrument=EquipmentInstrument.from_row(row, ctx))

        @api.mutation(
            description=f"book a free slot of at most {config.max_booking_hours} hours; "
            "EQUIPMENT_SLOT_TAKEN when a booking overlaps it"
        )
        async def book_instrument(
            self, info: api.Info, input: EquipmentBookingInput
        ) -> EquipmentBookingPayload:
            ctx = info.context
            row = await domain.book(
                ctx.actor,
                ctx.local_id(input.instrument_id),
                ctx.local_id(input.enterprise_id),
                input.starts_at,
                input.ends_at,
                input.purpose,
                config.max_booking_hours,
            )
            return EquipmentBookingPayload(booking=await EquipmentBooking.of(row, ctx))

        @api.mutation(description="free the slot of a booking not yet used")
        async def cancel_booking(
            self, info: api.Info, id: strawberry.ID
        ) -> EquipmentBookingPayload:
            ctx = info.context
            row = await domain.cancel_booking(ctx.actor, ctx.local_id(id))
            return EquipmentBookingPayload(booking=await EquipmentBooking.of(row, ctx))

        @api.mutation(
            description="the session took place: a completed OFFLINE service record, the "
            "booking USED; fee defaults to hourlyFee × booked hours"
        )
        async def record_equipment_usage(
            self,
            info: api.Info,
            booking_id: strawberry.ID,
            outcome: str,
            fee: Decimal | None = None,
        ) -> EquipmentBookingPayload:
            ctx = info.context
            row = await domain.record_usage(ctx.actor, ctx.local_id(booking_id), outcome, fee)
            return EquipmentBookingPayload(booking=await EquipmentBooking.of(row, ctx))

    return EquipmentMutation


@strawberry.type(description="the indicators of shared instruments in the period")
class EquipmentStats:
    # `stats` itself needs a window user's role, so these need no check of their own.
    period: strawberry.Private[api.Period]

    @strawberry.field(description="bookings made in the period, whatever became of them")
    async def bookings_made(self) -> int:
        return await domain.bookings_made(self.period)

    @strawberry.field(description="booked hours of the USED bookings starting in the period")
    async def hours_used(self) -> float:
        return await domain.hours_used(self.period)

    @strawberry.field(description="instruments in the catalogue at the period's end")
    async def instruments_active(self) -> int:
        return await domain.instruments_active(self.period)
