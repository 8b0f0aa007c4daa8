"""Print the core contract as the node's code defines it.

After an intended contract change (and a version bump):
`python -m node.schema > federation/core.graphql`.
"""

import re
import warnings

import strawberry
from strawberry.tools import merge_types

from federation import CORE_SCHEMA_VERSION
from node.schema import MUTATIONS, QUERIES
from node.schema.stats import stats_query

HEADER = f"""# smenet core contract, version {CORE_SCHEMA_VERSION}.
# Every window node's schema contains this unchanged (federation.contract checks it), plus
# `ext` fields for plugins and the Apollo Federation v2 subgraph fields. Change it only with a
# version bump (federation.CORE_SCHEMA_VERSION); the hub accepts the current and previous one.
"""

# The contract is plain GraphQL: federation keys belong to the subgraph, not to the contract.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    sdl = strawberry.Schema(
        query=merge_types("Query", (*QUERIES, stats_query())),
        mutation=merge_types("Mutation", MUTATIONS),
    ).as_str()
print(HEADER)
print(re.sub(r' @key\(fields: "[^"]*"\)', "", sdl))
