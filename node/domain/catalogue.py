"""The public catalogue: agencies, experts and services with the five disclosures."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from federation.errors import (
    DuplicateUscc,
    IncompleteDisclosure,
    InputError,
    InvalidTransition,
    NotFound,
)
from federation.inputs import check_lengths, search_text
from federation.pagination import Page, paginate
from node import clock
from node.domain.access import READ_ROLES, WRITE_ROLES, Actor, require
from node.models import Agency, Expert, Service
from node.plugins import manager as plugins
from node.reference import normalize_uscc


class ServiceCategory(enum.StrEnum):
    INFORMATION = "INFORMATION"
    TECH_INNOVATION = "TECH_INNOVATION"
    QUALITY_TESTING = "QUALITY_TESTING"
    STANDARDS = "STANDARDS"
    MANAGEMENT_CONSULTING = "MANAGEMENT_CONSULTING"
    STARTUP_COACHING = "STARTUP_COACHING"
    MARKET_EXPANSION = "MARKET_EXPANSION"
    TRAINING = "TRAINING"
    EQUIPMENT_SHARING = "EQUIPMENT_SHARING"
    FINANCING = "FINANCING"
    RND_DESIGN = "RND_DESIGN"
    POLICY = "POLICY"
    OTHER = "OTHER"


class ServiceMode(enum.StrEnum):
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"
    BOTH = "BOTH"


class ServiceStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    RETIRED = "RETIRED"


CatalogueRow = Agency | Expert | Service
DISCLOSURES = ("function", "process", "standard", "fee", "time_limit_days")


@dataclass
class ServiceFilter:
    category: ServiceCategory | None = None
    keyword: str | None = None
    public_welfare: bool | None = None
    mode: ServiceMode | None = None
    agency_id: uuid.UUID | None = None
    status: ServiceStatus | None = None


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """Drop unset fields and trim strings; a required name must stay non-empty."""
    cleaned = {
        k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items() if v is not None
    }
    if cleaned.get("name") == "":
        raise InputError("name must not be empty")
    return cleaned


async def _get(model: type[CatalogueRow], key: uuid.UUID) -> Any:
    row = await model.get_or_none(id=key)
    if row is None:
        raise NotFound(f"no {model.__name__.lower()} {key}")
    return row


async def _get_for_update(model: type[CatalogueRow], key: uuid.UUID) -> Any:
    """The row locked for the rest of the transaction, so concurrent changes cannot interleave."""
    row = await model.filter(id=key).select_for_update().first()
    if row is None:
        raise NotFound(f"no {model.__name__.lower()} {key}")
    return row


def _changed(row: CatalogueRow, fields: dict[str, Any]) -> list[str] | None:
    """Columns to write: all for a new row, else the given ones and the update time."""
    if not row._saved_in_db:
        return None
    return [*fields, "updated_at"]


# Agencies


async def create_agency(actor: Actor, **fields: Any) -> Agency:
    require(actor, WRITE_ROLES, "create agencies")
    return await _save_agency(Agency(), _clean(fields))


async def update_agency(actor: Actor, agency_id: uuid.UUID, **fields: Any) -> Agency:
    require(actor, WRITE_ROLES, "update agencies")
    async with in_transaction():
        return await _save_agency(await _get_for_update(Agency, agency_id), _clean(fields))


async def _save_agency(agency: Agency, fields: dict[str, Any]) -> Agency:
    if fields.get("uscc"):
        fields["uscc"] = normalize_uscc(fields["uscc"])
    elif "uscc" in fields:
        fields["uscc"] = None
    if "categories" in fields:
        fields["categories"] = sorted({ServiceCategory(c).value for c in fields["categories"]})
    check_lengths(Agency, fields)
    agency.update_from_dict(fields)
    if not agency.name:
        raise InputError("name must not be empty")
    try:
        # Only the given fields: a concurrent change of another field is never written back.
        await agency.save(update_fields=_changed(agency, fields))
    except IntegrityError:
        raise DuplicateUscc(f"an agency with credit code {agency.uscc} exists") from None
    return agency


async def list_agencies(first: int, after: str | None, keyword: str | None = None) -> Page[Agency]:
    query = Agency.all()
    if keyword := search_text(keyword):
        query = query.filter(name__contains=keyword)
    return await paginate(query, first, after)


async def get_agency(agency_id: uuid.UUID) -> Agency:
    return await _get(Agency, agency_id)


# Experts


async def create_expert(actor: Actor, **fields: Any) -> Expert:
    require(actor, WRITE_ROLES, "create experts")
    return await _save_expert(Expert(), _clean(fields))


async def update_expert(actor: Actor, expert_id: uuid.UUID, **fields: Any) -> Expert:
    require(actor, WRITE_ROLES, "update experts")
    async with in_transaction():
        return await _save_expert(await _get_for_update(Expert, expert_id), _clean(fields))


async def _save_expert(expert: Expert, fields: dict[str, Any]) -> Expert:
    if "specialties" in fields:
        fields["specialties"] = [s.strip() for s in fields["specialties"] if s.strip()]
        fields["specialty_index"] = "".join(f"|{s}" for s in fields["specialties"]) + "|"
    check_lengths(Expert, fields)
    expert.update_from_dict(fields)
    if not expert.name:
        raise InputError("name must not be empty")
    await expert.save(update_fields=_changed(expert, fields))
    return expert


async def get_expert(expert_id: uuid.UUID) -> Expert | None:
    return await Expert.get_or_none(id=expert_id)


async def list_experts(first: int, after: str | None, specialty: str | None = None) -> Page[Expert]:
    query = Expert.all()
    if specialty := search_text(specialty, "specialty"):
        query = query.filter(specialty_index__contains=f"|{specialty}|")
    return await paginate(query, first, after)


# Services


def _missing_disclosures(service: Service) -> list[str]:
    missing = [name for name in DISCLOSURES[:4] if not getattr(service, name)]
    if not service.time_limit_days:
        missing.append("time_limit_days")
    return missing


async def create_service(actor: Actor, **fields: Any) -> Service:
    require(actor, WRITE_ROLES, "create services")
    fields = _clean(fields)
    await plugins.validate("createService", fields, actor)
    return await _save_service(Service(status=ServiceStatus.DRAFT.value), fields)


async def update_service(actor: Actor, service_id: uuid.UUID, **fields: Any) -> Service:
    require(actor, WRITE_ROLES, "update services")
    fields = _clean(fields)
    await plugins.validate("updateService", {"id": service_id, **fields}, actor)
    async with in_transaction():
        service = await _get_for_update(Service, service_id)
        if service.status == ServiceStatus.RETIRED:
            raise InvalidTransition("a retired service cannot be changed")
        return await _save_service(service, fields)


async def _save_service(service: Service, fields: dict[str, Any]) -> Service:
    if "agency_id" in fields:
        await _get(Agency, fields["agency_id"])
    if fields.get("time_limit_days") is not None and fields["time_limit_days"] <= 0:
        raise InputError("timeLimitDays must be positive")
    for key in ("category", "mode"):
        if key in fields:
            fields[key] = str(fields[key])
    check_lengths(Service, fields)
    service.update_from_dict(fields)
    if not service.name or not service.category:
        raise InputError("a service needs a name and a category")
    if service.status == ServiceStatus.PUBLISHED and (missing := _missing_disclosures(service)):
        raise IncompleteDisclosure(
            f"a published service must keep its disclosures: {', '.join(missing)} empty",
            missing=missing,
        )
    await service.save(update_fields=_changed(service, fields))
    return service


async def publish_service(actor: Actor, service_id: uuid.UUID) -> Service:
    require(actor, WRITE_ROLES, "publish services")
    return await _transition(service_id, ServiceStatus.DRAFT, ServiceStatus.PUBLISHED)


async def retire_service(actor: Actor, service_id: uuid.UUID) -> Service:
    require(actor, WRITE_ROLES, "retire services")
    return await _transition(service_id, ServiceStatus.PUBLISHED, ServiceStatus.RETIRED)


async def _transition(
    service_id: uuid.UUID, source: ServiceStatus, target: ServiceStatus
) -> Service:
    async with in_transaction():
        service = await Service.filter(id=service_id).select_for_update().first()
        if service is None:
            raise NotFound(f"no service {service_id}")
        if service.status != source:
            raise InvalidTransition(f"a {service.status} service cannot become {target}")
        if target == ServiceStatus.PUBLISHED and (missing := _missing_disclosures(service)):
            raise IncompleteDisclosure(
                f"five disclosures needed before publishing: {', '.join(missing)} empty",
                missing=missing,
            )
        now = clock.now()
        service.status = target.value
        stamp = "published_at" if target == ServiceStatus.PUBLISHED else "retired_at"
        setattr(service, stamp, now)
        await service.save(update_fields=["status", stamp, "updated_at"])
    return service


def sees_every_service(actor: Actor) -> bool:
    """The public sees published services only; the window's users, and the hub's READONLY
    callers where an agreement shares the services, every status."""
    return actor.has_any(READ_ROLES)


def visible_services(actor: Actor) -> Any:
    if sees_every_service(actor):
        return Service.all()
    return Service.filter(status=ServiceStatus.PUBLISHED.value)


async def list_services(
    actor: Actor, service_filter: ServiceFilter, first: int, after: str | None
) -> Page[Service]:
    query = visible_services(actor)
    f = service_filter
    if f.category is not None:
        query = query.filter(category=f.category.value)
    if word := search_text(f.keyword):
        query = query.filter(Q(name__icontains=word) | Q(function__icontains=word))
    if f.public_welfare is not None:
        query = query.filter(public_welfare=f.public_welfare)
    if f.mode is not None:
        # A BOTH service is offered online and offline, so it matches either.
        query = query.filter(mode__in=[f.mode.value, ServiceMode.BOTH.value])
    if f.agency_id is not None:
        query = query.filter(agency_id=f.agency_id)
    if f.status is not None:
        query = query.filter(status=f.status.value)
    return await paginate(query, first, after)


async def get_service(actor: Actor, service_id: uuid.UUID) -> Service | None:
    return await visible_services(actor).get_or_none(id=service_id)
