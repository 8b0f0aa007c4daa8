"""Storage of the financing plugin (Tortoise app ``financing``): products, demands, their
transitions, and the core FINANCING demands that arrived through events."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from node.plugins.api import Record

# Core rows are typed as plain models: a plugin reads them only through the plugin API.


class FinancingProduct(Record):
    """A loan or guarantee product of a bank or guarantee agency, amounts in 万元."""

    name = fields.CharField(max_length=200)
    provider_name = fields.CharField(max_length=200)
    provider_kind = fields.CharField(max_length=16)
    agency: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "node.Agency", related_name="financing_products", null=True, on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID | None
    amount_min = fields.DecimalField(max_digits=14, decimal_places=2)
    amount_max = fields.DecimalField(max_digits=14, decimal_places=2)
    term_min_months = fields.IntField()
    term_max_months = fields.IntField()
    size_classes: fields.Field[list[str]] = fields.JSONField(default=list)
    rate_description = fields.TextField(default="")
    active = fields.BooleanField(default=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "financing_products"


class FinancingDemand(Record):
    """A need for financing of an enterprise, tracked to its outcome, amounts in 万元."""

    enterprise: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "node.Enterprise", related_name="financing_demands", on_delete=fields.RESTRICT
    )
    enterprise_id: uuid.UUID
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    term_months = fields.IntField()
    purpose = fields.TextField()
    status = fields.CharField(max_length=16, default="OPEN", db_index=True)
    product: fields.ForeignKeyNullableRelation[FinancingProduct] = fields.ForeignKeyField(
        "financing.FinancingProduct", related_name="demands", null=True, on_delete=fields.RESTRICT
    )
    product_id: uuid.UUID | None
    approved_amount = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    decline_reason = fields.TextField(null=True)
    # When it was approved or declined: the indicators count outcomes by this time.
    decided_at = fields.DatetimeField(null=True, db_index=True)
    # The core demand it was taken in from, at most one financing demand each.
    core_demand: fields.OneToOneNullableRelation[Model] = fields.OneToOneField(
        "node.Demand", related_name="financing_demand", null=True, on_delete=fields.RESTRICT
    )
    core_demand_id: uuid.UUID | None
    created_by = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "financing_demands"
        indexes = (("enterprise_id", "id"),)


class FinancingDemandTransition(Record):
    demand: fields.ForeignKeyRelation[FinancingDemand] = fields.ForeignKeyField(
        "financing.FinancingDemand", related_name="transitions", on_delete=fields.RESTRICT
    )
    demand_id: uuid.UUID
    from_status = fields.CharField(max_length=16, null=True)
    to_status = fields.CharField(max_length=16)
    actor = fields.CharField(max_length=64)
    note = fields.TextField(null=True)

    class Meta:
        table = "financing_demand_transitions"
        indexes = (("demand_id", "id"),)


class FinancingCoreDemandLink(Record):
    """A core demand of category FINANCING, recorded once when its event arrives."""

    core_demand: fields.OneToOneRelation[Model] = fields.OneToOneField(
        "node.Demand", related_name="financing_link", on_delete=fields.RESTRICT
    )
    core_demand_id: uuid.UUID
    enterprise: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "node.Enterprise", related_name="financing_core_demand_links", on_delete=fields.RESTRICT
    )
    enterprise_id: uuid.UUID
    submitted_by = fields.CharField(max_length=64)

    class Meta:
        table = "financing_core_demand_links"
