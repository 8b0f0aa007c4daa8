"""Network IDs: `<windowId>:<uuid>`, UUIDv7 that sort by creation time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from federation.errors import InvalidId
from federation.ids import make_id, new_uuid, parse_id, uuid_time


def test_ids_round_trip() -> None:
    key = new_uuid()
    assert parse_id(make_id("sz-ns", key)) == ("sz-ns", key)


def test_new_ids_are_version_7_and_strictly_increase() -> None:
    keys = [new_uuid() for _ in range(10_000)]
    assert all(k.version == 7 and k.variant == uuid.RFC_4122 for k in keys)
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    # The same order holds for their text, which is how SQLite compares them.
    assert [str(k) for k in keys] == sorted(str(k) for k in keys)


def test_id_carries_its_creation_time() -> None:
    assert abs(uuid_time(new_uuid()) - datetime.now(UTC)) < timedelta(seconds=1)


def test_an_explicit_time_back_dates_an_id_without_disturbing_live_order() -> None:
    past = datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    before = new_uuid()
    dated = [new_uuid(at=past) for _ in range(100)]
    after = new_uuid()
    assert all(k.version == 7 and k.variant == uuid.RFC_4122 for k in dated)
    assert {uuid_time(k) for k in dated} == {past.replace(microsecond=123000)}
    assert len(set(dated)) == len(dated)
    assert max(dated) < before < after


@pytest.mark.parametrize(
    "bad", ["", "sz-ns", "sz-ns:not-a-uuid", ":01a204f0-2728-7748-bc41-2e9205de0b58", "SZ NS:x"]
)
def test_malformed_ids_are_refused(bad: str) -> None:
    with pytest.raises(InvalidId):
        parse_id(bad)
