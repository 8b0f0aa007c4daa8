"""Storage of 设备共享: the shared instruments and their bookings (Tortoise app ``equipment``)."""

from __future__ import annotations

import uuid

from tortoise import fields

from node.plugins import api


class Instrument(api.Record):
    """A shared instrument of the window (no agency) or of one of its agencies."""

    name = fields.CharField(max_length=200)
    model_number = fields.CharField(max_length=200, default="")  # 型号
    agency = fields.ForeignKeyField(
        "node.Agency", related_name="equipment_instruments", null=True, on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID | None
    location = fields.CharField(max_length=200, default="")
    description = fields.TextField(default="")
    hourly_fee = fields.DecimalField(max_digits=12, decimal_places=2)  # 元 per hour
    # The EQUIPMENT_SHARING service its usage is delivered and recorded under.
    service = fields.ForeignKeyField(
        "node.Service", related_name="equipment_instruments", on_delete=fields.RESTRICT
    )
    service_id: uuid.UUID
    # Set when retired: the instrument was active until then (what the indicators need).
    retired_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "equipment_instruments"


class Booking(api.Record):
    """One enterprise's time slot on an instrument: BOOKED → USED | CANCELLED."""

    instrument = fields.ForeignKeyField(
        "equipment.Instrument", related_name="bookings", on_delete=fields.RESTRICT
    )
    instrument_id: uuid.UUID
    enterprise = fields.ForeignKeyField(
        "node.Enterprise", related_name="equipment_bookings", on_delete=fields.RESTRICT
    )
    enterprise_id: uuid.UUID
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()  # excluded: [starts_at, ends_at)
    purpose = fields.TextField(default="")
    status = fields.CharField(max_length=16)
    booked_by = fields.CharField(max_length=64)
    cancelled_at = fields.DatetimeField(null=True)
    # The core service record the usage became (USED only).
    service_record = fields.ForeignKeyField(
        "node.ServiceRecord",
        related_name="equipment_bookings",
        null=True,
        on_delete=fields.RESTRICT,
    )
    service_record_id: uuid.UUID | None

    class Meta:
        table = "equipment_bookings"
        # The clash check reads one instrument's bookings around a slot.
        indexes = (("instrument_id", "starts_at"),)
