"""The plugin part of the network schema, from real node SDLs: every namespace any node serves,
each asked only of its nodes; a node that defines one differently is left out of it alone."""

from __future__ import annotations

import re
from functools import cache

from federation.compose import Conflict, NodeSDL, compose, sdl_hash
from node.config import NodeSettings
from node.plugins.manager import PluginHost
from node.schema import build_schema


@cache
def node_sdl(*plugins: str) -> str:
    """The `_service { sdl }` of a node running exactly these first-party plugins."""
    settings = NodeSettings(
        window_id="w", name="w", region_code="440305", plugins_enabled=list(plugins) or ["-"]
    )
    host = PluginHost(settings).load()
    result = build_schema(plugins=host).execute_sync("{ _service { sdl } }")
    assert result.errors is None
    return str(result.data["_service"]["sdl"])  # type: ignore[index]


def test_every_namespace_is_asked_only_of_the_nodes_that_have_it() -> None:
    composed = compose(
        [
            NodeSDL("city", node_sdl()),
            NodeSDL("cluster", node_sdl("equipment", "inspection")),
            NodeSDL("county", node_sdl("financing")),
            NodeSDL("lab", node_sdl("inspection")),
        ]
    )
    assert composed.conflicts == []
    assert composed.windows == ["city", "cluster", "county", "lab"]
    assert {ns: part.windows for ns, part in composed.queries.items()} == {
        "equipment": ["cluster"],
        "financing": ["county"],
        "inspection": ["cluster", "lab"],
    }
    assert {ns: part.windows for ns, part in composed.stats.items()} == {
        "equipment": ["cluster"],
        "financing": ["county"],
        "inspection": ["cluster", "lab"],
    }
    equipment = composed.queries["equipment"]
    assert equipment.root == "EquipmentQuery"
    assert "EquipmentInstrumentConnection" in equipment.types
    # Core types stay the core's: a namespace lists only what it adds.
    assert "PageInfo" not in equipment.types and "Service" not in equipment.types


def test_a_node_defining_a_namespace_differently_is_left_out_of_it_alone() -> None:
    plain = node_sdl("equipment", "financing")
    changed = plain.replace(
        "type EquipmentInstrument {", "type EquipmentInstrument {\n  calibratedOn: Date"
    )
    assert changed != plain
    composed = compose(
        [
            NodeSDL("a", plain),
            NodeSDL("odd", changed),
            NodeSDL("b", plain),
        ]
    )
    assert composed.queries["equipment"].windows == ["a", "b"]
    assert composed.queries["financing"].windows == ["a", "odd", "b"]
    assert composed.windows == ["a", "odd", "b"]
    assert composed.conflicts == [
        Conflict("odd", "equipment", "defines it differently from the other windows that have it")
    ]
    # The majority wins; with a tie, the window listed (connected) first.
    tie = compose([NodeSDL("odd", changed), NodeSDL("a", plain)])
    assert tie.queries["equipment"].windows == ["odd"]
    assert "calibratedOn" in tie.queries["equipment"].types["EquipmentInstrument"].fields  # type: ignore[attr-defined]


def test_reworded_documentation_is_not_a_conflict() -> None:
    plain = node_sdl("inspection")
    reworded = plain.replace('"""', '"""(v2) ', 1)
    assert reworded != plain and sdl_hash(reworded) != sdl_hash(plain)
    composed = compose([NodeSDL("a", plain), NodeSDL("b", reworded)])
    assert composed.conflicts == []
    assert composed.queries["inspection"].windows == ["a", "b"]


def test_a_type_of_another_namespace_is_a_conflict_of_the_later_one() -> None:
    # A node whose `financing` plugin reuses a type name of the equipment namespace.
    hostile = re.sub(r"\bFinancingProduct\b", "EquipmentInstrument", node_sdl("financing"))
    composed = compose([NodeSDL("a", node_sdl("equipment")), NodeSDL("x", hostile)])
    assert composed.queries["equipment"].windows == ["a"]
    assert "financing" not in composed.queries
    [conflict] = [c for c in composed.conflicts if c.namespace == "financing"]
    assert conflict.window_id == "x"
    assert "EquipmentInstrument (namespace equipment)" in conflict.reason


def test_a_node_without_the_core_contract_is_left_out() -> None:
    broken = node_sdl("equipment").replace("  publicWelfare: Boolean!\n", "", 1)
    composed = compose(
        [NodeSDL("good", node_sdl("equipment")), NodeSDL("bad", broken), NodeSDL("junk", "{")]
    )
    assert composed.windows == ["good"]
    assert composed.queries["equipment"].windows == ["good"]
    reasons = {c.window_id: c.reason for c in composed.conflicts if c.namespace is None}
    assert "publicWelfare is missing" in reasons["bad"]
    assert reasons["junk"].startswith("the SDL does not parse")


def test_a_node_is_checked_against_the_core_version_it_speaks() -> None:
    composed = compose(
        [NodeSDL("now", node_sdl()), NodeSDL("future", node_sdl(), core_version="9.0")]
    )
    assert composed.windows == ["now"]
    (conflict,) = composed.conflicts
    assert conflict.window_id == "future" and "not accepted" in conflict.reason


# What core 1.2 added to the node's schema (federation/core-1.1.graphql is what came before).
ADDED_IN_1_2 = ("claim", "confirmDemandEnterprise")


def previous_node_sdl() -> str:
    """A node of core 1.1: today's node without the fields 1.2 added (with their descriptions)."""
    sdl = node_sdl()
    for name in ADDED_IN_1_2:
        field = re.compile(
            r'(\n  """(?:(?!""").)*"""|\n  "[^"\n]*")?\n  ' + name + r"\b[^\n]*", re.S
        )
        sdl, found = field.subn("", sdl, count=1)
        assert found == 1, name
    return sdl


def test_a_node_on_the_previous_core_version_is_composed() -> None:
    older = previous_node_sdl()
    composed = compose([NodeSDL("then", older, core_version="1.1"), NodeSDL("now", older)])
    assert composed.windows == ["then"]
    (conflict,) = composed.conflicts
    assert conflict.window_id == "now" and "Demand.claim is missing" in conflict.reason


def test_a_namespace_with_a_type_named_like_the_hubs_is_left_out() -> None:
    sdl = node_sdl("equipment", "financing")
    composed = compose([NodeSDL("a", sdl)], reserved=frozenset({"FinancingProduct"}))
    assert "financing" not in composed.queries
    assert composed.queries["equipment"].windows == ["a"]
    (conflict,) = [c for c in composed.conflicts if c.namespace == "financing"]
    assert "FinancingProduct (the hub's own)" in conflict.reason
