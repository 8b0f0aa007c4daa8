"""Storage models of the window node (Tortoise ORM app ``node``)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from federation.ids import new_uuid, uuid_time


class Record(Model):
    """Base of every network-addressable record: a time-ordered UUIDv7 key and its time."""

    id = fields.UUIDField(primary_key=True, default=new_uuid)
    # Always the time the UUIDv7 carries, so ordering by ID is ordering by creation time.
    created_at = fields.DatetimeField()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.created_at is None:
            self.created_at = uuid_time(self.id)

    class Meta:
        abstract = True


class User(Record):
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=128, default="")
    password_hash = fields.CharField(max_length=255)
    roles: fields.Field[list[str]] = fields.JSONField(default=list)
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    # Bumped on every password change or reset, which invalidates older session tokens.
    token_version = fields.IntField(default=0)

    class Meta:
        table = "users"


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


class AuditEntry(Record):
    actor = fields.CharField(max_length=64)
    operation = fields.CharField(max_length=64)
    target = fields.CharField(max_length=128, default="")
    result = fields.CharField(max_length=64)

    class Meta:
        table = "audit_log"
