"""The public demand form: an enterprise submits a demand without an account."""

from __future__ import annotations

from starlette.routing import BaseRoute

ROUTES: list[BaseRoute] = []
