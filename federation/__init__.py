"""The smenet protocol: core contract, IDs, cursors and error codes shared by hub and nodes."""

from __future__ import annotations

from pathlib import Path

# Bumped whenever core.graphql changes; the hub accepts the current and the previous version.
CORE_SCHEMA_VERSION = "1.0"
CORE_SDL_PATH = Path(__file__).with_name("core.graphql")
