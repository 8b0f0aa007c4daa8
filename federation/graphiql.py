"""GraphiQL served offline: the HTML page and the bundled assets (GraphiQL 3.9.0, React 18.3.1).

Serve ``STATIC_DIR`` at ``static_prefix`` and return ``graphiql_html()`` on a browser GET of the
GraphQL endpoint; nothing is loaded from a CDN.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

STATIC_DIR = Path(__file__).with_name("static") / "graphiql"

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>GraphiQL</title>
  <link rel="stylesheet" href="{prefix}/graphiql.min.css">
  <style>html, body, #graphiql {{ height: 100%; margin: 0; overflow: hidden; }}</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="{prefix}/react.production.min.js"></script>
  <script src="{prefix}/react-dom.production.min.js"></script>
  <script src="{prefix}/graphiql.min.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({{ url: {endpoint} }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{
        fetcher,
        isHeadersEditorEnabled: true,
        defaultEditorToolsVisibility: true,
      }}),
    );
  </script>
</body>
</html>
"""


def graphiql_html(endpoint: str = "/graphql", static_prefix: str = "/static/graphiql") -> str:
    """The GraphiQL page querying ``endpoint``, its assets loaded from ``static_prefix``."""
    endpoint_js = json.dumps(endpoint).replace("<", "\\u003c")
    return _PAGE.format(prefix=escape(static_prefix.rstrip("/")), endpoint=endpoint_js)
