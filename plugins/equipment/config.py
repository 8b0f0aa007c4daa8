"""The plugin's settings: section ``[plugins.equipment]`` of ``smenet.toml``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EquipmentConfig:
    # The longest slot one booking may hold; longer use is booked as several slots.
    max_booking_hours: int = 8

    def __post_init__(self) -> None:
        if self.max_booking_hours < 1:
            raise ValueError("[plugins.equipment]: max_booking_hours must be at least 1")
