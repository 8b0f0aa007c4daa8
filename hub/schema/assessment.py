"""GraphQL of indicators, the yearly assessment, rectification and revocation requests
(``hub.domain.indicators``, ``assessment``, ``rectification``).

Days are ISO text (YYYY-MM-DD): the hub's schema leaves the name ``Date`` to the network schema,
which passes the nodes' values through as they answered them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from federation.errors import InputError
from federation.extensions import Write
from federation.inputs import quote
from hub.domain import assessment, indicators, rectification, scoring
from hub.models import Assessment as AssessmentRow
from hub.models import Rectification as RectificationRow
from hub.models import RevocationRequest as RequestRow
from hub.schema.audit import mutation
from hub.schema.context import Context, Ctx
from hub.schema.windows import Window, window_by_key

AssessmentGrade = strawberry.enum(scoring.Grade, name="AssessmentGrade")
AssessmentKind = strawberry.enum(assessment.AssessmentKind, name="AssessmentKind")
IndicatorName = strawberry.enum(scoring.Indicator, name="Indicator")
RectificationStatus = strawberry.enum(assessment.RectificationStatus, name="RectificationStatus")
RevocationStatus = strawberry.enum(assessment.RevocationStatus, name="RevocationStatus")


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = f"{name} must be a day as YYYY-MM-DD, got {quote(value)}"
        raise InputError(message, field=name) from None


@strawberry.type(description="A period's figures of a window or an agency, and their source")
class IndicatorFigures:
    from_date: str
    to_date: str
    source: str = strawberry.field(description="where the figures came from")
    enterprises_served: int
    services_delivered: int
    services_online: int
    services_offline: int
    feedback_count: int
    satisfied_feedback: int
    satisfaction_rate: float | None = strawberry.field(description="share of ratings of 4 or 5")
    activities: int | None
    activity_participants: int | None
    demands_received: int | None
    demands_completed: int | None
    demands_rejected: int | None
    demands_open: int | None
    resolution_rate: float | None = strawberry.field(
        description="completed / (completed + rejected + open); escalated ones count neither way"
    )
    median_resolution_hours: float | None
    reports_due: int | None = strawberry.field(description="null until the hub has reports")
    reports_on_time: int | None
    reports_late: int | None
    reports_missing: int | None
    timeliness_rate: float | None

    @classmethod
    def of(cls, x: scoring.Indicators) -> IndicatorFigures:
        values = x.figures()
        values["from_date"], values["to_date"] = values.pop("date_from"), values.pop("date_to")
        return cls(
            **values,
            satisfaction_rate=x.satisfaction_rate,
            resolution_rate=x.resolution_rate,
            timeliness_rate=x.timeliness_rate,
        )


@strawberry.type
class AgencyIndicators:
    agency_id: strawberry.ID = strawberry.field(description="the agency's network ID")
    name: str
    figures: IndicatorFigures


@strawberry.type
class WindowIndicators:
    window: Window
    figures: IndicatorFigures
    agencies: list[AgencyIndicators]


@strawberry.type
class IndicatorScore:
    indicator: IndicatorName
    score: float | None = strawberry.field(description="0–100; null: not scored (no figures)")
    weight: float = strawberry.field(description="its share of the total")
    met: bool | None = strawberry.field(description="its criterion, where it has one")
    evidence: JSON = strawberry.field(description="the figures and targets it was scored from")


@strawberry.type(description="A window's or an agency's assessment of a period (DESIGN §7)")
class Assessment:
    id: strawberry.ID
    agency_id: strawberry.ID | None = strawberry.field(description="null: the window's own")
    agency_name: str | None
    year: int
    kind: AssessmentKind
    from_date: str
    to_date: str
    grade: AssessmentGrade = strawberry.field(description="the override's, if any, else computed")
    computed_grade: AssessmentGrade
    total: float
    scores: list[IndicatorScore]
    figures: JSON = strawberry.field(description="the figures as read, with their source")
    assessed_by: str
    override_reason: str | None
    overridden_by: str | None
    overridden_at: datetime | None
    created_at: datetime
    row: strawberry.Private[AssessmentRow]

    @strawberry.field
    async def window(self, info: Ctx) -> Window:
        return await window_by_key(info.context, self.row.window_id)

    @classmethod
    def from_row(cls, row: AssessmentRow, ctx: Context) -> Assessment:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            agency_id=strawberry.ID(row.agency_ref) if row.agency_ref else None,
            agency_name=row.agency_name or None,
            year=row.year,
            kind=AssessmentKind(row.kind),
            from_date=row.date_from.isoformat(),
            to_date=row.date_to.isoformat(),
            grade=assessment.effective_grade(row),
            computed_grade=AssessmentGrade(row.grade),
            total=row.total,
            scores=[
                IndicatorScore(
                    indicator=IndicatorName(s["indicator"]),
                    score=s["score"],
                    weight=s["weight"],
                    met=s["met"],
                    evidence=s["evidence"],
                )
                for s in row.scores
            ],
            figures=row.figures,
            assessed_by=row.assessed_by,
            override_reason=row.override_reason or None,
            overridden_by=row.overridden_by,
            overridden_at=row.overridden_at,
            created_at=row.created_at,
            row=row,
        )


async def _assessment(ctx: Context, key: Any) -> Assessment:
    row = await ctx.loaders.of(AssessmentRow).load(key)
    assert row is not None
    return Assessment.from_row(row, ctx)


@strawberry.type(description="A FAIL's rectification (整改): RECTIFYING until the re-check")
class Rectification:
    id: strawberry.ID
    deadline: datetime
    status: RectificationStatus
    closed_at: datetime | None
    created_at: datetime
    row: strawberry.Private[RectificationRow]

    @strawberry.field
    async def window(self, info: Ctx) -> Window:
        return await window_by_key(info.context, self.row.window_id)

    @strawberry.field(description="the failed assessment")
    async def assessment(self, info: Ctx) -> Assessment:
        return await _assessment(info.context, self.row.assessment_id)

    @strawberry.field(description="the re-check after the deadline")
    async def recheck(self, info: Ctx) -> Assessment | None:
        key = self.row.recheck_id
        return None if key is None else await _assessment(info.context, key)

    @classmethod
    def from_row(cls, row: RectificationRow, ctx: Context) -> Rectification:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            deadline=row.deadline,
            status=RectificationStatus(row.status),
            closed_at=row.closed_at,
            created_at=row.created_at,
            row=row,
        )


@strawberry.type(description="The hub's request to revoke a window that failed its re-check")
class RevocationRequest:
    id: strawberry.ID
    reason: str
    requested_by: str
    status: RevocationStatus
    decided_by: str | None
    decision_reason: str | None
    decided_at: datetime | None
    created_at: datetime
    row: strawberry.Private[RequestRow]

    @strawberry.field
    async def window(self, info: Ctx) -> Window:
        return await window_by_key(info.context, self.row.window_id)

    @strawberry.field
    async def rectification(self, info: Ctx) -> Rectification:
        row = await info.context.loaders.of(RectificationRow).load(self.row.rectification_id)
        assert row is not None
        return Rectification.from_row(row, info.context)

    @classmethod
    def from_row(cls, row: RequestRow, ctx: Context) -> RevocationRequest:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            reason=row.reason,
            requested_by=row.requested_by,
            status=RevocationStatus(row.status),
            decided_by=row.decided_by,
            decision_reason=row.decision_reason or None,
            decided_at=row.decided_at,
            created_at=row.created_at,
            row=row,
        )


@strawberry.type
class AssessmentFailure:
    window_id: strawberry.ID
    code: str
    message: str


@strawberry.type
class AssessmentRun:
    assessed: list[Assessment]
    skipped: list[strawberry.ID] = strawberry.field(description="windows already assessed")
    failures: list[AssessmentFailure] = strawberry.field(description="nodes that did not answer")


@strawberry.type
class AssessmentQuery:
    @strawberry.field(
        description="a window's and its agencies' indicators of the days from..to (YYYY-MM-DD,"
        " both included), read from its node now: HUB_OPERATOR, HUB_ADMIN, SUPERVISOR"
    )
    async def indicators(
        self, info: Ctx, window_id: strawberry.ID, from_date: str, to_date: str
    ) -> WindowIndicators:
        ctx = info.context
        assert ctx.network is not None
        read = await indicators.read_indicators(
            ctx.actor,
            ctx.network,
            ctx.trust,
            window_id,
            _day(from_date, "fromDate"),
            _day(to_date, "toDate"),
        )
        return WindowIndicators(
            window=Window.from_row(read.window),
            figures=IndicatorFigures.of(read.indicators),
            agencies=[
                AgencyIndicators(
                    agency_id=strawberry.ID(a.agency_id),
                    name=a.name,
                    figures=IndicatorFigures.of(a.indicators),
                )
                for a in read.agencies
            ],
        )

    @strawberry.field(description="newest first; with agencies: their assessments too")
    async def assessments(
        self,
        info: Ctx,
        window_id: strawberry.ID | None = None,
        year: int | None = None,
        agencies: bool = False,
    ) -> list[Assessment]:
        ctx = info.context
        rows = await assessment.list_assessments(ctx.actor, window_id, year, agencies)
        return [Assessment.from_row(row, ctx) for row in rows]

    @strawberry.field
    async def assessment(self, info: Ctx, id: strawberry.ID) -> Assessment | None:
        ctx = info.context
        row = await assessment.get_assessment(ctx.actor, ctx.local_id(id))
        return None if row is None else Assessment.from_row(row, ctx)

    @strawberry.field(description="newest first")
    async def rectifications(
        self,
        info: Ctx,
        window_id: strawberry.ID | None = None,
        status: RectificationStatus | None = None,
    ) -> list[Rectification]:
        ctx = info.context
        rows = await rectification.list_rectifications(
            ctx.actor, window_id, status.value if status else None
        )
        return [Rectification.from_row(row, ctx) for row in rows]

    @strawberry.field(description="newest first")
    async def revocation_requests(
        self, info: Ctx, status: RevocationStatus | None = None
    ) -> list[RevocationRequest]:
        ctx = info.context
        rows = await rectification.list_revocation_requests(
            ctx.actor, status.value if status else None
        )
        return [RevocationRequest.from_row(row, ctx) for row in rows]


@strawberry.type
class AssessmentMutation:
    @mutation(
        deferred=True,
        graphql_type=Assessment,
        description="HUB_OPERATOR, HUB_ADMIN: a window's (and its agencies') yearly assessment,"
        " read from its node now; FAIL puts a CONNECTED window in RECTIFYING with a deadline",
    )
    async def assess_window(
        self, info: Ctx, window_id: strawberry.ID, year: int
    ) -> Write[Assessment]:
        ctx = info.context
        assert ctx.network is not None
        prepared = await assessment.prepare_assessment(
            ctx.actor, ctx.network, ctx.trust, ctx.settings.assessment_rules(), window_id, year
        )

        async def write() -> Assessment:
            row = await assessment.write_assessment(
                ctx.actor, prepared, ctx.settings.rectification_days
            )
            return Assessment.from_row(row, ctx)

        return Write(write)

    @mutation(
        deferred=True,
        graphql_type=AssessmentRun,
        description="HUB_OPERATOR, HUB_ADMIN: assessWindow for every window on the network"
        " not yet assessed that year",
    )
    async def run_assessments(self, info: Ctx, year: int) -> Write[AssessmentRun]:
        ctx = info.context
        assert ctx.network is not None
        run = await assessment.prepare_run(
            ctx.actor, ctx.network, ctx.trust, ctx.settings.assessment_rules(), year
        )

        async def write() -> AssessmentRun:
            rows = await assessment.write_run(ctx.actor, run, ctx.settings.rectification_days)
            return AssessmentRun(
                assessed=[Assessment.from_row(row, ctx) for row in rows],
                skipped=[strawberry.ID(w) for w in run.skipped],
                failures=[
                    AssessmentFailure(window_id=strawberry.ID(w), code=e.code, message=e.message)
                    for w, e in run.failed
                ],
            )

        return Write(write)

    @mutation(
        deferred=True,
        graphql_type=Rectification,
        description="HUB_OPERATOR, HUB_ADMIN, after the deadline: the window's open"
        " rectification re-checked over the twelve months up to today; PASS → CONNECTED,"
        " FAIL → a revocation request",
    )
    async def recheck_window(self, info: Ctx, window_id: strawberry.ID) -> Write[Rectification]:
        ctx = info.context
        assert ctx.network is not None
        prepared = await rectification.prepare_recheck(
            ctx.actor, ctx.network, ctx.trust, ctx.settings.assessment_rules(), window_id
        )

        async def write() -> Rectification:
            row = await rectification.write_recheck(ctx.actor, prepared)
            return Rectification.from_row(row, ctx)

        return Write(write)

    @mutation(
        description="HUB_OPERATOR, HUB_ADMIN: another grade, with a written reason; the"
        " window's rectification or revocation request follows it"
    )
    async def override_assessment(
        self, info: Ctx, id: strawberry.ID, grade: AssessmentGrade, reason: str
    ) -> Assessment:
        ctx = info.context
        row = await assessment.override_assessment(
            ctx.actor, ctx.local_id(id), grade.value, reason, ctx.settings.rectification_days
        )
        return Assessment.from_row(row, ctx)

    @mutation(description="SUPERVISOR: the window is REVOKED and leaves the network at once")
    async def approve_revocation(
        self, info: Ctx, id: strawberry.ID, note: str = ""
    ) -> RevocationRequest:
        ctx = info.context
        row = await rectification.approve_revocation(ctx.actor, ctx.local_id(id), note)
        return RevocationRequest.from_row(row, ctx)

    @mutation(description="SUPERVISOR, with a reason: the window is CONNECTED again")
    async def decline_revocation(
        self, info: Ctx, id: strawberry.ID, reason: str
    ) -> RevocationRequest:
        ctx = info.context
        row = await rectification.decline_revocation(ctx.actor, ctx.local_id(id), reason)
        return RevocationRequest.from_row(row, ctx)
