"""Storage models of the window node (Tortoise ORM app ``node``)."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from federation import lockout, schedule, storage
from federation.accounts import Account
from federation.ids import new_uuid
from node import clock


class Record(storage.Record):
    """Base of every network-addressable record: a time-ordered UUIDv7 key and its time."""

    def __init__(self, **kwargs: Any) -> None:
        if "id" not in kwargs and (moment := clock.frozen_time()) is not None:
            kwargs["id"] = new_uuid(at=moment)  # back-dated demo history: the id says when
        super().__init__(**kwargs)

    class Meta:
        abstract = True


class User(Account, Record):
    class Meta:
        table = "users"


class LoginFailure(lockout.LoginFailure, Record):
    class Meta:
        table = "login_failures"
        unique_together = (("username", "address"),)


class Agency(Record):
    name = fields.CharField(max_length=200)
    uscc = fields.CharField(max_length=18, null=True, unique=True)
    categories: fields.Field[list[str]] = fields.JSONField(default=list)
    qualifications: fields.Field[list[str]] = fields.JSONField(default=list)
    contact_phone = fields.CharField(max_length=64, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "agencies"


class Expert(Record):
    name = fields.CharField(max_length=100)
    title = fields.CharField(max_length=100, default="")
    organisation = fields.CharField(max_length=200, default="")
    specialties: fields.Field[list[str]] = fields.JSONField(default=list)
    # "|智能制造|工业互联网|": filterable with LIKE on SQLite and PostgreSQL alike.
    specialty_index = fields.TextField(default="")
    bio = fields.TextField(default="")
    phone = fields.CharField(max_length=64, default="")
    email = fields.CharField(max_length=200, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "experts"


class Service(Record):
    name = fields.CharField(max_length=200)
    category = fields.CharField(max_length=32, db_index=True)
    public_welfare = fields.BooleanField(default=True)
    function = fields.TextField(default="")
    process = fields.TextField(default="")
    standard = fields.TextField(default="")
    fee = fields.TextField(default="")
    time_limit_days = fields.IntField(null=True)
    mode = fields.CharField(max_length=16, default="BOTH")
    status = fields.CharField(max_length=16, default="DRAFT", db_index=True)
    tags: fields.Field[list[str]] = fields.JSONField(default=list)
    agency: fields.ForeignKeyNullableRelation[Agency] = fields.ForeignKeyField(
        "node.Agency", related_name="services", null=True, on_delete=fields.RESTRICT
    )
    agency_id: str | None
    updated_at = fields.DatetimeField(auto_now=True)
    published_at = fields.DatetimeField(null=True)
    retired_at = fields.DatetimeField(null=True)

    class Meta:
        table = "services"
        # Anonymous pages filter by status and walk the ID order.
        indexes = (("status", "id"),)


class Enterprise(Record):
    name = fields.CharField(max_length=200)
    uscc = fields.CharField(max_length=18, unique=True)
    region_code = fields.CharField(max_length=6)
    industry_code = fields.CharField(max_length=4)
    employees = fields.IntField(null=True)
    revenue = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    assets = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    size_class = fields.CharField(max_length=16)
    # Personal information (PIPL): shown to STAFF and WINDOW_ADMIN only, erasable on request.
    contact_name = fields.CharField(max_length=100, default="")
    contact_phone = fields.CharField(max_length=64, default="")
    contact_email = fields.CharField(max_length=200, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "enterprises"


class AuditEntry(storage.AuditEntry, Record):
    class Meta:
        table = "audit_log"


# The service lifecycle.


class Demand(Record):
    # None only for a demand from the public form until staff confirm whose it is.
    enterprise: fields.ForeignKeyNullableRelation[Enterprise] = fields.ForeignKeyField(
        "node.Enterprise", related_name="demands", null=True, on_delete=fields.RESTRICT
    )
    enterprise_id: uuid.UUID | None
    # The public form's enterprise as typed (name, codes, contact), kept once confirmed.
    claim: fields.Field[dict[str, str] | None] = fields.JSONField(null=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    category = fields.CharField(max_length=32)
    status = fields.CharField(max_length=16, default="SUBMITTED", db_index=True)
    submitted_by = fields.CharField(max_length=64)
    # A service of this window, or (matched_service_ref only) another window's by network ID.
    matched_service: fields.ForeignKeyNullableRelation[Service] = fields.ForeignKeyField(
        "node.Service", related_name="demands", null=True, on_delete=fields.RESTRICT
    )
    matched_service_id: uuid.UUID | None
    matched_service_ref = fields.CharField(max_length=128, null=True)
    reject_reason = fields.TextField(null=True)
    # A demand the hub dispatched here: the network ID of the escalated one it came from.
    origin = fields.CharField(max_length=128, null=True, unique=True)
    accepted_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "demands"
        indexes = (("enterprise_id", "id"),)


class DemandTransition(Record):
    demand: fields.ForeignKeyRelation[Demand] = fields.ForeignKeyField(
        "node.Demand", related_name="transitions", on_delete=fields.RESTRICT
    )
    demand_id: uuid.UUID
    from_status = fields.CharField(max_length=16, null=True)
    to_status = fields.CharField(max_length=16)
    actor = fields.CharField(max_length=64)
    note = fields.TextField(null=True)

    class Meta:
        table = "demand_transitions"
        indexes = (("demand_id", "id"), ("to_status", "created_at", "demand_id"))


class Voucher(Record):
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "node.Enterprise", related_name="vouchers", on_delete=fields.RESTRICT
    )
    enterprise_id: uuid.UUID
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    valid_until = fields.DateField()
    categories: fields.Field[list[str]] = fields.JSONField(default=list)
    status = fields.CharField(max_length=16, default="ISSUED", db_index=True)
    issued_by = fields.CharField(max_length=64)
    redeemed_at = fields.DatetimeField(null=True)
    service_record_id = fields.UUIDField(null=True, unique=True)
    # A network voucher: issued by the hub (its ID is the hub's, ``hub:<id>``), recorded here
    # once the hub confirmed its redemption.
    from_hub = fields.BooleanField(default=False)

    class Meta:
        table = "vouchers"
        indexes = (("enterprise_id", "id"),)


class ServiceRecord(Record):
    """Current view of one service activity, whose history is the append-only chain."""

    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "node.Enterprise", related_name="service_records", on_delete=fields.RESTRICT
    )
    enterprise_id: uuid.UUID
    service: fields.ForeignKeyRelation[Service] = fields.ForeignKeyField(
        "node.Service", related_name="service_records", on_delete=fields.RESTRICT
    )
    service_id: uuid.UUID
    agency: fields.ForeignKeyNullableRelation[Agency] = fields.ForeignKeyField(
        "node.Agency", related_name="service_records", null=True, on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID | None
    demand: fields.ForeignKeyNullableRelation[Demand] = fields.ForeignKeyField(
        "node.Demand", related_name="service_records", null=True, on_delete=fields.RESTRICT
    )
    demand_id: uuid.UUID | None
    channel = fields.CharField(max_length=16)
    staff = fields.CharField(max_length=100, default="")
    status = fields.CharField(max_length=16, default="IN_PROGRESS")
    started_at = fields.DatetimeField()
    completed_at = fields.DatetimeField(null=True, db_index=True)
    outcome = fields.TextField(null=True)
    fee = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    voucher: fields.ForeignKeyNullableRelation[Voucher] = fields.ForeignKeyField(
        "node.Voucher", related_name="service_records", null=True, on_delete=fields.RESTRICT
    )
    voucher_id: uuid.UUID | None

    class Meta:
        table = "service_records"
        # A page of one enterprise's records; stats of a period read from the index alone.
        indexes = (
            ("enterprise_id", "id"),
            ("completed_at", "service_id", "channel", "enterprise_id"),
        )


class ChainEntry(Record):
    """One history entry of a service record, linked into the node's single hash chain."""

    position = fields.BigIntField(unique=True)
    service_record: fields.ForeignKeyRelation[ServiceRecord] = fields.ForeignKeyField(
        "node.ServiceRecord", related_name="history", on_delete=fields.RESTRICT
    )
    service_record_id: uuid.UUID
    kind = fields.CharField(max_length=16)
    actor = fields.CharField(max_length=64)
    content = fields.TextField()
    previous_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "chain_entries"
        indexes = (("service_record_id", "position"),)


