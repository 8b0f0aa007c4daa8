"""The cost of an operation (DESIGN §8), computed with the request's variables before it runs:
the fields an answer can hold, so that a document's size says nothing of what it costs.

Every field counts 1 (``__typename`` too), and the selection under a field counts once per item
it can return: ``first`` for a connection (the value given, coerced as execution will, or the
argument's default), the number of representations for ``_entities``, and a server's own
multiplier (``FanOut``: at the hub, the windows a ``network`` field asks). An introspection root
(``__schema``, ``__type``) costs a fixed amount, its answer bounded by the schema's size. Each
fragment is costed once and its cost added at every spread, so fragments that spread each other
twice over add up to what inlining them would cost — which is what a server that inlines them
(the hub forwarding a selection) would do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    get_named_type,
    get_variable_values,
    value_from_ast,
)

__all__ = ["INTROSPECTION_ROOTS", "FanOut", "query_cost"]

INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
COMPOSITE = (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)

# A server's own multiplier of a field's selection (the hub's windows asked): given the parent
# type's name, the field's name and its arguments; None where it has none.
FanOut = Callable[[str, str, Mapping[str, Any]], int | None]


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    *,
    introspection: int,
    fan_out: FanOut | None = None,
    max_page: int | None = None,
) -> int:
    """The cost of the operation that will run; 0 when none will (no such operation, or
    variables that do not coerce: execution refuses those itself). ``introspection``: the cost
    of an introspection root. ``max_page`` bounds a ``first``: a larger one is refused by its
    field anyway."""
    operation = _operation(document, operation_name)
    if operation is None:
        return 0
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    coerced = get_variable_values(
        schema, operation.variable_definitions or (), dict(variables or {}), max_errors=1
    )
    if root is None or isinstance(coerced, list):
        return 0
    values = coerced.coerced
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    done: dict[str, int] = {}
    visiting: set[str] = set()

    def fragment(name: str) -> int:
        if name in done:
            return done[name]
        definition = fragments.get(name)
        condition = definition and schema.get_type(definition.type_condition.name.value)
        # A cycle or an unknown fragment is refused by validation; it costs nothing here.
        if definition is None or name in visiting or not isinstance(condition, COMPOSITE):
            return 0
        visiting.add(name)
        done[name] = cost(definition.selection_set, condition)
        visiting.discard(name)
        return done[name]

    def cost(selection_set: SelectionSetNode, parent: GraphQLNamedType) -> int:
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FragmentSpreadNode):
                total += fragment(node.name.value)
            elif isinstance(node, InlineFragmentNode):
                condition = (
                    schema.get_type(node.type_condition.name.value)
                    if node.type_condition
                    else parent
                )
                if isinstance(condition, COMPOSITE):
                    total += cost(node.selection_set, condition)
            elif isinstance(node, FieldNode):
                total += field_cost(node, parent)
        return total

    def field_cost(node: FieldNode, parent: GraphQLNamedType) -> int:
        name = node.name.value
        if name in INTROSPECTION_ROOTS:
            return introspection
        definition = _field(parent, name)
        child = definition and get_named_type(definition.type)
        if definition is None or node.selection_set is None or not isinstance(child, COMPOSITE):
            return 1
        arguments = _arguments(node, definition, values)
        times = _items(arguments, max_page)
        if fan_out is not None:
            times *= fan_out(parent.name, name, arguments) or 1
        return 1 + times * cost(node.selection_set, child)

    return cost(operation.selection_set, root)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def _field(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    fields = getattr(parent, "fields", None)
    return fields.get(name) if fields else None


def _arguments(
    node: FieldNode, definition: GraphQLField, variables: Mapping[str, Any]
) -> dict[str, Any]:
    """The field's arguments as execution will see them: given, or the default where none is
    given or a variable left out gives none; a value that does not coerce is left out (the field
    refuses it)."""
    given = {a.name.value: a.value for a in node.arguments or ()}
    values: dict[str, Any] = {}
    for name, argument in definition.args.items():
        value = (
            value_from_ast(given[name], argument.type, dict(variables))
            if name in given
            else Undefined
        )
        if value is Undefined:
            value = argument.default_value
        if value is not Undefined:
            values[name] = value
    return values


def _items(arguments: Mapping[str, Any], max_page: int | None) -> int:
    """How many items a field can return: its ``first``, or its representations' count."""
    representations = arguments.get("representations")
    if isinstance(representations, list):
        return max(1, len(representations))
    first = arguments.get("first")
    if not isinstance(first, int) or isinstance(first, bool) or first < 1:
        return 1
    return min(first, max_page) if max_page else first
