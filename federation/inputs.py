"""Checks of raw input, shared by both servers' domain services: text lengths and money figures."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from tortoise import fields
from tortoise.models import Model

from federation.errors import InputError

CENT = Decimal("0.01")


def check_lengths(model: type[Model], values: Mapping[str, Any]) -> None:
    """Refuse text longer than its column, naming the field, before the database does."""
    for name, value in values.items():
        field = model._meta.fields_map.get(name)
        if isinstance(value, str) and isinstance(field, fields.CharField):
            if len(value) > field.max_length:
                raise InputError(f"{name} is longer than {field.max_length} characters")


def required_text(value: str, name: str, limit: int) -> str:
    """Trimmed text that must not be empty nor longer than ``limit``."""
    value = value.strip()
    if not value:
        raise InputError(f"{name} must not be empty", field=name)
    if len(value) > limit:
        raise InputError(f"{name} is longer than {limit} characters", field=name)
    return value


def money(name: str, value: Decimal, maximum: Decimal) -> Decimal:
    """A finite amount rounded to the cent, between 0 and ``maximum`` (exclusive)."""
    try:
        if not value.is_finite():
            raise InvalidOperation
        rounded = value.quantize(CENT)
    except InvalidOperation:
        raise InputError(f"{name} must be a number with at most 2 decimals") from None
    if not 0 <= rounded < maximum:
        raise InputError(f"{name} must not be negative nor reach {maximum}")
    return rounded
