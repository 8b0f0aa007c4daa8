"""Who is calling, and the role checks every domain service applies."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field

from federation.errors import Forbidden, Unauthenticated


class Role(enum.StrEnum):
    WINDOW_ADMIN = "WINDOW_ADMIN"
    STAFF = "STAFF"
    READONLY = "READONLY"


# Roles that may see enterprises' contact persons (personal information under PIPL).
PERSONAL_DATA_ROLES = frozenset({Role.WINDOW_ADMIN, Role.STAFF})
WRITE_ROLES = frozenset({Role.WINDOW_ADMIN, Role.STAFF})
READ_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Actor:
    username: str
    user_id: uuid.UUID | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    def has_any(self, roles: frozenset[Role]) -> bool:
        return not self.roles.isdisjoint(roles)


ANONYMOUS = Actor(username="anonymous")


def require(actor: Actor, roles: frozenset[Role], action: str) -> None:
    """Raise ``UNAUTHENTICATED`` for anonymous callers, ``FORBIDDEN`` for a missing role."""
    if not actor.authenticated:
        raise Unauthenticated(f"log in to {action}")
    if not actor.has_any(roles):
        needed = " or ".join(sorted(roles))
        raise Forbidden(f"{action} needs the role {needed}")
