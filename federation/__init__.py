"""What hub and nodes share, and import from neither: the protocol (core contract, IDs, cursors,
error codes, trust, composition, scatter-gather) and the conventions both servers follow
(settings files, the command line, accounts, storage, the HTTP endpoints, the GraphQL request
context, extensions and shared object types, test servers)."""

from __future__ import annotations

from pathlib import Path

# Bumped whenever core.graphql changes; the hub accepts the current and the previous version.
CORE_SCHEMA_VERSION = "1.2"
CORE_SDL_PATH = Path(__file__).with_name("core.graphql")
# The version before the current one, still accepted from nodes (DESIGN §6); its contract stays
# beside the current one as core-<version>.graphql.
PREVIOUS_CORE_SCHEMA_VERSION: str | None = "1.1"
ACCEPTED_CORE_SCHEMA_VERSIONS: tuple[str, ...] = tuple(
    v for v in (CORE_SCHEMA_VERSION, PREVIOUS_CORE_SCHEMA_VERSION) if v is not None
)


def core_sdl_path(version: str = CORE_SCHEMA_VERSION) -> Path:
    """The contract file of an accepted core schema version."""
    if version not in ACCEPTED_CORE_SCHEMA_VERSIONS:
        raise ValueError(f"core schema version {version!r} is not accepted")
    return (
        CORE_SDL_PATH
        if version == CORE_SCHEMA_VERSION
        else CORE_SDL_PATH.with_name(f"core-{version}.graphql")
    )
