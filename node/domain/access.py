"""Who is calling, and the role checks every domain service applies (``federation.accounts``)."""

from __future__ import annotations

import enum

from federation.accounts import ANONYMOUS, Actor, require

__all__ = [
    "ANONYMOUS",
    "PERSONAL_DATA_ROLES",
    "READ_ROLES",
    "WRITE_ROLES",
    "Actor",
    "Role",
    "require",
]


class Role(enum.StrEnum):
    WINDOW_ADMIN = "WINDOW_ADMIN"
    STAFF = "STAFF"
    READONLY = "READONLY"


# Roles that may see enterprises' contact persons (personal information under PIPL).
PERSONAL_DATA_ROLES = frozenset({Role.WINDOW_ADMIN, Role.STAFF})
WRITE_ROLES = frozenset({Role.WINDOW_ADMIN, Role.STAFF})
READ_ROLES = frozenset(Role)
