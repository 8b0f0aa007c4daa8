"""What the demo history happens in: the seeded catalogue, enterprises and users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from random import Random

from node.domain.access import Actor
from node.models import Enterprise
from node.seed.data import GIVEN_NAMES, SURNAMES, ServiceTemplate


@dataclass(frozen=True)
class SeededService:
    id: uuid.UUID
    template: ServiceTemplate


@dataclass(frozen=True)
class SeededCompany:
    row: Enterprise
    trade: str  # the trade part of its name, for demand texts
    maker: bool  # a manufacturer: testing, equipment and design needs are its own


@dataclass(frozen=True)
class World:
    window_id: str
    city: str
    services: list[SeededService]  # the published ones
    companies: list[SeededCompany]
    staff: Actor
    admin: Actor


def person_name(rng: Random) -> str:
    return rng.choice(SURNAMES)[0] + rng.choice(GIVEN_NAMES)[0]
