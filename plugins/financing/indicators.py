"""The plugin's indicators of a period: demands received, and outcomes by when they were
decided (approved or declined), so a demand counts in the period its outcome happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from plugins.financing.demands import DemandStatus
from plugins.financing.models import FinancingDemand


@dataclass(frozen=True)
class Indicators:
    demands_received: int
    approved: int
    approved_amount: Decimal
    declined: int

    @property
    def decided(self) -> int:
        return self.approved + self.declined


async def compute(start: datetime, end: datetime) -> Indicators:
    """Figures of the UTC interval [start, end)."""
    received = await FinancingDemand.filter(created_at__gte=start, created_at__lt=end).count()
    decided = FinancingDemand.filter(decided_at__gte=start, decided_at__lt=end)
    # Summed here, not in SQL: SQLite would add the decimals as floats.
    amounts = await decided.filter(status=DemandStatus.APPROVED.value).values_list(
        "approved_amount", flat=True
    )
    declined = await decided.filter(status=DemandStatus.DECLINED.value).count()
    return Indicators(
        demands_received=received,
        approved=len(amounts),
        approved_amount=sum((Decimal(a) for a in amounts), Decimal("0.00")),
        declined=declined,
    )
