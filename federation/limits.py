"""Operation limits, checked before anything expensive (DESIGN §8): a token limit at parse,
then depth, aliases, directives, root fields and repeated fields over the document, then the
operation's cost with its variables (``federation.cost``) — each a setting, each refusal a
GraphQL error whose ``extensions.code`` names the limit (``federation.errors``:
``*_LIMIT_EXCEEDED``).

Every check visits each fragment once: a fragment's figures are computed the first time it is
spread and reused after, so a document whose fragments each spread the previous one twice (a
"fragment bomb") costs as little to check as it is long. Counts still add up as the spreads
multiply, so such a document is refused by its cost rather than mistaken for a small one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from federation.cost import INTROSPECTION_ROOTS, FanOut, query_cost
from federation.errors import (
    AliasLimitExceeded,
    CostLimitExceeded,
    DepthLimitExceeded,
    DirectiveLimitExceeded,
    LimitExceeded,
    RepeatLimitExceeded,
    RootFieldLimitExceeded,
    TokenLimitExceeded,
)
from federation.inputs import shorten

__all__ = [
    "OperationLimits",
    "QueryLimits",
    "parse_document",
    "refusal",
    "static_violations",
]


@dataclass(frozen=True)
class QueryLimits:
    """The limits of one server; ``of(settings)`` reads them from its settings."""

    max_tokens: int = 10_000
    max_depth: int = 12
    # The introspection query GraphiQL sends is 15 deep; `ofType` chains beyond are refused.
    max_introspection_depth: int = 16
    max_aliases: int = 100
    max_directives: int = 50
    max_root_fields: int = 30
    # Fields of one response key in one selection set (`a { x } a { y }` is 2).
    max_field_repeats: int = 20
    max_cost: int = 20_000

    @classmethod
    def of(cls, settings: Any) -> QueryLimits:
        return cls(
            max_tokens=settings.max_query_tokens,
            max_depth=settings.max_query_depth,
            max_introspection_depth=settings.max_introspection_depth,
            max_aliases=settings.max_query_aliases,
            max_directives=settings.max_query_directives,
            max_root_fields=settings.max_query_root_fields,
            max_field_repeats=settings.max_field_repeats,
            max_cost=settings.max_query_cost,
        )

    def check(self) -> None:
        """``ValueError`` naming a limit that is not a positive whole number."""
        for name, value in vars(self).items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive whole number")


def refusal(error: LimitExceeded) -> GraphQLError:
    """The GraphQL error of a refused operation, its code already set: a refusal at parse
    leaves strawberry's extensions before they could add it."""
    return GraphQLError(
        error.message, original_error=error, extensions={**error.extensions, "code": error.code}
    )


# --- parse ----------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def parse_document(query: str, max_tokens: int) -> DocumentNode:
    """The document of ``query``; a GraphQL error with a code when it is not one or too long.
    Cached: the same text is parsed once (failures are not cached, and cost little: the lexer
    stops at the limit)."""
    try:
        return parse(query, max_tokens=max_tokens, no_location=False)
    except GraphQLSyntaxError as error:
        # graphql-core signals the token limit as a syntax error; its wording is pinned by a test.
        if "tokens. Parsing aborted" in error.message:
            raise refusal(
                TokenLimitExceeded(
                    f"the document has more than {max_tokens} tokens",
                    limit="tokens",
                    max=max_tokens,
                )
            ) from None
        raise GraphQLError(
            shorten(error.message),
            source=error.source,
            positions=error.positions,
            extensions={"code": "GRAPHQL_PARSE_FAILED"},
        ) from None


# --- static limits --------------------------------------------------------------------------


@dataclass
class _Figures:
    depth: int = 0
    introspection_depth: int = 0
    aliases: int = 0
    directives: int = 0
    root_fields: int = 0
    # The most fields of one response key in one selection set, or fragments spread in it
    # (merged fragments' included): graphql-core compares those pairwise.
    repeats: int = 0
    keys: Counter[str] = field(default_factory=Counter)  # of this selection set's top level


SPREADS = "..."  # the key ``_Figures.keys`` counts a selection's fragment spreads under