class ChainHead(Model):
    """The single row appenders lock, so the chain never forks."""

    id = fields.IntField(primary_key=True)
    length = fields.BigIntField(default=0)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "chain_head"


class Feedback(Record):
    service_record: fields.OneToOneRelation[ServiceRecord] = fields.OneToOneField(
        "node.ServiceRecord", related_name="feedback", on_delete=fields.RESTRICT
    )
    service_record_id: uuid.UUID
    rating = fields.SmallIntField()
    comment = fields.TextField(default="")
    channel = fields.CharField(max_length=16)
    actor = fields.CharField(max_length=64)

    class Meta:
        table = "feedback"
        indexes = (("created_at", "rating"),)


class FeedbackLink(Record):
    """A one-time link an enterprise rates a service record through, kept as a hash only."""

    service_record: fields.ForeignKeyRelation[ServiceRecord] = fields.ForeignKeyField(
        "node.ServiceRecord", related_name="feedback_links", on_delete=fields.RESTRICT
    )
    service_record_id: uuid.UUID
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "feedback_links"


class FollowUp(Record):
    service_record: fields.ForeignKeyRelation[ServiceRecord] = fields.ForeignKeyField(
        "node.ServiceRecord", related_name="follow_ups", on_delete=fields.RESTRICT
    )
    service_record_id: uuid.UUID
    channel = fields.CharField(max_length=32)
    result = fields.TextField()
    actor = fields.CharField(max_length=64)

    class Meta:
        table = "follow_ups"
        indexes = (("service_record_id", "id"),)


