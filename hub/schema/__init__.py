"""The hub's GraphQL schema: registry, onboarding, users and audit.

Query and Mutation are merged from one class per area, so later areas (the federated
``network``, ``composition``, reports …) join by adding their classes here.
"""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from federation.extensions import ErrorsLoggedOnce, schema_extensions
from hub.schema.users import UserMutation, UserQuery
from hub.schema.windows import WindowMutation, WindowQuery

QUERIES: tuple[type, ...] = (WindowQuery, UserQuery)
MUTATIONS: tuple[type, ...] = (WindowMutation, UserMutation)


class HubSchema(ErrorsLoggedOnce, strawberry.Schema):
    pass


def build_schema(max_depth: int = 12) -> strawberry.Schema:
    return HubSchema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        extensions=schema_extensions(max_depth),
    )
