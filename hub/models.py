"""Storage models of the hub (Tortoise app ``hub``): users, audit log and the window registry."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields

from federation import lockout, schedule, storage
from federation.accounts import Account
from federation.storage import Record

# Tortoise turns a model's docstring into a table comment and breaks on semicolons: none there.


class HubUser(Account):
    class Meta:
        table = "hub_users"


class LoginFailure(lockout.LoginFailure):
    class Meta:
        table = "login_failures"
        unique_together = (("username", "address"),)


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
    # The client address it came from, never shown: bounds the open objections of one address.
    address = fields.CharField(max_length=lockout.ADDRESS_LENGTH, default="")
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


# Supervision (DESIGN §7): yearly assessments, rectification and revocation requests.


class Assessment(Record):
    """A window's, or one of its agencies', assessment of a period, with its evidence."""

    window: fields.ForeignKeyRelation[Window] = fields.ForeignKeyField(
        "hub.Window", related_name="assessments", on_delete=fields.RESTRICT
    )
    window_id: uuid.UUID
    # The agency's network ID and name; "" for the window's own assessment.
    agency_ref = fields.CharField(max_length=128, default="")
    agency_name = fields.CharField(max_length=200, default="")
    year = fields.IntField()
    kind = fields.CharField(max_length=16)  # YEARLY, or RECHECK after a rectification
    # How many of its kind the window had that year before it: a year has one assessment of
    # its own, and a re-check per rectification.
    round = fields.IntField(default=0)
    date_from = fields.DateField()
    date_to = fields.DateField()
    grade = fields.CharField(max_length=16)
    total = fields.FloatField()
    # [{indicator, score, weight, met, evidence}] and the figures as read, with their source.
    scores: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    figures: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    assessed_by = fields.CharField(max_length=64)
    # An override keeps the computed grade beside it, with who, why and when.
    override_grade = fields.CharField(max_length=16, null=True)
    override_reason = fields.TextField(default="")
    overridden_by = fields.CharField(max_length=64, null=True)
    overridden_at = fields.DatetimeField(null=True)

    class Meta:
        table = "assessments"
        unique_together = (("window", "year", "kind", "agency_ref", "round"),)


class Rectification(Record):
    """A FAIL's rectification (整改): the window is RECTIFYING until its re-check."""

    window: fields.ForeignKeyRelation[Window] = fields.ForeignKeyField(
        "hub.Window", related_name="rectifications", on_delete=fields.RESTRICT
    )
    window_id: uuid.UUID
    assessment: fields.ForeignKeyRelation[Assessment] = fields.ForeignKeyField(
        "hub.Assessment", related_name="rectifications", on_delete=fields.RESTRICT
    )
    assessment_id: uuid.UUID
    deadline = fields.DatetimeField()
    status = fields.CharField(max_length=16, default="OPEN", db_index=True)
    recheck: fields.ForeignKeyNullableRelation[Assessment] = fields.ForeignKeyField(
        "hub.Assessment", related_name="rechecked", null=True, on_delete=fields.RESTRICT
    )
    recheck_id: uuid.UUID | None
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "rectifications"


class RevocationRequest(Record):
    """The hub's request to revoke a window that failed its re-check, for a SUPERVISOR to decide."""

    window: fields.ForeignKeyRelation[Window] = fields.ForeignKeyField(
        "hub.Window", related_name="revocation_requests", on_delete=fields.RESTRICT
    )
    window_id: uuid.UUID
    rectification: fields.ForeignKeyRelation[Rectification] = fields.ForeignKeyField(
        "hub.Rectification", related_name="revocation_requests", on_delete=fields.RESTRICT
    )
    rectification_id: uuid.UUID
    reason = fields.TextField()
    requested_by = fields.CharField(max_length=64)
    status = fields.CharField(max_length=16, default="PENDING", db_index=True)
    decided_by = fields.CharField(max_length=64, null=True)
    decision_reason = fields.TextField(default="")
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "revocation_requests"


class NetworkVoucher(Record):
    """A voucher the hub issued to an enterprise, redeemable at any window once (DESIGN §7).

    The stored status goes ISSUED → REDEEMED only; EXPIRED is read from ``valid_until``."""

    uscc = fields.CharField(max_length=18, db_index=True)
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    # A service category of the core contract, or null: any value-added service.
    category = fields.CharField(max_length=32, null=True)
    valid_until = fields.DateField()
    status = fields.CharField(max_length=16, default="ISSUED", db_index=True)
    issued_by = fields.CharField(max_length=64)
    # Set by the one redemption: the window that redeemed it, for which service record.
    redeemed_by = fields.CharField(max_length=63, null=True)
    service_record_id = fields.CharField(max_length=128, null=True)
    redeemed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "network_vouchers"


