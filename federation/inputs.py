"""Checks of raw input, shared by both servers: text lengths, search terms and money figures in
the domain services; text no database can hold refused before any resolver runs (``TextInputs``);
and ``quote``, how an error message cites a caller's input."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import BREAK, ExecutionResult, GraphQLError, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from tortoise import fields
from tortoise.models import Model

from federation.errors import InputError, LimitExceeded

CENT = Decimal("0.01")
# How much of a caller's input an error message quotes: enough to recognise it, never all of it.
QUOTE_LIMIT = 64
# A search term longer than any name it is matched against can match nothing (names are at most
# 200 characters), and a long one costs each row it is compared with.
SEARCH_LIMIT = 200
# What no stored text may hold: NUL, which PostgreSQL's text and JSON refuse, and a lone half of
# a UTF-16 surrogate pair, which is no Unicode text at all (JSON escapes can write both).
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def shorten(message: str, limit: int = 300) -> str:
    """A message at most ``limit`` characters long, with "…" after one that was cut: for
    messages of graphql-core's or strawberry's that may quote a long input whole."""
    return message if len(message) <= limit else f"{message[:limit]}…"


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``value`` as an error message cites a caller's input: its ``repr``, of the first
    ``limit`` characters only, with "…" after a longer one."""
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else f"{value[:limit]!r}…"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


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


def search_text(value: str | None, name: str = "keyword") -> str | None:
    """A free-text filter trimmed (None when empty), refused when longer than ``SEARCH_LIMIT``."""
    value = (value or "").strip()
    if len(value) > SEARCH_LIMIT:
        raise LimitExceeded(
            f"{name} is longer than {SEARCH_LIMIT} characters", field=name, limit=SEARCH_LIMIT
        )
    return value or None


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


def _unstorable(value: object, path: str) -> tuple[str, str] | None:
    """The path of the first text within ``value`` that no database can hold, and the
    character that makes it so."""
    if isinstance(value, str):
        found = _UNSTORABLE.search(value)
        return None if found is None else (path, found[0])
    if isinstance(value, Mapping):
        for key, item in value.items():
            if found := _unstorable(key, path) or _unstorable(item, f"{path}.{key}"):
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if found := _unstorable(item, f"{path}[{index}]"):
                return found
    return None


class _Literals(Visitor):
    """Finds the first string literal of a document that no database can hold."""

    found: str | None = None

    def enter_string_value(self, node: StringValueNode, *_: object) -> object:
        if match := _UNSTORABLE.search(node.value):
            self.found = match[0]
            return BREAK
        return None


def _unstorable_input(context: ExecutionContext) -> tuple[str, str] | None:
    """Where the request's input holds text no database can hold (a variable's path, or the
    document), and the character."""
    variables = (context.variables or {}).items()
    found = next(filter(None, (_unstorable(v, f"${name}") for name, v in variables)), None)
    document, query = context.graphql_document, context.query or ""
    # Only an escape or a raw NUL writes either character in a literal: else no walk.
    if found is None and document is not None and ("\\u" in query or "\x00" in query):
        literals = _Literals()
        visit(document, literals)
        found = None if literals.found is None else ("a string of the query", literals.found)
    return found


class TextInputs(SchemaExtension):
    """Refuses a request whose input holds a NUL or a lone surrogate anywhere as BAD_INPUT,
    before any resolver runs: one check for every String, ID and JSON input of a server, which
    the database would otherwise fail on mid-write (and the HTTP layer's JSON decoding refuses
    lone surrogates already)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.result is None and (found := _unstorable_input(context)):
            where, char = found
            message = (
                f"{where} holds U+{ord(char):04X}: text may hold neither NUL nor a lone surrogate"
            )
            fields = {"field": where.removeprefix("$")} if where.startswith("$") else {}
            error = InputError(message, **fields)
            context.result = ExecutionResult(
                None, [GraphQLError(error.message, original_error=error)]
            )
        yield
