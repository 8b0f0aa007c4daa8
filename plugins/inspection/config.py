"""The plugin's settings: ``[plugins.inspection]`` of smenet.toml (``SMENET_INSPECTION_*``)."""

from __future__ import annotations

from dataclasses import dataclass

MAX_TURNAROUND_DAYS = 365


@dataclass(frozen=True)
class InspectionConfig:
    """``[plugins.inspection]`` of smenet.toml."""

    # Days from receipt to the due day when an order does not name its due day.
    turnaround_days: int = 7

    def __post_init__(self) -> None:
        if not 0 <= self.turnaround_days <= MAX_TURNAROUND_DAYS:
            raise ValueError(
                f"[plugins.inspection]: turnaround_days must be between 0 and {MAX_TURNAROUND_DAYS}"
            )
