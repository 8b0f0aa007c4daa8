"""Hub roles (DESIGN §6) and the role sets the hub's services check (``federation.accounts``)."""

from __future__ import annotations

import enum

from federation.accounts import ANONYMOUS, Actor, require

__all__ = [
    "ADMIN",
    "ANONYMOUS",
    "AUDIT_READERS",
    "DASHBOARD_READERS",
    "HUB_ROLES",
    "OPERATOR",
    "REVIEWER",
    "SUPERVISING",
    "Actor",
    "HubRole",
    "require",
]


class HubRole(enum.StrEnum):
    HUB_ADMIN = "HUB_ADMIN"  # users, revocation
    HUB_OPERATOR = "HUB_OPERATOR"  # runs the onboarding workflow and the registry
    EXPERT_REVIEWER = "EXPERT_REVIEWER"  # reviews applications
    SUPERVISOR = "SUPERVISOR"  # reads everything, supervises windows


# Any hub role: who may see reviews, objections, contacts (PIPL) and a window's history.
HUB_ROLES = frozenset(HubRole)
ADMIN = frozenset({HubRole.HUB_ADMIN})
OPERATOR = frozenset({HubRole.HUB_OPERATOR})
REVIEWER = frozenset({HubRole.EXPERT_REVIEWER})
AUDIT_READERS = frozenset({HubRole.HUB_ADMIN, HubRole.SUPERVISOR})

# Hub users whose reads of a window are supervision (as its hub–window agreement allows).
SUPERVISING = frozenset({HubRole.HUB_ADMIN, HubRole.HUB_OPERATOR, HubRole.SUPERVISOR})
# Who may open the supervisor's dashboard and its exports (hub.dashboard).
DASHBOARD_READERS = frozenset({HubRole.SUPERVISOR, HubRole.HUB_ADMIN, HubRole.HUB_OPERATOR})
