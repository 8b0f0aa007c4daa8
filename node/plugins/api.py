"""The public plugin API: the hooks, and the domain services a plugin may call — nothing else.

A plugin imports only this module (and ``node.plugins.testing`` in its tests); everything here
keeps its name and meaning across minor node versions. See the README's plugin author guide.
"""

from __future__ import annotations

from strawberry.types import Info as _Info

from federation.errors import (
    Conflict,
    Forbidden,
    InputError,
    InputRefused,
    InvalidTransition,
    NotFound,
    SmenetError,
)
from federation.ids import new_uuid
from federation.inputs import check_lengths, money, required_text
from federation.pagination import Page, paginate
from federation.relay import PAGE, Connection, connection
from node.clock import now
from node.domain import event_kinds as events
from node.domain.access import READ_ROLES, WRITE_ROLES, Actor, Role, require
from node.domain.catalogue import ServiceCategory, get_agency, get_service
from node.domain.enterprises import get_enterprise
from node.domain.periods import local_today, period_bounds, within
from node.domain.records import Channel, complete_service_record, start_service_record
from node.models import Record
from node.plugins.hookspecs import hookimpl
from node.plugins.types import Event, Period, Storage
from node.schema.audit import mutation
from node.schema.context import Context

__all__ = [
    "PAGE",
    "READ_ROLES",
    "WRITE_ROLES",
    "Actor",
    "Channel",
    "Conflict",
    "Connection",
    "Context",
    "Event",
    "Forbidden",
    "Info",
    "InputError",
    "InputRefused",
    "InvalidTransition",
    "NotFound",
    "Page",
    "Period",
    "Record",
    "Role",
    "ServiceCategory",
    "SmenetError",
    "Storage",
    "check_lengths",
    "complete_service_record",
    "connection",
    "events",
    "get_agency",
    "get_enterprise",
    "get_service",
    "hookimpl",
    "local_today",
    "money",
    "new_uuid",
    "mutation",
    "now",
    "paginate",
    "period_bounds",
    "required_text",
    "require",
    "start_service_record",
    "within",
]

# What a resolver's ``info`` is: ``info.context`` has ``actor``, ``settings``, ``local_id``
# and ``network_id``.
Info = _Info[Context, None]
