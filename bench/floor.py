"""The floor: graphql-core alone executing the query over rows held in memory, then orjson.

No HTTP, no database, no strawberry: the least any Python GraphQL server can spend on the page.
The document is parsed and validated once, as the node's caches do.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from graphql import build_schema, execute_sync, parse, validate

from bench.data import QUERY, Rows

SDL = """
enum ServiceStatus { DRAFT PUBLISHED RETIRED }
input ServiceFilter { status: ServiceStatus }
type Agency { id: ID! name: String! }
type Service { id: ID! name: String! category: String! fee: String! agency: Agency }
type ServiceEdge { cursor: String! node: Service! }
type PageInfo { endCursor: String hasNextPage: Boolean! }
type ServiceConnection { totalCount: Int! edges: [ServiceEdge!]! pageInfo: PageInfo! }
type Query { services(first: Int = 20, filter: ServiceFilter): ServiceConnection! }
"""


class Floor:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.schema = build_schema(SDL)
        self.schema.query_type.fields["services"].resolve = self._services  # type: ignore[union-attr]
        self.document = parse(QUERY)
        errors = validate(self.schema, self.document)
        if errors:
            raise AssertionError(f"floor: invalid query: {errors}")

    def _services(self, _root: Any, _info: Any, first: int = 20, filter: Any = None) -> Any:
        status = (filter or {}).get("status")
        matching = [s for s in self.rows.services if status is None or s["status"] == status]
        page = matching[:first]
        edges = [{"cursor": s["id"], "node": s} for s in page]
        return {
            "totalCount": len(matching),
            "edges": edges,
            "pageInfo": {
                "endCursor": edges[-1]["cursor"] if edges else None,
                "hasNextPage": len(matching) > first,
            },
        }

    def answer(self) -> bytes:
        result = execute_sync(self.schema, self.document)
        if result.errors:
            raise AssertionError(f"floor: {result.errors}")
        return orjson.dumps({"data": result.data})

    def run(self, seconds: float, reference: bytes) -> tuple[list[float], float]:
        """Per-execution latencies (s) for ``seconds``, and process CPU seconds spent."""
        latencies: list[float] = []
        cpu0 = time.process_time()
        deadline = time.perf_counter() + seconds
        while (start := time.perf_counter()) < deadline:
            body = self.answer()
            latencies.append(time.perf_counter() - start)
            if body != reference:
                raise AssertionError("floor: response differs from the checked one")
        return latencies, time.process_time() - cpu0
