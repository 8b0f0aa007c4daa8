"""The one-time feedback page: an enterprise rates a service record from a link or QR code."""

from __future__ import annotations

from starlette.routing import BaseRoute

ROUTES: list[BaseRoute] = []
