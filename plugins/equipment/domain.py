"""设备共享: shared instruments, booked by the hour and delivered as core service records.

    BOOKED ─recordUsage─► USED      (a completed OFFLINE service record of the instrument's service)
       └────cancel─────► CANCELLED

Slots are half-open, [startsAt, endsAt): a booking ending at 10:00 and one starting at 10:00 do
not clash. A slot is taken when a BOOKED or USED booking of the same instrument overlaps it.

Two requests for one slot: the booking transaction locks the instrument row before it looks for
a clash, so the second waits for the first to commit and then sees its booking (PostgreSQL,
``SELECT … FOR UPDATE``). Tortoise's SQLite client ignores FOR UPDATE, but it has one connection
per process and holds a process-wide lock from BEGIN to COMMIT, so the node's transactions run
one after another there and the check-then-insert cannot interleave either.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from node.plugins import api
from plugins.equipment.models import Booking, Instrument

# `hourly_fee` column and the core's `fee`: 12 digits, 2 decimals.
MAX_FEE = Decimal("1e10")
MAX_NAME = 200
MAX_PURPOSE = 1000
SECONDS_PER_HOUR = 3600
TAG = "instrument-booking"


class BookingStatus(enum.StrEnum):
    BOOKED = "BOOKED"
    USED = "USED"
    CANCELLED = "CANCELLED"


# Bookings that hold their slot.
HOLDING = (BookingStatus.BOOKED.value, BookingStatus.USED.value)


class SlotTaken(api.Conflict):
    code = "EQUIPMENT_SLOT_TAKEN"


class BookingTooLong(api.InputError):
    code = "EQUIPMENT_BOOKING_TOO_LONG"


class WrongServiceCategory(api.InputError):
    code = "EQUIPMENT_WRONG_SERVICE_CATEGORY"


@dataclass
class BookingFilter:
    instrument_id: uuid.UUID | None = None
    enterprise_id: uuid.UUID | None = None
    status: BookingStatus | None = None


# Instruments


async def _check_service(actor: api.Actor, service_id: uuid.UUID) -> None:
    service = await api.get_service(actor, service_id)
    if service is None:
        raise api.NotFound(f"no service {service_id}")
    if service.category != api.ServiceCategory.EQUIPMENT_SHARING:
        raise WrongServiceCategory(
            f"service {service_id} is {service.category}: an instrument is used under an "
            f"{api.ServiceCategory.EQUIPMENT_SHARING} service",
            field="serviceId",
        )


async def _clean(actor: api.Actor, fields: dict[str, Any]) -> dict[str, Any]:
    """The given instrument fields checked and normalised; absent ones stay absent."""
    fields = dict(fields)
    if "name" in fields:
        fields["name"] = api.required_text(fields["name"], "name", MAX_NAME)
    for name in ("model_number", "location", "description"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    api.check_lengths(Instrument, fields)
    if "hourly_fee" in fields:
        fields["hourly_fee"] = api.money("hourlyFee", fields["hourly_fee"], MAX_FEE)
    if fields.get("agency_id") is not None:
        await api.get_agency(fields["agency_id"])  # NOT_FOUND when there is none
    if "service_id" in fields:
        await _check_service(actor, fields["service_id"])
    return fields


async def create_instrument(
    actor: api.Actor,
    *,
    name: str,
    service_id: uuid.UUID,
    hourly_fee: Decimal,
    model_number: str = "",
    agency_id: uuid.UUID | None = None,
    location: str = "",
    description: str = "",
) -> Instrument:
    api.require(actor, api.WRITE_ROLES, "add shared instruments")
    fields = await _clean(
        actor,
        {
            "name": name,
            "service_id": service_id,
            "hourly_fee": hourly_fee,
            "model_number": model_number,
            "agency_id": agency_id,
            "location": location,
            "description": description,
        },
    )
    return await Instrument.create(**fields)


async def _locked(model: type[Any], key: uuid.UUID, connection: Any) -> Any:
    """The row, locked until the transaction ends (PostgreSQL; SQLite serialises it anyway)."""
    row = await model.filter(id=key).select_for_update().using_db(connection).first()
    if row is None:
        raise api.NotFound(f"no {model.__name__.lower()} {key}")
    return row


async def update_instrument(
    actor: api.Actor, instrument_id: uuid.UUID, fields: dict[str, Any]
) -> Instrument:
    """Change the given fields (``agency_id`` None: the window's own instrument)."""
    api.require(actor, api.WRITE_ROLES, "update shared instruments")
    fields = await _clean(actor, fields)
    async with in_transaction() as connection:
        instrument: Instrument = await _locked(Instrument, instrument_id, connection)
        if fields:
            instrument.update_from_dict(fields)
            # Only the given fields: a concurrent change of another is never written back.
            await instrument.save(update_fields=[*fields, "updated_at"], using_db=connection)
    return instrument


async def retire_instrument(actor: api.Actor, instrument_id: uuid.UUID) -> Instrument:
    """Take an instrument out of the catalogue; its bookings stay to be used or cancelled."""
    api.require(actor, api.WRITE_ROLES, "retire shared instruments")
    async with in_transaction() as connection:
        instrument: Instrument = await _locked(Instrument, instrument_id, connection)
        if instrument.retired_at is not None:
            raise api.InvalidTransition(f"instrument {instrument_id} is already retired")
        instrument.retired_at = api.now()
        await instrument.save(update_fields=["retired_at", "updated_at"], using_db=connection)
    return instrument


def _visible(actor: api.Actor, include_retired: bool) -> Any:
    """The public sees active instruments; the window's users may ask for retired ones too."""
    if include_retired:
        api.require(actor, api.READ_ROLES, "see retired instruments")
        return Instrument.all()
    return Instrument.filter(retired_at__isnull=True)


async def list_instruments(
    actor: api.Actor,
    first: int,
    after: str | None,
    agency_id: uuid.UUID | None = None,
    include_retired: bool = False,
) -> api.Page[Instrument]:
    query = _visible(actor, include_retired)
    if agency_id is not None:
        query = query.filter(agency_id=agency_id)
    return await api.paginate(query, first, after)


async def get_instrument(actor: api.Actor, instrument_id: uuid.UUID) -> Instrument | None:
    return await _visible(actor, actor.has_any(api.READ_ROLES)).get_or_none(id=instrument_id)


# Bookings


def _slot(starts_at: datetime, ends_at: datetime, max_hours: int) -> tuple[datetime, datetime]:
    """The slot in UTC, checked. In UTC because SQLite compares times as text, and the same
    moment written with two offsets would not compare as one."""
    for name, moment in (("startsAt", starts_at), ("endsAt", ends_at)):
        if moment.utcoffset() is None:
            raise api.InputError(f"{name} must carry a UTC offset", field=name)
    if ends_at <= starts_at:
        raise api.InputError("endsAt must be after startsAt", field="endsAt")
    if ends_at - starts_at > timedelta(hours=max_hours):
        raise BookingTooLong(
            f"a booking lasts at most {max_hours} hours", field="endsAt", maxHours=max_hours
        )
    return starts_at.astimezone(UTC), ends_at.astimezone(UTC)


async def book(
    actor: api.Actor,
    instrument_id: uuid.UUID,
    enterprise_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    purpose: str,
    max_hours: int,
) -> Booking:
    """Book a free slot for an enterprise; an overlapping BOOKED or USED booking takes it."""
    api.require(actor, api.WRITE_ROLES, "book instruments")
    starts_at, ends_at = _slot(starts_at, ends_at, max_hours)
    purpose = api.required_text(purpose, "purpose", MAX_PURPOSE)
    async with in_transaction() as connection:
        # The lock every booking of this instrument queues on: see the module's docstring.
        instrument: Instrument = await _locked(Instrument, instrument_id, connection)
        if instrument.retired_at is not None:
            raise api.InputError(f"instrument {instrument_id} is retired", field="instrumentId")
        if await api.get_enterprise(actor, enterprise_id) is None:
            raise api.NotFound(f"no enterprise {enterprise_id}")
        clash = (
            await Booking.filter(
                instrument_id=instrument_id,
                status__in=HOLDING,
                starts_at__lt=ends_at,
                ends_at__gt=starts_at,
            )
            .using_db(connection)
            .first()
        )
        if clash is not None:
            raise SlotTaken(
                f"instrument {instrument_id} is booked from {clash.starts_at.isoformat()} "
                f"to {clash.ends_at.isoformat()}"
            )
        return await Booking.create(
            instrument_id=instrument_id,
            enterprise_id=enterprise_id,
            starts_at=starts_at,
            ends_at=ends_at,
            purpose=purpose,
            status=BookingStatus.BOOKED.value,
            booked_by=actor.username,
            using_db=connection,
        )


async def _locked_booking(booking_id: uuid.UUID, connection: Any) -> Booking:
    booking: Booking = await _locked(Booking, booking_id, connection)
    if booking.status != BookingStatus.BOOKED:
        raise api.InvalidTransition(
            f"booking {booking_id} is {booking.status}, not BOOKED", status=booking.status
        )
    return booking


async def cancel_booking(actor: api.Actor, booking_id: uuid.UUID) -> Booking:
    """Free the slot of a booking not yet used."""
    api.require(actor, api.WRITE_ROLES, "cancel bookings")
    async with in_transaction() as connection:
        booking = await _locked_booking(booking_id, connection)
        booking.status, booking.cancelled_at = BookingStatus.CANCELLED.value, api.now()
        await booking.save(update_fields=["status", "cancelled_at"], using_db=connection)
    return booking


def hours(booking: Booking) -> Decimal:
    return Decimal((booking.ends_at - booking.starts_at).total_seconds()) / SECONDS_PER_HOUR


async def record_usage(
    actor: api.Actor, booking_id: uuid.UUID, outcome: str, fee: Decimal | None = None
) -> Booking:
    """The booked session took place: a completed OFFLINE service record of the instrument's
    service and agency for the enterprise, and the booking USED, in one transaction.

    ``fee`` defaults to the hourly fee times the booked hours.
    """
    api.require(actor, api.WRITE_ROLES, "record equipment usage")
    async with in_transaction() as connection:
        booking = await _locked_booking(booking_id, connection)
        instrument = await Instrument.get(id=booking.instrument_id).using_db(connection)
        if fee is None:
            fee = instrument.hourly_fee * hours(booking)
        record = await api.start_service_record(
            actor,
            booking.enterprise_id,
            instrument.service_id,
            api.Channel.OFFLINE,
            agency_id=instrument.agency_id,
        )
        record = await api.complete_service_record(actor, record.id, outcome, fee)
        booking.status, booking.service_record_id = BookingStatus.USED.value, record.id
        await booking.save(update_fields=["status", "service_record_id"], using_db=connection)
    return booking


async def list_bookings(
    actor: api.Actor, booking_filter: BookingFilter, first: int, after: str | None
) -> api.Page[Booking]:
    api.require(actor, api.READ_ROLES, "read bookings")
    f = booking_filter
    query = Booking.all().prefetch_related("enterprise")
    if f.instrument_id is not None:
        query = query.filter(instrument_id=f.instrument_id)
    if f.enterprise_id is not None:
        query = query.filter(enterprise_id=f.enterprise_id)
    if f.status is not None:
        query = query.filter(status=f.status.value)
    return await api.paginate(query, first, after)


# Tags and indicators


def service_tags(category: str) -> list[str]:
    return [TAG] if category == api.ServiceCategory.EQUIPMENT_SHARING else []


async def bookings_made(period: api.Period) -> int:
    start, end = period.bounds()
    return await Booking.filter(created_at__gte=start, created_at__lt=end).count()


async def hours_used(period: api.Period) -> float:
    """Booked hours of the USED bookings starting in the period."""
    start, end = period.bounds()
    spans = await Booking.filter(
        status=BookingStatus.USED.value, starts_at__gte=start, starts_at__lt=end
    ).values_list("starts_at", "ends_at")
    seconds = sum((ends_at - starts_at).total_seconds() for starts_at, ends_at in spans)
    return round(seconds / SECONDS_PER_HOUR, 2)


async def instruments_active(period: api.Period) -> int:
    """Instruments in the catalogue at the end of the period."""
    _, end = period.bounds()
    return await Instrument.filter(
        Q(retired_at__isnull=True) | Q(retired_at__gte=end), created_at__lt=end
    ).count()
