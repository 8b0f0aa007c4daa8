"""What the hub sends a node for a field of the network schema: the client's own selection,
rewritten so the node can answer it and the hub can merge it (DESIGN §6 worked example).

- fragments are inlined (a node gets one self-contained operation per field);
- ``window { … }``, which the hub adds to every entity, is asked as the entity's ``id`` under the
  same response key: the hub fills the window in from its registry;
- ``__typename`` is added under abstract types, to tell the hub the concrete type;
- under ``Stats.ext`` only the plugin namespaces the window serves are kept;
- a list field is asked with what merging needs (``edges { cursor node { id } }``,
  ``pageInfo { hasNextPage }``), and with the client's selections of ``node`` under it.

Aliases are kept, so the node's answer has the client's response keys and the hub's resolvers
read them as they are (``hub.schema.network``): nothing is renamed on the way back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from graphql import (
    ArgumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    print_ast,
    visit,
)
from graphql.language import Visitor

__all__ = [
    "AFTER",
    "FIRST",
    "PAGE_VARIABLES",
    "Rewriter",
    "connection_selection",
    "field",
    "operation",
    "without_page_arguments",
]

# The variables the hub sets per window for a list (``federation.gather.gather_connection``).
FIRST, AFTER = "smenetFirst", "smenetAfter"
WINDOW_FIELD = "window"
# Set in the extensions of each ``window`` field the hub adds to an entity type.
HUB_WINDOW = "smenetHubWindow"


def _name(value: str) -> NameNode:
    return NameNode(value=value)


def field(
    name: str,
    selections: Sequence[SelectionNode] = (),
    arguments: Sequence[ArgumentNode] | None = (),
    alias: str | None = None,
) -> FieldNode:
    return FieldNode(
        alias=_name(alias) if alias else None,
        name=_name(name),
        arguments=tuple(arguments or ()),
        directives=(),
        selection_set=SelectionSetNode(selections=tuple(selections)) if selections else None,
    )


def variable_argument(name: str, variable: str) -> ArgumentNode:
    return ArgumentNode(name=_name(name), value=VariableNode(name=_name(variable)))


class Rewriter:
    """Rewrites selections of one request for nodes (see the module's docstring)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        stats_namespaces: frozenset[str],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.stats_namespaces = stats_namespaces  # the window's plugin indicators

    def selections(
        self, selections: Iterable[SelectionNode], parent: GraphQLNamedType
    ) -> list[SelectionNode]:
        out: list[SelectionNode] = []
        if is_abstract_type(parent):
            out.append(field("__typename"))
        for selection in selections:
            if isinstance(selection, FieldNode):
                rewritten = self._field(selection, parent)
                if rewritten is not None:
                    out.append(rewritten)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                fragment = self._fragment(selection, condition, selection.selection_set, inner)
                if fragment is not None:
                    out.append(fragment)
            elif isinstance(selection, FragmentSpreadNode):
                definition = self.fragments[selection.name.value]
                condition = definition.type_condition
                inner = self.schema.get_type(condition.name.value)
                fragment = self._fragment(selection, condition, definition.selection_set, inner)
                if fragment is not None:
                    out.append(fragment)
        return out

    def _fragment(
        self,
        selection: InlineFragmentNode | FragmentSpreadNode,
        condition: NamedTypeNode | None,
        selection_set: SelectionSetNode,
        inner: GraphQLNamedType | None,
    ) -> InlineFragmentNode | None:
        assert inner is not None  # the request was validated against this schema
        selections = self.selections(selection_set.selections, inner)
        if not selections:  # everything in it was for plugins the window does not have
            return None
        return InlineFragmentNode(
            type_condition=condition,
            directives=selection.directives,
            selection_set=SelectionSetNode(selections=tuple(selections)),
        )

    def _field(self, node: FieldNode, parent: GraphQLNamedType) -> FieldNode | None:
        name = node.name.value
        if name.startswith("__"):
            return node
        assert isinstance(parent, GraphQLObjectType) or hasattr(parent, "fields")
        definition = parent.fields[name]  # type: ignore[attr-defined]
        if (definition.extensions or {}).get(HUB_WINDOW):
            # The entity's ID, under the client's response key for `window`.
            return FieldNode(
                alias=_name(node.alias.value if node.alias else WINDOW_FIELD),
                name=_name("id"),
                arguments=(),
                directives=node.directives,
                selection_set=None,
            )
        if parent.name == "StatsExtensions" and name not in self.stats_namespaces:
            return None
        if node.selection_set is None:
            return node
        inner = get_named_type(definition.type)
        selections = self.selections(node.selection_set.selections, inner)
        if not selections:  # only plugin indicators the window does not have: `ext` left out
            return None
        return FieldNode(
            alias=node.alias,
            name=node.name,
            arguments=node.arguments,
            directives=node.directives,
            selection_set=SelectionSetNode(selections=tuple(selections)),
        )


def _fields_named(
    selections: Iterable[SelectionNode],
    name: str,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> Iterator[FieldNode]:
    """The fields called ``name`` among ``selections``, through fragments."""
    for selection in selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == name:
                yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields_named(selection.selection_set.selections, name, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments[selection.name.value]
            yield from _fields_named(fragment.selection_set.selections, name, fragments)


def connection_selection(
    field_nodes: Sequence[FieldNode],
    node_type: GraphQLNamedType,
    rewriter: Rewriter,
) -> list[SelectionNode]:
    """What to ask of a node's list field for the client's selections ``field_nodes`` of it:
    the merge's needs, ``totalCount`` if asked, and the client's ``node`` selections."""
    fragments = rewriter.fragments
    top = [s for f in field_nodes for s in (f.selection_set.selections if f.selection_set else ())]
    node_selections: list[SelectionNode] = [field("id")]
    for edges in _fields_named(top, "edges", fragments):
        inner = edges.selection_set.selections if edges.selection_set else ()
        for node in _fields_named(inner, "node", fragments):
            if node.selection_set is not None:
                node_selections += rewriter.selections(node.selection_set.selections, node_type)
    wanted: list[SelectionNode] = [
        field("pageInfo", [field("hasNextPage")]),
        field("edges", [field("cursor"), field("node", node_selections)]),
    ]
    if any(True for _ in _fields_named(top, "totalCount", fragments)):
        wanted.append(field("totalCount"))
    return wanted


class _Variables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        self.names.add(node.name.value)


def operation(
    selections: Sequence[SelectionNode],
    client: OperationDefinitionNode,
    variables: Mapping[str, Any],
    extra: Sequence[VariableDefinitionNode] = (),
) -> tuple[str, dict[str, Any]]:
    """The query text and variables for a node: ``selections`` with the client operation's
    variable definitions they use (and ``extra``, the hub's), and their values (coerced by the
    hub: for the network's copied types, the same JSON the client sent)."""
    body = SelectionSetNode(selections=tuple(selections))
    used = _Variables()
    visit(body, used)
    own = {d.variable.name.value for d in extra}
    definitions = [*extra] + [
        d
        for d in client.variable_definitions or ()
        if d.variable.name.value in used.names and d.variable.name.value not in own
    ]
    names = {d.variable.name.value for d in definitions}
    values = {name: value for name, value in variables.items() if name in names}
    text = print_ast(
        OperationDefinitionNode(
            operation=OperationType.QUERY,
            name=None,
            variable_definitions=tuple(definitions),
            directives=(),
            selection_set=body,
        )
    )
    return text, values


def variable_definition(
    name: str, type_name: str, required: bool = False
) -> VariableDefinitionNode:
    named = NamedTypeNode(name=_name(type_name))
    return VariableDefinitionNode(
        variable=VariableNode(name=_name(name)),
        type=NonNullTypeNode(type=named) if required else named,
        default_value=None,
        directives=(),
    )


PAGE_VARIABLES = (
    variable_definition(FIRST, "Int", required=True),
    variable_definition(AFTER, "String"),
)


def without_page_arguments(arguments: Iterable[ArgumentNode] | None) -> list[ArgumentNode]:
    """The client's arguments of a list field but ``first`` and ``after``, which the hub sets
    per window; then the hub's variables for them."""
    kept = [a for a in arguments or () if a.name.value not in ("first", "after")]
    return [*kept, variable_argument("first", FIRST), variable_argument("after", AFTER)]
