"""Window users: login with the wait after wrong passwords, session tokens, passwords and roles
(``federation.accounts``)."""

from __future__ import annotations

from federation.accounts import Accounts
from node import clock
from node.domain.access import Role
from node.models import LoginFailure, User

__all__ = ["ACCOUNTS"]

# Names the audit log uses for callers without an account.
RESERVED_USERNAMES = frozenset({"anonymous", "public", "enterprise", "seed", "hub"})

ACCOUNTS = Accounts(User, LoginFailure, Role, Role.WINDOW_ADMIN, RESERVED_USERNAMES, now=clock.now)
