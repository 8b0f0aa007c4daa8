"""GraphQL of feedback (满意度评价) and follow-ups (回访) on service records."""

from __future__ import annotations

from datetime import datetime

import strawberry

from node.domain import feedback
from node.models import ServiceRecord as ServiceRecordRow
from node.schema.audit import mutation
from node.schema.catalogue import PayloadWarning
from node.schema.context import Ctx
from node.schema.records import (
    Feedback,
    FeedbackInput,
    FollowUpInput,
    ServiceRecord,
    ServiceRecordPayload,
)
from node.web.feedback_page import page_url, qr_url


@strawberry.type
class FeedbackPayload:
    """The feedback only: an enterprise rating through its link may not read the record."""

    service_record_id: strawberry.ID
    feedback: Feedback
    warnings: list[PayloadWarning]


@strawberry.type
class FeedbackLinkPayload:
    url: str = strawberry.field(description="the one-time feedback page; show it only once")
    qr_code_url: str = strawberry.field(description="an SVG QR code of url")
    expires_at: datetime


@strawberry.type
class FeedbackMutation:
    @mutation(
        description="staff record a rating (logged in), or an enterprise gives it through its "
        "one-time link (linkToken, no login needed)"
    )
    async def submit_feedback(self, info: Ctx, input: FeedbackInput) -> FeedbackPayload:
        ctx = info.context
        record_id = ctx.local_id(input.service_record_id)
        if input.link_token is not None:
            row = await feedback.submit_feedback_by_link(
                input.link_token, input.rating, input.comment, record_id
            )
        else:
            row = await feedback.submit_feedback(
                ctx.actor,
                record_id,
                input.rating,
                input.comment,
                feedback.FeedbackChannel(input.channel.value),
            )
        return FeedbackPayload(
            service_record_id=input.service_record_id, feedback=Feedback.from_row(row), warnings=[]
        )

    @mutation(description="a one-time link (and its QR code) for the enterprise to rate with")
    async def create_feedback_link(
        self, info: Ctx, service_record_id: strawberry.ID
    ) -> FeedbackLinkPayload:
        ctx = info.context
        issued = await feedback.create_feedback_link(ctx.actor, ctx.local_id(service_record_id))
        return FeedbackLinkPayload(
            url=page_url(ctx.settings, issued.token),
            qr_code_url=qr_url(ctx.settings, issued.token),
            expires_at=issued.expires_at,
        )

    @mutation()
    async def add_follow_up(
        self, info: Ctx, service_record_id: strawberry.ID, input: FollowUpInput
    ) -> ServiceRecordPayload:
        ctx = info.context
        key = ctx.local_id(service_record_id)
        await feedback.add_follow_up(ctx.actor, key, input.channel, input.result)
        record = await ServiceRecordRow.get(id=key)
        return ServiceRecordPayload(service_record=ServiceRecord.from_row(record, ctx), warnings=[])