class Agreement(Record):
    """A cooperation agreement (合作协议): hub–window (``partner`` null) or window–window,
    sharing the record types of ``scope`` from ``valid_from`` through ``valid_until``."""

    window = fields.CharField(max_length=63, db_index=True)
    partner = fields.CharField(max_length=63, null=True, db_index=True)
    scope: fields.Field[list[str]] = fields.JSONField(default=list)
    valid_from = fields.DateField()
    valid_until = fields.DateField(null=True)  # null: until terminated
    note = fields.TextField(default="")
    created_by = fields.CharField(max_length=64)
    terminated_at = fields.DatetimeField(null=True)
    terminated_by = fields.CharField(max_length=64, null=True)
    termination_reason = fields.TextField(default="")

    class Meta:
        table = "agreements"


# Hub → window deliveries, broadcasts and demand routing (DESIGN §7).


class HubDelivery(Record):
    """A message to one window's node, written in the transaction of the change, pushed oldest
    first per window until the node has stored it (``acceptHubMessage``)."""

    window: fields.ForeignKeyRelation[Window] = fields.ForeignKeyField(
        "hub.Window", related_name="deliveries", on_delete=fields.RESTRICT
    )
    window_id: uuid.UUID
    kind = fields.CharField(max_length=64)
    payload: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    # The network ID of what is delivered (a broadcast, a routed demand): its deliveries' state.
    subject = fields.CharField(max_length=128, db_index=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    # Refused for good by the node (the message itself was bad): skipped, never blocks the queue.
    failed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "hub_deliveries"
        # The pusher's question: each window's oldest deliveries still pending.
        indexes = (("delivered_at", "failed_at", "window_id", "id"),)


class Broadcast(Record):
    """A policy or notice the hub published to all windows or a selection of them."""

    kind = fields.CharField(max_length=16)
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    # The selection as asked: {"windows": [...] | None, "region": str | None, "kind": str | None}.
    selection: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    author = fields.CharField(max_length=64)

    class Meta:
        table = "broadcasts"


class RoutedDemand(Record):
    """A demand a window escalated, waiting in the routing queue until an operator dispatches
    it, then following the dispatched demand's outcome. No personal data: no contact person."""

    # The escalated demand's network ID at the originating window.
    demand_id = fields.CharField(max_length=128, unique=True)
    origin: fields.ForeignKeyRelation[Window] = fields.ForeignKeyField(
        "hub.Window", related_name="escalated_demands", on_delete=fields.RESTRICT
    )
    origin_id: uuid.UUID
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    category = fields.CharField(max_length=32)
    note = fields.TextField(null=True)
    # The enterprise's public registration data and profile: name, uscc, region, industry, size.
    enterprise: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    # When the enterprise submitted it at the originating window.
    submitted_at = fields.DatetimeField()
    status = fields.CharField(max_length=16, default="QUEUED", db_index=True)
    target: fields.ForeignKeyNullableRelation[Window] = fields.ForeignKeyField(
        "hub.Window", related_name="dispatched_demands", null=True, on_delete=fields.RESTRICT
    )
    target_id: uuid.UUID | None
    service_id = fields.CharField(max_length=128, null=True)
    dispatched_by = fields.CharField(max_length=64, null=True)
    dispatch_note = fields.TextField(null=True)
    dispatched_at = fields.DatetimeField(null=True)
    # The receiving window's demand, and its outcome as that window reported it.
    dispatched_demand_id = fields.CharField(max_length=128, null=True)
    outcome_note = fields.TextField(null=True)
    outcome_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "routed_demands"


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
    # When the next try is due: a node that does not answer is asked again later and later.
    next_verify_at = fields.DatetimeField(db_index=True)
    flags: fields.Field[list[dict[str, str]]] = fields.JSONField(default=list)
    flagged = fields.BooleanField(default=False, db_index=True)

    class Meta:
        table = "reports"
        unique_together = (("window", "kind", "period", "version"),)
        indexes = (("window_id", "period_to"),)
