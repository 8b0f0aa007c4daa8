"""Financing products of banks and guarantee agencies: created, changed and retired by the
window's staff; the active ones form a public catalogue."""

from __future__ import annotations

import enum
import uuid
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from node.plugins import api
from plugins.financing.errors import ProductRetired
from plugins.financing.models import FinancingProduct

# The amount columns hold 14 digits with 2 decimals (万元).
MAX_AMOUNT = Decimal("1e12")
MAX_TERM_MONTHS = 600
NAME_MAX = 200  # the columns' length
RATE_DESCRIPTION_MAX = 2000


class ProviderKind(enum.StrEnum):
    BANK = "BANK"
    GUARANTEE = "GUARANTEE"
    OTHER = "OTHER"


class SizeClass(enum.StrEnum):
    """The size classes a product may serve; UNCLASSIFIED enterprises meet none of them."""

    LARGE = "LARGE"
    MEDIUM = "MEDIUM"
    SMALL = "SMALL"
    MICRO = "MICRO"


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """The given (not None) fields, checked one by one; ranges are checked on the whole row."""
    given = {name: value for name, value in fields.items() if value is not None}
    clean: dict[str, Any] = {}
    for name, label in (("name", "name"), ("provider_name", "providerName")):
        if name in given:
            clean[name] = api.required_text(given[name], label, NAME_MAX)
    if "provider_kind" in given:
        clean["provider_kind"] = ProviderKind(given["provider_kind"]).value
    for name, label in (("amount_min", "amountMin"), ("amount_max", "amountMax")):
        if name in given:
            clean[name] = api.money(label, given[name], MAX_AMOUNT)
    for name, label in (("term_min_months", "termMinMonths"), ("term_max_months", "termMaxMonths")):
        if name in given:
            if not 1 <= given[name] <= MAX_TERM_MONTHS:
                raise api.InputError(
                    f"{label} must be between 1 and {MAX_TERM_MONTHS} months", field=label
                )
            clean[name] = given[name]
    if "size_classes" in given:
        classes = {SizeClass(c) for c in given["size_classes"]}
        if not classes:
            raise api.InputError("a product serves at least one size class", field="sizeClasses")
        clean["size_classes"] = [c.value for c in SizeClass if c in classes]  # canonical order
    if "rate_description" in given:
        text = given["rate_description"].strip()
        if len(text) > RATE_DESCRIPTION_MAX:
            raise api.InputError(
                f"rateDescription is longer than {RATE_DESCRIPTION_MAX} characters",
                field="rateDescription",
            )
        clean["rate_description"] = text
    if "agency_id" in given:
        clean["agency_id"] = given["agency_id"]  # its existence is checked by the caller
    return clean


def _check_ranges(product: FinancingProduct) -> None:
    if product.amount_max <= 0:
        raise api.InputError("amountMax must be positive", field="amountMax")
    if product.amount_min > product.amount_max:
        raise api.InputError(
            f"amountMin {product.amount_min} is above amountMax {product.amount_max}",
            field="amountMin",
        )
    if product.term_min_months > product.term_max_months:
        raise api.InputError(
            f"termMinMonths {product.term_min_months} is above termMaxMonths "
            f"{product.term_max_months}",
            field="termMinMonths",
        )


async def _save(product: FinancingProduct, fields: dict[str, Any]) -> FinancingProduct:
    clean = _clean(fields)
    if "agency_id" in clean:
        await api.get_agency(clean["agency_id"])  # NOT_FOUND for an unknown agency
    product.update_from_dict(clean)
    _check_ranges(product)
    await product.save()
    return product


async def create_product(
    actor: api.Actor,
    *,
    name: str,
    provider_name: str,
    provider_kind: ProviderKind,
    amount_min: Decimal,
    amount_max: Decimal,
    term_min_months: int,
    term_max_months: int,
    size_classes: list[SizeClass],
    rate_description: str = "",
    agency_id: uuid.UUID | None = None,
) -> FinancingProduct:
    api.require(actor, api.WRITE_ROLES, "create financing products")
    fields = {
        "name": name,
        "provider_name": provider_name,
        "provider_kind": provider_kind,
        "amount_min": amount_min,
        "amount_max": amount_max,
        "term_min_months": term_min_months,
        "term_max_months": term_max_months,
        "size_classes": size_classes,
        "rate_description": rate_description,
        "agency_id": agency_id,
    }
    return await _save(FinancingProduct(), fields)


async def _locked(product_id: uuid.UUID) -> FinancingProduct:
    """The product, locked until the transaction ends; a retired one can no longer change."""
    product = await FinancingProduct.filter(id=product_id).select_for_update().first()
    if product is None:
        raise api.NotFound(f"no financing product {product_id}")
    if not product.active:
        raise ProductRetired(f"financing product {product_id} is retired")
    return product


async def update_product(
    actor: api.Actor, product_id: uuid.UUID, **fields: Any
) -> FinancingProduct:
    """Change the given fields (None: unchanged) of an active product."""
    api.require(actor, api.WRITE_ROLES, "update financing products")
    async with in_transaction():
        return await _save(await _locked(product_id), fields)


async def retire_product(actor: api.Actor, product_id: uuid.UUID) -> FinancingProduct:
    """Take a product out of the catalogue and of matching, for good; demands keep it."""
    api.require(actor, api.WRITE_ROLES, "retire financing products")
    async with in_transaction():
        product = await _locked(product_id)
        product.active = False
        await product.save(update_fields=["active", "updated_at"])
    return product


async def list_products(
    actor: api.Actor, include_retired: bool, first: int, after: str | None
) -> api.Page[FinancingProduct]:
    """Active products for anyone; retired ones too for the window's users."""
    query = FinancingProduct.all()
    if include_retired:
        api.require(actor, api.READ_ROLES, "read retired financing products")
    else:
        query = query.filter(active=True)
    return await api.paginate(query, first, after)


async def get_product(actor: api.Actor, product_id: uuid.UUID) -> FinancingProduct | None:
    product = await FinancingProduct.get_or_none(id=product_id)
    if product is None or (not product.active and not actor.has_any(api.READ_ROLES)):
        return None
    return product


async def active_products() -> list[FinancingProduct]:
    return await FinancingProduct.filter(active=True)
