"""GraphQL of feedback (满意度评价) and follow-ups (回访) on service records."""

from __future__ import annotations

import strawberry

from node.schema.audit import mutation
from node.schema.records import FeedbackInput, FollowUpInput, ServiceRecordPayload
from node.schema.unavailable import unavailable


@strawberry.type
class FeedbackMutation:
    @mutation()
    async def submit_feedback(self, input: FeedbackInput) -> ServiceRecordPayload:
        raise unavailable()

    @mutation()
    async def add_follow_up(
        self, service_record_id: strawberry.ID, input: FollowUpInput
    ) -> ServiceRecordPayload:
        raise unavailable()