class Activity(Record):
    title = fields.CharField(max_length=200)
    kind = fields.CharField(max_length=32)
    description = fields.TextField(default="")
    starts_at = fields.DatetimeField(db_index=True)
    ends_at = fields.DatetimeField()
    online = fields.BooleanField(default=False)
    location = fields.CharField(max_length=200, default="")
    capacity = fields.IntField()
    created_by = fields.CharField(max_length=64)

    class Meta:
        table = "activities"


class ActivityRegistration(Record):
    activity: fields.ForeignKeyRelation[Activity] = fields.ForeignKeyField(
        "node.Activity", related_name="registrations", on_delete=fields.RESTRICT
    )
    activity_id: uuid.UUID
    enterprise: fields.ForeignKeyNullableRelation[Enterprise] = fields.ForeignKeyField(
        "node.Enterprise", related_name="registrations", null=True, on_delete=fields.RESTRICT
    )
    enterprise_id: uuid.UUID | None
    # Personal data: the participant's name stays out of every indicator.
    participant_name = fields.CharField(max_length=100, default="")
    attended_at = fields.DatetimeField(null=True)
    rating = fields.SmallIntField(null=True)
    comment = fields.TextField(default="")

    class Meta:
        table = "activity_registrations"
        unique_together = (("activity", "enterprise"),)


class Announcement(Record):
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    status = fields.CharField(max_length=16, default="DRAFT", db_index=True)
    author = fields.CharField(max_length=64)
    reviewer = fields.CharField(max_length=64, null=True)
    review_comment = fields.TextField(null=True)
    from_hub = fields.BooleanField(default=False)
    published_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "announcements"


class DomainEvent(Record):
    """Written in the transaction of the change it reports, dispatched to plugins after commit."""

    kind = fields.CharField(max_length=64, db_index=True)
    subject_id = fields.CharField(max_length=128)
    payload: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    dispatched_at = fields.DatetimeField(null=True)

    class Meta:
        table = "domain_events"
        # The dispatcher's question: the oldest events not yet dispatched.
        indexes = (("dispatched_at", "id"),)


class OutboxMessage(Record):
    """A message to the hub, written in the transaction of the change, pushed oldest first."""

    kind = fields.CharField(max_length=64)
    payload: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    delivered_at = fields.DatetimeField(null=True, db_index=True)
    # Refused by the hub for good (the message itself is bad): skipped, kept for a look.
    failed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox"


class EventDelivery(Record):
    """One plugin's handling of one domain event: written once the handler succeeded, so an
    event is handled again after a restart only by the plugins that had not yet handled it."""

    event: fields.ForeignKeyRelation[DomainEvent] = fields.ForeignKeyField(
        "node.DomainEvent", related_name="deliveries", on_delete=fields.RESTRICT
    )
    plugin = fields.CharField(max_length=64)
    attempts = fields.IntField(default=0)
    delivered_at = fields.DatetimeField(null=True)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)

    class Meta:
        table = "event_deliveries"
        unique_together = (("event", "plugin"),)


class SeenToken(storage.SeenToken):
    """Ids of the hub's tokens this node has accepted, until they expire."""

    class Meta:
        table = "seen_tokens"


class HubMessage(Model):
    """A hub delivery this node has taken (``acceptHubMessage``): each id is handled once."""

    id = fields.CharField(max_length=128, primary_key=True)
    kind = fields.CharField(max_length=64)
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "hub_messages"


class Lease(schedule.Lease):
    """Which of the node's processes runs a scheduled job (federation.schedule)."""

    class Meta:
        table = "leases"


class Report(Record):
    """A periodic report to the hub (DESIGN §7), signed when written. A correction is the next
    version of the same kind and period."""

    kind = fields.CharField(max_length=16)
    period = fields.CharField(max_length=8)  # "2026-10" (a month) or "2026-Q4" (a quarter)
    version = fields.IntField()
    # The canonical JSON that was signed, as sent: the hub verifies these very bytes.
    content = fields.TextField()
    signature = fields.CharField(max_length=128)
    kid = fields.CharField(max_length=64)
    chain_head = fields.CharField(max_length=64, null=True)
    chain_length = fields.BigIntField()
    written_by = fields.CharField(max_length=64)
    outbox_message: fields.OneToOneRelation[OutboxMessage] = fields.OneToOneField(
        "node.OutboxMessage", related_name="report", on_delete=fields.RESTRICT
    )
    outbox_message_id: uuid.UUID

    class Meta:
        table = "reports"
        # The key that makes a scheduled period's report written once, whoever writes it.
        unique_together = (("kind", "period", "version"),)
