"""Checks that a schema contains the core contract (``core.graphql``) unchanged.

A node may add only ``ext`` fields and the Apollo Federation fields; every core type, field,
argument, default and enum value must be there exactly as the contract writes it.
"""

from __future__ import annotations

from functools import cache

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    build_ast_schema,
    build_schema,
    parse,
)
from graphql.utilities.print_schema import print_input_value

from federation import CORE_SCHEMA_VERSION, core_sdl_path

__all__ = ["ALLOWED_EXTRA_FIELDS", "contract_violations", "core_schema", "subgraph_schema"]

ALLOWED_EXTRA_FIELDS = frozenset({"ext", "_service", "_entities"})
KINDS = (
    GraphQLObjectType,
    GraphQLInterfaceType,
    GraphQLInputObjectType,
    GraphQLEnumType,
    GraphQLUnionType,
    GraphQLScalarType,
)


@cache
def core_schema(version: str = CORE_SCHEMA_VERSION) -> GraphQLSchema:
    return build_schema(core_sdl_path(version).read_text(encoding="utf-8"))


def subgraph_schema(sdl: str) -> GraphQLSchema:
    """The schema of a node's ``_service { sdl }``, or ValueError when it does not parse.

    That SDL is an Apollo Federation subgraph: it uses ``@link`` and ``@key`` without defining
    them, so it is built without SDL validation; the contract check compares types only.
    """
    try:
        return build_ast_schema(parse(sdl), assume_valid_sdl=True)
    except (GraphQLError, TypeError) as error:
        raise ValueError(f"the SDL does not parse: {error}") from None


def _input_value(name: str, value: GraphQLArgument | GraphQLInputField) -> str:
    # A null default and no default coerce the same way.
    return print_input_value(name, value).removesuffix(" = null")  # type: ignore[arg-type]


def _field_signature(field: GraphQLField) -> str:
    args = ", ".join(_input_value(n, a) for n, a in field.args.items())
    return f"({args}): {field.type}"


def _kind(named: GraphQLNamedType) -> str:
    return next(k.__name__ for k in KINDS if isinstance(named, k))


def _compare_type(core: GraphQLNamedType, node: GraphQLNamedType) -> list[str]:
    name = core.name
    if _kind(core) != _kind(node):
        return [f"{name} is a {_kind(node)}, the contract says {_kind(core)}"]
    problems: list[str] = []
    if isinstance(core, GraphQLObjectType | GraphQLInterfaceType):
        assert isinstance(node, GraphQLObjectType | GraphQLInterfaceType)
        for field_name, field in core.fields.items():
            theirs = node.fields.get(field_name)
            if theirs is None:
                problems.append(f"{name}.{field_name} is missing")
            elif _field_signature(theirs) != _field_signature(field):
                problems.append(
                    f"{name}.{field_name} is {_field_signature(theirs)}, "
                    f"the contract says {_field_signature(field)}"
                )
        extra = set(node.fields) - set(core.fields) - ALLOWED_EXTRA_FIELDS
        problems += [f"{name}.{f} is not in the contract (plugins go under ext)" for f in extra]
        if {i.name for i in core.interfaces} != {i.name for i in node.interfaces}:
            problems.append(f"{name} implements other interfaces than the contract says")
    elif isinstance(core, GraphQLInputObjectType):
        assert isinstance(node, GraphQLInputObjectType)
        mine = {_input_value(n, f) for n, f in core.fields.items()}
        theirs = {_input_value(n, f) for n, f in node.fields.items()}
        if mine != theirs:
            problems.append(f"input {name}: has {theirs - mine}, the contract {mine - theirs}")
    elif isinstance(core, GraphQLEnumType):
        assert isinstance(node, GraphQLEnumType)
        if set(core.values) != set(node.values):
            problems.append(
                f"enum {name} has {sorted(node.values)}, the contract {sorted(core.values)}"
            )
    elif isinstance(core, GraphQLUnionType):
        assert isinstance(node, GraphQLUnionType)
        if {t.name for t in core.types} != {t.name for t in node.types}:
            problems.append(f"union {name} has other members than the contract says")
    return problems


def contract_violations(schema: GraphQLSchema, core: GraphQLSchema | None = None) -> list[str]:
    """Every way ``schema`` differs from the core contract; empty when it contains it unchanged."""
    core = core or core_schema()
    problems: list[str] = []
    for name, core_type in core.type_map.items():
        if name.startswith("__"):
            continue
        node_type = schema.type_map.get(name)
        if node_type is None:
            problems.append(f"type {name} is missing")
        else:
            problems += _compare_type(core_type, node_type)
    return problems
