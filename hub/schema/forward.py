"""What the hub sends a node for a field of the network schema: the client's own selection,
rewritten so the node can answer it and the hub can merge it (DESIGN §6 worked example).

- fragments are inlined (a node gets one self-contained operation per field);
- ``window { … }``, which the hub adds to every record, is not sent: the hub knows which window
  answered, and fills it in from its registry;
- ``__typename`` is added under abstract types, to tell the hub the concrete type;
- under ``Stats.ext`` only the plugin namespaces the window serves are kept;
- a list field is asked with what merging needs (``edges { cursor node { smenetId: id } }``,
  ``pageInfo { hasNextPage }``), and with the client's selections of ``node`` under it.

The client's aliases are kept, so the node's answer has the client's response keys and the hub's
resolvers read them as they are (``hub.schema.network``). What the hub adds is asked under the
``smenet`` prefix, which is therefore reserved in network selections.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    OverlappingFieldsCanBeMergedRule,
    SelectionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    print_ast,
    validate,
    visit,
)
from graphql.language import Visitor

from federation.errors import InputError

__all__ = [
    "AFTER",
    "FIRST",
    "HUB_WINDOW",
    "ID_KEY",
    "PAGE_VARIABLES",
    "RESERVED",
    "Rewriter",
    "connection_selection",
    "field",
    "fields_of",
    "operation",
    "page_arguments",
    "selections_of",
    "types_reached",
    "wrap",
]

RESERVED = "smenet"  # the prefix of what the hub adds to a node's query
# The variables the hub sets per window for a list (``federation.gather.gather_connection``),
# and the response key of a listed record's ID.
FIRST, AFTER, ID_KEY = f"{RESERVED}First", f"{RESERVED}After", f"{RESERVED}Id"
# Set in the extensions of each ``window`` field the hub adds to a record type.
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


def wrap(path: Sequence[str], selection: FieldNode) -> FieldNode:
    """``selection`` under the fields ``path`` (e.g. ``ext { equipment { … } }``)."""
    for name in reversed(path):
        selection = field(name, [selection])
    return selection


class Rewriter:
    """Rewrites selections of one request for nodes (see the module's docstring)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        stats_namespaces: frozenset[str] = frozenset(),
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.stats_namespaces = stats_namespaces  # the window's plugin indicators

    def selections(
        self, selections: Iterable[SelectionNode], parent: GraphQLNamedType
    ) -> list[SelectionNode]:
        out: list[SelectionNode] = []
        hub_only = False  # something asked that the hub answers itself
        for selection in selections:
            rewritten: SelectionNode | None
            if isinstance(selection, FieldNode):
                rewritten = self._field(selection, parent)
                hub_only |= rewritten is None
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                rewritten = self._fragment(selection, condition, selection.selection_set, inner)
            else:
                assert isinstance(selection, FragmentSpreadNode)
                definition = self.fragments[selection.name.value]
                condition = definition.type_condition
                inner = self.schema.get_type(condition.name.value)
                rewritten = self._fragment(selection, condition, definition.selection_set, inner)
            if rewritten is not None:
                out.append(rewritten)
        if out and is_abstract_type(parent) or not out and hub_only:
            # The concrete type of an abstract one; or something to ask where the client only
            # asked what the hub adds (a selection may not be empty).
            out.insert(0, field("__typename"))
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
        if node.alias is not None and node.alias.value.startswith(RESERVED):
            raise InputError(
                f"response keys starting with {RESERVED!r} are reserved in network queries",
                alias=node.alias.value,
            )
        name = node.name.value
        if name.startswith("__"):
            return node
        definition = parent.fields[name]  # type: ignore[attr-defined]
        if (definition.extensions or {}).get(HUB_WINDOW):
            return None
        # Plugin indicators: only those the window has, and no `ext` at all where it has none.
        if parent.name == "StatsExtensions" and name not in self.stats_namespaces:
            return None
        if parent.name == "Stats" and name == "ext" and not self.stats_namespaces:
            return None
        if node.selection_set is None:
            return node
        selections = self.selections(node.selection_set.selections, get_named_type(definition.type))
        return FieldNode(
            alias=node.alias,
            name=node.name,
            arguments=node.arguments,
            directives=node.directives,
            selection_set=SelectionSetNode(selections=tuple(selections)),
        )

    def check_mergeable(
        self, selections: Sequence[SelectionNode], parent: GraphQLNamedType
    ) -> None:
        """Selections of one record gathered from several places of the client's query (``node``
        under two aliases of ``edges``) go to a node as one: refuse them if they conflict."""
        document = DocumentNode(
            definitions=(
                OperationDefinitionNode(
                    operation=OperationType.QUERY,
                    variable_definitions=(),
                    directives=(),
                    selection_set=SelectionSetNode(selections=(field("__typename"),)),
                ),
                FragmentDefinitionNode(
                    name=_name("smenetCheck"),
                    type_condition=NamedTypeNode(name=_name(parent.name)),
                    directives=(),
                    selection_set=SelectionSetNode(selections=tuple(selections)),
                ),
            )
        )
        if problems := validate(self.schema, document, [OverlappingFieldsCanBeMergedRule]):
            raise InputError(
                f"the selections of one list's records conflict: {problems[0].message} —"
                " ask them under one `edges`, or in separate requests"
            )


def fields_of(
    selections: Iterable[SelectionNode], fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    """The fields among ``selections``, through fragments."""
    for selection in selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from fields_of(selection.selection_set.selections, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            yield from fields_of(
                fragments[selection.name.value].selection_set.selections, fragments
            )


def types_reached(
    selections: Iterable[SelectionNode],
    parent: GraphQLNamedType,
    fragments: Mapping[str, FragmentDefinitionNode],
    schema: GraphQLSchema,
) -> set[str]:
    """The names of the types whose fields ``selections`` of ``parent`` ask, at any depth and
    through fragments, leaving out what the hub answers itself (``window``): what a node is asked
    to show (``hub.domain.agreements``)."""
    reached: set[str] = set()
    for selection in selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if name.startswith("__") or selection.selection_set is None:
                continue
            definition = parent.fields[name]  # type: ignore[attr-defined]
            if (definition.extensions or {}).get(HUB_WINDOW):
                continue
            inner = get_named_type(definition.type)
            reached.add(inner.name)
            reached |= types_reached(selection.selection_set.selections, inner, fragments, schema)
            continue
        if isinstance(selection, InlineFragmentNode):
            condition, selection_set = selection.type_condition, selection.selection_set
        else:
            assert isinstance(selection, FragmentSpreadNode)
            definition = fragments[selection.name.value]
            condition, selection_set = definition.type_condition, definition.selection_set
        inner = parent
        if condition is not None:
            named = schema.get_type(condition.name.value)
            assert named is not None  # the request was validated against this schema
            inner = named
            reached.add(inner.name)
        reached |= types_reached(selection_set.selections, inner, fragments, schema)
    return reached


def _fields_named(
    selections: Iterable[SelectionNode], name: str, fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    return (f for f in fields_of(selections, fragments) if f.name.value == name)


def selections_of(field_nodes: Iterable[FieldNode]) -> list[SelectionNode]:
    """The selections of a field asked at one response key (possibly written several times)."""
    return [s for f in field_nodes for s in (f.selection_set.selections if f.selection_set else ())]


def connection_selection(
    field_nodes: Sequence[FieldNode],
    node_type: GraphQLNamedType,
    rewriter: Rewriter,
) -> list[SelectionNode]:
    """What to ask of a node's list field for the client's selections ``field_nodes`` of it:
    the merge's needs, ``totalCount`` if asked, and the client's ``node`` selections."""
    fragments = rewriter.fragments
    top = selections_of(field_nodes)
    client: list[SelectionNode] = []
    places = 0
    for edges in _fields_named(top, "edges", fragments):
        for node in _fields_named(selections_of([edges]), "node", fragments):
            client += rewriter.selections(selections_of([node]), node_type)
            places += 1
    if places > 1:
        rewriter.check_mergeable(client, node_type)
    wanted: list[SelectionNode] = [
        field("pageInfo", [field("hasNextPage")]),
        field("edges", [field("cursor"), field("node", [field("id", alias=ID_KEY), *client])]),
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
    extra: Sequence[VariableDefinitionNode] = (),
) -> tuple[str, frozenset[str]]:
    """The query text for a node: ``selections`` with the client operation's variable
    definitions they use (and ``extra``, the hub's); and the names of the client's variables it
    declares, whose values (coerced by the hub: for the network's copied types, the same JSON
    the client sent) go with it."""
    body = SelectionSetNode(selections=tuple(selections))
    used = _Variables()
    visit(body, used)
    definitions = [*extra]
    for definition in client.variable_definitions or ():
        name = definition.variable.name.value
        if name.startswith(RESERVED):
            raise InputError(f"variable names starting with {RESERVED!r} are reserved", name=name)
        if name in used.names:
            definitions.append(definition)
    text = print_ast(
        OperationDefinitionNode(
            operation=OperationType.QUERY,
            name=None,
            variable_definitions=tuple(definitions),
            directives=(),
            selection_set=body,
        )
    )
    return text, frozenset(d.variable.name.value for d in definitions[len(extra) :])


def _variable(name: str, type_name: str, required: bool = False) -> VariableDefinitionNode:
    named = NamedTypeNode(name=_name(type_name))
    return VariableDefinitionNode(
        variable=VariableNode(name=_name(name)),
        type=NonNullTypeNode(type=named) if required else named,
        default_value=None,
        directives=(),
    )


PAGE_VARIABLES = (_variable(FIRST, "Int", required=True), _variable(AFTER, "String"))


def page_arguments(arguments: Iterable[ArgumentNode] | None) -> list[ArgumentNode]:
    """The client's arguments of a list field but ``first`` and ``after``, which the hub sets
    per window; then the hub's variables for them."""
    kept = [a for a in arguments or () if a.name.value not in ("first", "after")]
    return [
        *kept,
        *(
            ArgumentNode(name=_name(name), value=VariableNode(name=_name(variable)))
            for name, variable in (("first", FIRST), ("after", AFTER))
        ),
    ]
