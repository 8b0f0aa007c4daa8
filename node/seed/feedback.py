"""Feedback in the demo history: ratings by phone, on site or one-time link, and follow-ups.

Ratings are dealt out once all feedback is planned, so that the share of satisfied ratings
(4 or 5) lands where real windows report it, whatever the number of ratings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from node.domain import feedback, records
from node.domain.feedback import FeedbackChannel
from node.seed.history_data import (
    COMMENTS,
    FOLLOW_UP_CHANNELS,
    FOLLOW_UPS_SATISFIED,
    FOLLOW_UPS_UNSATISFIED,
)
from node.seed.timeline import Ref, Timeline
from node.seed.world import World

SATISFACTION = (0.87, 0.93)  # the share of ratings of 4 or 5, as windows really report
RATED = 0.66  # the share of completed records that get feedback
UNUSED_LINKS = 0.06  # records whose feedback link was never used


@dataclass
class _Rating:
    record: Ref
    at: datetime
    value: int = 5
    comment: str = ""


class FeedbackPlanner:
    def __init__(self, world: World, timeline: Timeline) -> None:
        self.staff, self.t, self.rng = world.staff, timeline, timeline.rng
        self.ratings: list[_Rating] = []

    def plan(self, record: Ref, done: datetime, channel: records.Channel, name: str) -> None:
        """What the enterprise says about a record completed at ``done``, if anything."""
        rng, t = self.rng, self.t
        draw = rng.random()
        if draw >= RATED + UNUSED_LINKS:
            return
        if draw >= RATED:
            t.add(
                t.soon(done, 10, 90),
                f"{name}: feedback link",
                lambda: feedback.create_feedback_link(self.staff, record.get()),
            )
            return
        how = rng.random()
        if channel is records.Channel.OFFLINE and how < 0.15:
            self._by_staff(record, t.soon(done, 5, 40), FeedbackChannel.ON_SITE, name)
        elif how < 0.45:
            self._by_link(record, t.soon(done, 10, 90), name)
        else:
            self._by_staff(record, t.later(done, 1, 6), FeedbackChannel.PHONE_CALLBACK, name)

    def _by_staff(self, record: Ref, at: datetime, channel: FeedbackChannel, name: str) -> None:
        rating = _Rating(record, at)
        if self.t.add(
            at,
            f"{name}: feedback",
            lambda: feedback.submit_feedback(
                self.staff, record.get(), rating.value, rating.comment, channel
            ),
        ):
            self.ratings.append(rating)

    def _by_link(self, record: Ref, sent: datetime, name: str) -> None:
        """A one-time link sent by staff, and the enterprise rating through it."""
        rating, link = _Rating(record, self.t.soon(sent, 60, 4 * 24 * 60)), {"token": ""}

        async def send() -> None:
            link["token"] = (await feedback.create_feedback_link(self.staff, record.get())).token

        async def answer() -> None:
            await feedback.submit_feedback_by_link(link["token"], rating.value, rating.comment)

        if self.t.add(sent, f"{name}: feedback link", send) and self.t.add(
            rating.at, f"{name}: feedback by link", answer
        ):
            self.ratings.append(rating)

    def rate(self) -> None:
        """Deal out the ratings; a follow-up (回访) after every poor one, and a few others."""
        rng, count = self.rng, len(self.ratings)
        satisfied = round(count * rng.uniform(*SATISFACTION))
        values = [5 if rng.random() < 0.7 else 4 for _ in range(satisfied)]
        values += rng.choices((3, 2, 1), weights=(6, 3, 1), k=count - satisfied)
        rng.shuffle(values)
        for rating, value in zip(self.ratings, values, strict=True):
            rating.value, rating.comment = value, rng.choice(COMMENTS[value])
            if value <= 3 or rng.random() < 0.06:
                self._follow_up(rating)

    def _follow_up(self, rating: _Rating) -> None:
        results = FOLLOW_UPS_UNSATISFIED if rating.value <= 3 else FOLLOW_UPS_SATISFIED
        channel, result = self.rng.choice(FOLLOW_UP_CHANNELS), self.rng.choice(results)
        self.t.add(
            self.t.later(rating.at, 1, 4),
            "follow-up",
            lambda: feedback.add_follow_up(self.staff, rating.record.get(), channel, result),
        )
