"""Enterprises (SMEs) with validated credit, region and industry codes and a derived size class."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from federation.errors import DuplicateUscc, InputError, NotFound
from federation.inputs import check_lengths, money, search_text
from federation.pagination import Page, paginate
from node.domain.access import READ_ROLES, WRITE_ROLES, Actor, require
from node.models import Enterprise
from node.plugins import manager as plugins
from node.reference import (
    USCC_LENGTH,
    check_industry_code,
    check_region_code,
    classify_size,
    divisions_of,
    normalize_uscc,
)

# What the columns hold (14 digits, 2 decimals); 万元, so far above any real enterprise.
MAX_FIGURE = Decimal("1e12")


@dataclass(frozen=True)
class PayloadWarning:
    code: str
    message: str


@dataclass
class EnterpriseFilter:
    keyword: str | None = None
    region_code: str | None = None  # a prefix: "44", "4403", "440305"
    industry_code: str | None = None  # a prefix of the GB/T 4754 code
    size_class: str | None = None


@dataclass
class Saved:
    enterprise: Enterprise
    warnings: list[PayloadWarning] = field(default_factory=list)


def validate_fields(fields: dict[str, Any]) -> list[PayloadWarning]:
    """Normalise codes in place and check figures; return warnings for accepted oddities."""
    warnings: list[PayloadWarning] = []
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        if not fields["name"]:
            raise InputError("name must not be empty")
    if "uscc" in fields:
        fields["uscc"] = normalize_uscc(fields["uscc"])
    if "region_code" in fields:
        region = check_region_code(fields["region_code"].strip())
        fields["region_code"] = region.code
        if region.retired:
            warnings.append(
                PayloadWarning(
                    "RETIRED_REGION_CODE",
                    f"region code {region.code} ({region.name}) is retired from GB/T 2260",
                )
            )
    if "industry_code" in fields:
        fields["industry_code"] = check_industry_code(fields["industry_code"].strip()).code
    if fields.get("employees") is not None and not 0 <= fields["employees"] < 10_000_000:
        raise InputError("employees must not be negative nor above 10 million")
    for name in ("revenue", "assets"):
        if fields.get(name) is not None:
            fields[name] = money(name, fields[name], MAX_FIGURE)
    check_lengths(Enterprise, fields)
    return warnings


def classify(enterprise: Enterprise) -> None:
    revenue = None if enterprise.revenue is None else Decimal(enterprise.revenue)
    assets = None if enterprise.assets is None else Decimal(enterprise.assets)
    enterprise.size_class = classify_size(
        enterprise.industry_code, enterprise.employees, revenue, assets
    ).value


async def create_enterprise(actor: Actor, **fields: Any) -> Saved:
    require(actor, WRITE_ROLES, "create enterprises")
    fields = {k: v for k, v in fields.items() if v is not None}
    warnings = validate_fields(fields)
    await plugins.validate("createEnterprise", fields, actor)
    enterprise = Enterprise(**fields)
    classify(enterprise)
    return Saved(await save_enterprise(enterprise), warnings)


async def update_enterprise(actor: Actor, enterprise_id: uuid.UUID, **fields: Any) -> Saved:
    """Change the given fields; an empty string clears a contact field (erasure on request)."""
    require(actor, WRITE_ROLES, "update enterprises")
    fields = {k: v for k, v in fields.items() if v is not None}
    warnings = validate_fields(fields)
    await plugins.validate("updateEnterprise", {"id": enterprise_id, **fields}, actor)
    async with in_transaction():
        enterprise = await Enterprise.filter(id=enterprise_id).select_for_update().first()
        if enterprise is None:
            raise NotFound(f"no enterprise {enterprise_id}")
        enterprise.update_from_dict(fields)
        classify(enterprise)
        await save_enterprise(enterprise)
    return Saved(enterprise, warnings)


async def save_enterprise(enterprise: Enterprise) -> Enterprise:
    try:
        await enterprise.save()
    except IntegrityError:
        raise DuplicateUscc(
            f"an enterprise with credit code {enterprise.uscc} is already registered"
        ) from None
    return enterprise


async def list_enterprises(
    actor: Actor, enterprise_filter: EnterpriseFilter, first: int, after: str | None
) -> Page[Enterprise]:
    require(actor, READ_ROLES, "read enterprises")
    query = Enterprise.all()
    f = enterprise_filter
    if word := search_text(f.keyword):
        match = Q(name__icontains=word)
        if len(word) == USCC_LENGTH:  # no other word is a credit code (nor fits its column)
            match |= Q(uscc=word.upper())
        query = query.filter(match)
    if f.region_code:
        query = query.filter(region_code__startswith=f.region_code)
    if f.industry_code:
        query = query.filter(industry_prefixes_filter(f.industry_code))
    if f.size_class:
        query = query.filter(size_class=f.size_class)
    return await paginate(query, first, after)


def industry_prefixes_filter(code: str) -> Q:
    """Enterprises under a GB/T 4754 code in any written form: "C", "C39", "39", "3981"."""
    entry = check_industry_code(code)
    if entry.level == 1:
        # Stored codes are bare digits; a section is the set of its divisions.
        prefixes = [Q(industry_code__startswith=d) for d in divisions_of(entry.code)]
        return Q(*prefixes, join_type="OR")
    return Q(industry_code__startswith=entry.code)


async def get_enterprise(actor: Actor, enterprise_id: uuid.UUID) -> Enterprise | None:
    require(actor, READ_ROLES, "read enterprises")
    return await Enterprise.get_or_none(id=enterprise_id)
