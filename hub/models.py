"""Storage models of the hub (Tortoise app ``hub``): users, audit log and the window registry."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields

from federation import schedule, storage
from federation.accounts import Account
from federation.storage import Record

# Tortoise turns a model's docstring into a table comment and breaks on semicolons: none there.


class HubUser(Account):
    class Meta:
        table = "hub_users"


class AuditEntry(storage.AuditEntry):
    class Meta:
        table = "hub_audit_log"


class Window(Record):
    """A window platform in the registry, from its application to connection and beyond."""

    # The node's own window id: the first part of every record ID it serves.
    window_id = fields.CharField(max_length=63, unique=True)
    name = fields.CharField(max_length=200)
    kind = fields.CharField(max_length=16)
    region_code = fields.CharField(max_length=6, db_index=True)
    status = fields.CharField(max_length=16, db_index=True)
    # What the hub read from the node at connection.
    endpoint = fields.CharField(max_length=500, default="")
    core_schema_version = fields.CharField(max_length=16, default="")
    node_version = fields.CharField(max_length=32, default="")
    plugins: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    sdl = fields.TextField(default="")
    sdl_hash = fields.CharField(max_length=64, default="")
    connected_at = fields.DatetimeField(null=True)
    publicity_starts_at = fields.DatetimeField(null=True)
    publicity_ends_at = fields.DatetimeField(null=True)
    # The reviewers' reasons, or the upheld objection's, when the application was rejected.
    rejection_reasons: fields.Field[list[str]] = fields.JSONField(default=list)
    # Why the window was last suspended or revoked.
    status_reason = fields.TextField(default="")
    updated_at = fields.DatetimeField(auto_now=True)

    applications: fields.ReverseRelation[Application]
    keys: fields.ReverseRelation[WindowKey]

    class Meta:
        table = "windows"


class Application(Record):
    """One application (申报) of a window with its materials. A re-application is a new round."""

    window: fields.ForeignKeyRelation[Window] = fields.ForeignKeyField(
        "hub.Window", related_name="applications", on_delete=fields.RESTRICT
    )
    window_id: uuid.UUID
    round = fields.IntField()
    organisation = fields.CharField(max_length=200)
    # Personal information (PIPL): shown to hub roles only.
    contact_name = fields.CharField(max_length=100)
    contact_phone = fields.CharField(max_length=64, default="")
    contact_email = fields.CharField(max_length=200, default="")
    service_scope = fields.TextField()
    industries: fields.Field[list[str]] = fields.JSONField(default=list)
    # [{"title": …, "description": …, "url": … | None}]
    materials: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    submitted_by = fields.CharField(max_length=64)

    class Meta:
        table = "window_applications"
        unique_together = (("window", "round"),)


class Review(Record):
    """An expert reviewer's score and recommendation on one application."""

    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "hub.Application", related_name="reviews", on_delete=fields.RESTRICT
    )
    application_id: uuid.UUID
    reviewer: fields.ForeignKeyRelation[HubUser] = fields.ForeignKeyField(
        "hub.HubUser", related_name="reviews", on_delete=fields.RESTRICT
    )
    reviewer_id: uuid.UUID
    score = fields.IntField()
    opinion = fields.TextField()
    recommendation = fields.CharField(max_length=8)

    class Meta:
        table = "window_reviews"
        unique_together = (("application", "reviewer"),)


class Objection(Record):
    """An objection filed during a window's publicity, by anyone."""

    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "hub.Application", related_name="objections", on_delete=fields.RESTRICT
    )
    application_id: uuid.UUID
    text = fields.TextField()
    # Personal information (PIPL): shown to hub roles only.
    contact = fields.CharField(max_length=200)
    filed_by = fields.CharField(max_length=64)
    status = fields.CharField(max_length=16, default="OPEN")
    resolution_note = fields.TextField(default="")
    resolved_by = fields.CharField(max_length=64, null=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "window_objections"
        indexes = (("application_id", "status"),)


class WindowTransition(Record):
    window: fields.ForeignKeyRelation[Window] = fields.ForeignKeyField(
        "hub.Window", related_name="transitions", on_delete=fields.RESTRICT
    )
    window_id: uuid.UUID
    from_status = fields.CharField(max_length=16, null=True)
    to_status = fields.CharField(max_length=16)
    actor = fields.CharField(max_length=64)
    note = fields.TextField(default="")

    class Meta:
        table = "window_transitions"
        indexes = (("window_id", "id"),)


class WindowKey(Record):
    """A public JWK of a window's node, added at ``created_at``."""

    window: fields.ForeignKeyRelation[Window] = fields.ForeignKeyField(
        "hub.Window", related_name="keys", on_delete=fields.RESTRICT
    )
    window_id: uuid.UUID
    kid = fields.CharField(max_length=64)
    jwk: fields.Field[dict[str, Any]] = fields.JSONField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "window_keys"
        unique_together = (("window", "kid"),)


class SeenToken(storage.SeenToken):
    """Ids of the window nodes' tokens the hub has accepted, until they expire."""

    class Meta:
        table = "seen_tokens"


class Lease(schedule.Lease):
    """Which of the hub's processes runs a scheduled job (federation.schedule)."""

    class Meta:
        table = "leases"


class WindowMessage(Record):
    """A message a window's node pushed from its outbox, stored once per window and message id."""

    window: fields.ForeignKeyRelation[Window] = fields.ForeignKeyField(
        "hub.Window", related_name="messages", on_delete=fields.RESTRICT
    )
    window_id: uuid.UUID
    # The node's outbox row id: the same message sent again is recognised by it.
    message_id = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=64)
    payload: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)

    class Meta:
        table = "window_messages"
        unique_together = (("window", "message_id"),)


class Report(Record):
    """A window's periodic report (DESIGN §7), stored once per report id, and what the hub
    found when it checked it: the flags, each a code and a detail."""

    window: fields.ForeignKeyRelation[Window] = fields.ForeignKeyField(
        "hub.Window", related_name="reports", on_delete=fields.RESTRICT
    )
    window_id: uuid.UUID
    report_id = fields.CharField(max_length=100, unique=True)
    kind = fields.CharField(max_length=16)
    period = fields.CharField(max_length=8)
    period_from = fields.DateField()
    period_to = fields.DateField()
    version = fields.IntField()
    content = fields.TextField()  # the canonical JSON the window signed, as it came
    signature = fields.CharField(max_length=128)
    kid = fields.CharField(max_length=64)
    chain_head = fields.CharField(max_length=64, null=True)
    chain_length = fields.BigIntField()
    written_at = fields.DatetimeField()
    # Timeliness is judged by when the hub received it (created_at), which the window cannot set.
    due_at = fields.DatetimeField()
    late = fields.BooleanField(default=False)
    # Checks that ask the window's node run after the intake (hub.domain.reports.verify).
    verified_at = fields.DatetimeField(null=True, db_index=True)
    verify_attempts = fields.IntField(default=0)
    verify_error = fields.TextField(null=True)
    flags: fields.Field[list[dict[str, str]]] = fields.JSONField(default=list)
    flagged = fields.BooleanField(default=False, db_index=True)

    class Meta:
        table = "reports"
        unique_together = (("window", "kind", "period", "version"),)
        indexes = (("window_id", "period_to"),)
