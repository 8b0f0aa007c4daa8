"""Storage of the inspection plugin: test orders (检验委托) and their result reports."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields

from node.plugins import api


class InspectionOrder(api.Record):
    """One sample sent to a lab for testing against a standard, and the report it got."""

    enterprise: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "node.Enterprise", related_name="inspection_orders", on_delete=fields.RESTRICT
    )
    enterprise_id: uuid.UUID
    lab: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "node.Agency", related_name="inspection_orders", on_delete=fields.RESTRICT
    )
    lab_id: uuid.UUID
    service: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "node.Service", related_name="inspection_orders", null=True, on_delete=fields.RESTRICT
    )
    service_id: uuid.UUID | None
    sample_description = fields.TextField()
    sample_quantity = fields.IntField()
    standard = fields.CharField(max_length=200)
    # Calendar days in the node's time zone.
    received_on = fields.DateField(db_index=True)
    due_on = fields.DateField()
    status = fields.CharField(max_length=16, default="RECEIVED")
    testing_started_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    cancel_reason = fields.TextField(null=True)
    # The report: NULLs never clash, so only reported orders take part in the uniqueness.
    report_number = fields.CharField(max_length=64, null=True, unique=True)
    conclusion = fields.CharField(max_length=16, null=True)
    report_summary = fields.TextField(null=True)
    reported_at = fields.DatetimeField(null=True, db_index=True)
    # The day of reported_at in the node's time zone, kept so that "on time" (reported on or
    # before the due day) is a plain date comparison on SQLite and PostgreSQL alike.
    reported_on = fields.DateField(null=True)

    class Meta:
        table = "inspection_orders"
        # The orders list, newest first, filtered by status or by lab.
        indexes = (("status", "id"), ("lab_id", "id"))
