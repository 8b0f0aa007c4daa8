"""Operation limits (federation.limits) on the node's schema, in process: each limit refuses
with its code, fragments are visited once, cost follows ``first`` and variables."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from graphql import GraphQLSyntaxError, get_introspection_query, parse, validate
from strawberry.extensions import query_depth_limiter

from federation import limits as limits_module
from federation.cost import query_cost
from federation.limits import QueryLimits, static_violations
from node.schema import build_schema

SCHEMA = build_schema()


def bomb(levels: int, on: str = "NodeInfo", leaf: str = "windowId") -> str:
    """Each fragment spreads the one before twice: a small document, 2^levels spreads; its
    operation spreads the last one, under ``{ nodeInfo { … } }`` unless given."""
    fragments = [f"fragment F0 on {on} {{ {leaf} }}"] + [
        f"fragment F{i} on {on} {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)
    ]
    return f"{{ nodeInfo {{ ...F{levels - 1} }} }} " + " ".join(fragments)


def cost(query: str, variables: dict[str, Any] | None = None, **options: Any) -> int:
    return query_cost(SCHEMA._schema, parse(query), None, variables, introspection=5000, **options)


def codes(query: str, variables: dict[str, Any] | None = None, **limits: int) -> list[str]:
    """The codes an operation is refused with; none when it gets as far as execution (which
    stops there: the resolvers need a node's database)."""
    schema = build_schema(QueryLimits(**limits)) if limits else SCHEMA
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the resolvers never awaited
        result = schema.execute_sync(query, variables)
    errors = result.errors or ()
    return [e.extensions.get("code", "") for e in errors if "synchronously" not in e.message]


def test_graphql_core_still_words_its_token_limit_as_we_recognise_it() -> None:
    # parse_document turns this error into TOKEN_LIMIT_EXCEEDED by its wording.
    with pytest.raises(GraphQLSyntaxError, match="tokens. Parsing aborted"):
        parse("{ a b c d }", max_tokens=3)


def test_each_limit_refuses_with_its_own_code() -> None:
    assert codes("{ " + "nodeInfo { windowId } " * 20 + "}", max_tokens=50) == [
        "TOKEN_LIMIT_EXCEEDED"
    ]
    deep = "{ services { edges { node { agency { name } } } } }"
    assert codes(deep, max_depth=4) == ["DEPTH_LIMIT_EXCEEDED"]
    assert codes(deep, max_depth=5) == []
    aliases = "{ " + " ".join(f"a{i}: nodeInfo {{ windowId }}" for i in range(11)) + " }"
    assert codes(aliases, max_aliases=10) == ["ALIAS_LIMIT_EXCEEDED"]
    assert codes(aliases, max_aliases=10, max_root_fields=5) == [
        "ALIAS_LIMIT_EXCEEDED",
        "ROOT_FIELD_LIMIT_EXCEEDED",
    ]
    directives = "{ nodeInfo { " + "windowId @include(if: true) " * 6 + "} }"
    assert codes(directives, max_directives=5) == ["DIRECTIVE_LIMIT_EXCEEDED"]
    assert codes("{ services(first: 100) { totalCount } }", max_cost=100) == ["COST_LIMIT_EXCEEDED"]


def test_depth_counts_through_fragments_and_introspection() -> None:
    through_fragments = """{ services { ...S } } fragment S on ServiceConnection {
        edges { node { agency { ...A } } } } fragment A on Agency { name }"""
    assert codes(through_fragments, max_depth=4) == ["DEPTH_LIMIT_EXCEEDED"]
    of_type = "{ __schema { types { fields { type " + "{ ofType " * 24 + "{ name }" + " }" * 24
    assert codes(of_type + " } } } }") == ["DEPTH_LIMIT_EXCEEDED"]
    # What GraphiQL sends to learn the schema stays within the introspection depth.
    assert codes(get_introspection_query(descriptions=True)) == []


def test_aliases_in_a_fragment_count_each_time_it_is_spread() -> None:
    query = """{ a: nodeInfo { ...F } b: nodeInfo { ...F } }
        fragment F on NodeInfo { x: windowId y: windowId z: windowId }"""
    # 2 aliases of nodeInfo + 2 spreads × 3 aliases.
    assert codes(query, max_aliases=7) == ["ALIAS_LIMIT_EXCEEDED"]
    assert codes(query, max_aliases=8) == []


def test_a_fragment_bomb_is_checked_once_per_fragment_and_refused() -> None:
    document = parse(bomb(29))
    visits = 0
    selection = limits_module._Counter.selection

    def counted(self: Any, *args: Any) -> Any:
        nonlocal visits
        visits += 1
        return selection(self, *args)

    limits_module._Counter.selection = counted  # type: ignore[method-assign]
    try:
        errors = static_violations(document, QueryLimits())
    finally:
        limits_module._Counter.selection = selection  # type: ignore[method-assign]
    # One visit per selection set: the operation's two and one per fragment.
    assert visits == 2 + 29
    # Its fragments merge 2^28 fields of one key into one selection: refused before
    # graphql-core's own rules compare them.
    assert [e.extensions["code"] for e in errors] == ["REPEAT_LIMIT_EXCEEDED"]
    assert codes(bomb(29)) == ["REPEAT_LIMIT_EXCEEDED"]
    # What it would cost to run (or inline, as the hub forwarding it would) counts them all,
    # also when all it spreads is __typename.
    assert cost(bomb(29)) > 2**28
    assert cost(bomb(29, leaf="__typename")) > 2**28


def test_the_naive_depth_rule_does_exponential_work_on_the_bomb() -> None:
    # Why the library's depth limiter is not used: its visits double with each level.
    def visits(levels: int) -> int:
        count = 0
        rule = query_depth_limiter.create_validator(12, should_ignore=None)
        original = query_depth_limiter.determine_depth

        def counting(*args: Any, **kwargs: Any) -> Any:
            nonlocal count
            count += 1
            return original(*args, **kwargs)

        query_depth_limiter.determine_depth = counting  # type: ignore[assignment]
        try:
            validate(SCHEMA._schema, parse(bomb(levels)), [rule])
        finally:
            query_depth_limiter.determine_depth = original
        return count

    assert visits(12) >= 2 * visits(11) - 4


def test_cost_follows_first_its_default_and_variables_as_execution_coerces_them() -> None:
    page = "query($n: Int! = 50) { services(first: $n) { edges { node { name fee } } } }"
    # services 1 + n × (edges 1 + node 1 + two fields).
    assert cost(page, {}) == 1 + 50 * 4
    assert cost(page, {"n": 10}) == 1 + 10 * 4
    # JSON's 100.0 is the Int 100 to execution, and so to cost.
    assert cost(page, {"n": 100.0}) == 1 + 100 * 4
    assert cost("{ services { edges { node { name } } } }") == 1 + 20 * 3
    # A nullable variable left out leaves the argument's default.
    assert cost("query($n: Int) { services(first: $n) { totalCount } }", {}) == 1 + 20
    # A `first` over the page size is refused by the field itself, not counted as asked.
    assert cost("{ services(first: 1000000) { totalCount } }", max_page=100) == 1 + 100
    # Variables that do not coerce run nothing: execution refuses them.
    assert cost(page, {"n": "many"}) == 0


def test_every_field_counts_and_introspection_a_fixed_amount() -> None:
    assert cost("{ __typename nodeInfo { __typename windowId } }") == 4
    assert cost('{ a: __schema { types { name } } b: __type(name: "Service") { name } }') == 10_000
    assert codes(
        "{ " + " ".join(f"s{i}: __schema {{ types {{ name }} }}" for i in range(5)) + " }"
    ) == ["COST_LIMIT_EXCEEDED"]


def test_entities_count_once_per_representation() -> None:
    query = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
    many = [{"__typename": "Service", "id": f"sz-ns:{i}"} for i in range(500)]
    assert cost(query, {"r": many}) == 1 + 500


def test_a_server_multiplier_counts_each_window_asked() -> None:
    def five_windows(parent: str, field: str, arguments: Any) -> int | None:
        return 5 if (parent, field) == ("Query", "services") else None

    assert cost("{ services(first: 10) { totalCount } }", fan_out=five_windows) == 1 + 5 * 10


def test_a_response_key_repeated_in_one_selection_is_refused_before_validation() -> None:
    repeated = "{ services { edges { node { " + "agency { name } " * 21 + "} } } }"
    assert codes(repeated) == ["REPEAT_LIMIT_EXCEEDED"]
    # Through inline fragments too, which graphql-core merges into the same selection.
    inline = "{ nodeInfo { " + "... on NodeInfo { windowId } " * 21 + "} }"
    assert codes(inline) == ["REPEAT_LIMIT_EXCEEDED"]
    assert codes("{ services { edges { node { " + "agency { name } " * 20 + "} } } }") == []
    # And more fragments spread in one selection than that, which it compares pairwise.
    spreads = " ".join(f"...F{i}" for i in range(21))
    fragments = " ".join(f"fragment F{i} on Service {{ name }}" for i in range(21))
    assert codes(f"{{ services {{ edges {{ node {{ {spreads} }} }} }} }} {fragments}") == [
        "REPEAT_LIMIT_EXCEEDED"
    ]


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_cost"):
        QueryLimits(max_cost=0).check()
