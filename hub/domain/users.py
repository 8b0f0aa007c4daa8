"""Hub users: login with the wait after wrong passwords, session tokens and roles
(``federation.accounts``)."""

from __future__ import annotations

from federation.accounts import Accounts
from hub.domain.access import HubRole
from hub.models import HubUser, LoginFailure

__all__ = ["ACCOUNTS"]

# Names the audit log uses for callers without an account, and the hub's own name in IDs.
RESERVED_USERNAMES = frozenset({"anonymous", "public", "hub"})

ACCOUNTS = Accounts(HubUser, LoginFailure, HubRole, HubRole.HUB_ADMIN, RESERVED_USERNAMES)
