"""GraphQL types of enterprises; the contact person is personal data behind a role."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from federation.errors import Forbidden
from node.domain.access import PERSONAL_DATA_ROLES
from node.models import Enterprise as EnterpriseRow
from node.schema.catalogue import PayloadWarning
from node.schema.context import Context
from node.schema.enums import SizeClass


@strawberry.type
class ContactPerson:
    name: str
    phone: str
    email: str


@strawberry.type
class Enterprise:
    id: strawberry.ID
    name: str
    uscc: str
    region_code: str
    industry_code: str
    employees: int | None
    revenue: Decimal | None = strawberry.field(description="operating revenue, 万元")
    assets: Decimal | None = strawberry.field(description="total assets, 万元")
    size_class: SizeClass
    created_at: datetime
    updated_at: datetime
    row: strawberry.Private[EnterpriseRow]

    @strawberry.field(description="personal information: STAFF and WINDOW_ADMIN only")
    def contact(self, info: Info[Context, None]) -> ContactPerson | None:
        if not info.context.actor.has_any(PERSONAL_DATA_ROLES):
            raise Forbidden("an enterprise's contact person is visible to STAFF and WINDOW_ADMIN")
        row = self.row
        if not (row.contact_name or row.contact_phone or row.contact_email):
            return None
        return ContactPerson(
            name=row.contact_name, phone=row.contact_phone, email=row.contact_email
        )

    @classmethod
    def from_row(cls, row: EnterpriseRow, ctx: Context) -> Enterprise:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            name=row.name,
            uscc=row.uscc,
            region_code=row.region_code,
            industry_code=row.industry_code,
            employees=row.employees,
            revenue=row.revenue,
            assets=row.assets,
            size_class=SizeClass(row.size_class),
            created_at=row.created_at,
            updated_at=row.updated_at,
            row=row,
        )


@strawberry.input
class EnterpriseFilter:
    keyword: str | None = strawberry.field(default=None, description="name substring or exact USCC")
    region_code: str | None = strawberry.field(default=None, description="code prefix: 44, 4403…")
    industry_code: str | None = strawberry.field(default=None, description="GB/T 4754 prefix")
    size_class: SizeClass | None = None


@strawberry.input
class ContactInput:
    name: str = ""
    phone: str = ""
    email: str = ""


@strawberry.input
class EnterpriseInput:
    name: str
    uscc: str
    region_code: str
    industry_code: str
    employees: int | None = None
    revenue: Decimal | None = None
    assets: Decimal | None = None
    contact: ContactInput | None = None


@strawberry.input
class EnterpriseUpdateInput:
    name: str | None = None
    uscc: str | None = None
    region_code: str | None = None
    industry_code: str | None = None
    employees: int | None = None
    revenue: Decimal | None = None
    assets: Decimal | None = None
    contact: ContactInput | None = strawberry.field(
        default=None, description="replaces the contact person; empty strings erase it"
    )


@strawberry.type
class EnterprisePayload:
    enterprise: Enterprise
    warnings: list[PayloadWarning]