class _Counter:
    """The figures of each fragment, computed once (a spread in a cycle counts as nothing; the
    cycle itself is refused by graphql-core's own rule)."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.done: dict[str, _Figures] = {}
        self.visiting: set[str] = set()

    def fragment(self, name: str) -> _Figures:
        if name in self.done:
            return self.done[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return _Figures()
        self.visiting.add(name)
        figures = self.selection(definition.selection_set, False)
        figures.directives += len(definition.directives or ())
        self.visiting.discard(name)
        self.done[name] = figures
        return figures

    def selection(self, selection_set: SelectionSetNode, introspecting: bool) -> _Figures:
        """Depth below ``selection_set`` (its fields at 1), and its aliases, directives and
        fields (as ``root_fields``: meaningful at an operation's top)."""
        total = _Figures()
        for node in selection_set.selections:
            total.directives += len(node.directives or ())
            if isinstance(node, FieldNode):
                inner = introspecting or node.name.value in INTROSPECTION_ROOTS
                below = (
                    self.selection(node.selection_set, inner) if node.selection_set else _Figures()
                )
                if inner:
                    depth = 1 + max(below.depth, below.introspection_depth)
                    total.introspection_depth = max(total.introspection_depth, depth)
                else:
                    total.depth = max(total.depth, 1 + below.depth)
                    if below.introspection_depth:
                        total.introspection_depth = max(
                            total.introspection_depth, 1 + below.introspection_depth
                        )
                total.aliases += below.aliases + (node.alias is not None)
                total.directives += below.directives
                total.root_fields += 1
                total.repeats = max(total.repeats, below.repeats)
                total.keys[(node.alias or node.name).value] += 1
            else:
                if isinstance(node, FragmentSpreadNode):
                    below = self.fragment(node.name.value)
                    # graphql-core compares the fragments spread in one selection pairwise too.
                    total.keys[SPREADS] += 1
                else:
                    below = self.selection(node.selection_set, introspecting)
                total.keys.update(below.keys)  # merged into this selection set
                total.depth = max(total.depth, below.depth)
                total.introspection_depth = max(
                    total.introspection_depth, below.introspection_depth
                )
                total.aliases += below.aliases
                total.directives += below.directives
                total.root_fields += below.root_fields
                total.repeats = max(total.repeats, below.repeats)
        total.repeats = max(total.repeats, max(total.keys.values(), default=0))
        return total


def static_violations(document: DocumentNode, limits: QueryLimits) -> list[GraphQLError]:
    """The limits each operation of ``document`` exceeds (at most one error per limit)."""
    counter = _Counter(document)
    worst = _Figures()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            figures = counter.selection(definition.selection_set, False)
            figures.directives += len(definition.directives or ())
            for name in _CHECKS:
                setattr(worst, name, max(getattr(worst, name), getattr(figures, name)))
    errors = []
    for name, (setting, error_type, limit, words) in _CHECKS.items():
        maximum = getattr(limits, setting)
        if getattr(worst, name) > maximum:
            message = f"the operation has {words} {maximum}"
            errors.append(refusal(error_type(message, limit=limit, max=maximum)))
    return errors


# A figure → the limit it is held to, the error and the names an error gives it.
_CHECKS: dict[str, tuple[str, type[LimitExceeded], str, str]] = {
    "depth": ("max_depth", DepthLimitExceeded, "depth", "a depth over"),
    "introspection_depth": (
        "max_introspection_depth",
        DepthLimitExceeded,
        "introspectionDepth",
        "an introspection depth over",
    ),
    "aliases": ("max_aliases", AliasLimitExceeded, "aliases", "more aliases than"),
    "directives": ("max_directives", DirectiveLimitExceeded, "directives", "more directives than"),
    "root_fields": (
        "max_root_fields",
        RootFieldLimitExceeded,
        "rootFields",
        "more root fields than",
    ),
    "repeats": (
        "max_field_repeats",
        RepeatLimitExceeded,
        "fieldRepeats",
        "one response key, or fragment spreads, more times in a selection than",
    ),
}


# --- the schema extension -------------------------------------------------------------------

# Texts up to this size are cached parsed and validated; a longer one (comments and strings are
# not tokens) is checked each time rather than kept.
CACHED_QUERY_CHARS = 16 * 1024


def _cached(query: str) -> bool:
    return len(query) <= CACHED_QUERY_CHARS


def validated(
    schema: GraphQLSchema, document: DocumentNode, limits: QueryLimits, rules: tuple[type, ...]
) -> list[GraphQLError]:
    """The errors of ``document``: the limits first, as graphql-core's own rules are not all
    linear (it compares the fields of one response key pairwise)."""
    return static_violations(document, limits) or validate_document(schema, document, rules)


@lru_cache(maxsize=256)
def _validated_text(
    schema: GraphQLSchema, query: str, limits: QueryLimits, rules: tuple[type, ...]
) -> list[GraphQLError]:
    return validated(schema, parse_document(query, limits.max_tokens), limits, rules)


class OperationLimits(SchemaExtension):
    """Parses (cached, within the token limit), checks the static limits before graphql-core's
    validation (cached), and the cost before execution. Replaces strawberry's parser and
    validation caches and its depth limiter, whose work grows exponentially with fragments."""

    def __init__(
        self,
        limits: QueryLimits,
        fan_out: Callable[[Any], FanOut | None] | None = None,
        max_page: int | None = None,
    ) -> None:
        super().__init__()
        self.limits = limits
        self.fan_out = fan_out  # from the request's context
        self.max_page = max_page

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            parse = parse_document if _cached(context.query) else parse_document.__wrapped__
            context.graphql_document = parse(context.query, self.limits.max_tokens)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        rules = tuple(context.validation_rules)
        schema = context.schema._schema
        context.pre_execution_errors = (
            _validated_text(schema, context.query, self.limits, rules)
            if context.query and _cached(context.query)
            else validated(schema, context.graphql_document, self.limits, rules)
        )
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        fan_out = self.fan_out(context.context) if self.fan_out else None
        cost = query_cost(
            context.schema._schema,
            context.graphql_document,
            context.operation_name,
            context.variables,
            # Four introspections at most per operation: each answers the whole schema.
            introspection=self.limits.max_cost // 4,
            fan_out=fan_out,
            max_page=self.max_page,
        )
        if cost > self.limits.max_cost:
            error = CostLimitExceeded(
                f"the operation would cost {cost}, over the limit of {self.limits.max_cost}",
                limit="cost",
                max=self.limits.max_cost,
                cost=cost,
            )
            # A result set here is returned without executing the operation.
            context.result = GraphQLExecutionResult(data=None, errors=[refusal(error)])
        yield
