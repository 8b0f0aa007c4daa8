"""GraphQL over HTTP as an operator's script speaks it: a POST per call, a bearer token after
``login``, and any error the server answers turned into a ``CommandError`` that names it."""

from __future__ import annotations

from typing import Any

import httpx

from federation.console import CommandError

TIMEOUT_S = 30


class GraphQL:
    """One server's ``/graphql``, as one user (or anonymously)."""

    def __init__(self, http: httpx.Client, url: str, token: str | None = None) -> None:
        self.http, self.url, self.token = http, url, token

    def login(self, username: str, password: str) -> GraphQL:
        data = self(
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
            u=username,
            p=password,
        )
        return GraphQL(self.http, self.url, data["login"]["token"])

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = self.http.post(
                self.url, json={"query": query, "variables": variables}, headers=headers
            )
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise CommandError(f"{self.url}: no GraphQL answer ({error})") from None
        if answer.get("errors"):
            first = answer["errors"][0]
            code = first.get("extensions", {}).get("code", "ERROR")
            raise CommandError(f"{self.url}: {code}: {first.get('message')}")
        return dict(answer["data"])


def http_client() -> httpx.Client:
    # Straight to loopback: an http_proxy setting must not swallow the demo's own calls.
    return httpx.Client(trust_env=False, timeout=TIMEOUT_S)
