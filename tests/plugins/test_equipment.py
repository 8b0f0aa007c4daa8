"""The equipment plugin (设备共享) over GraphQL on a real node: instruments, bookings that never
share a slot — also under a race — and usage that becomes a core service record."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.transactions import in_transaction

import plugins.equipment
from node import db
from node.config import NodeSettings
from node.domain.access import Actor, Role
from node.domain.periods import local_today
from node.plugins.manager import PluginHost, installed_entry_points
from plugins.equipment import domain
from plugins.equipment.models import Booking
from tests.support.factories import create_enterprise, create_service, staff_and_readonly
from tests.support.node_server import NodeServer

TZ = ZoneInfo("Asia/Shanghai")
MISSING = "sz-ns:01890000-0000-7000-8000-000000000000"

INSTRUMENT = "id name model agencyId location description hourlyFee serviceId active retiredAt"
BOOKING = """id enterpriseId enterpriseName startsAt endsAt purpose status bookedBy cancelledAt
  serviceRecordId instrument { id name }"""
CREATE = f"""mutation($i: EquipmentInstrumentInput!) {{ ext {{ equipment {{
  createInstrument(input: $i) {{ instrument {{ {INSTRUMENT} }} }} }} }} }}"""
UPDATE = f"""mutation($id: ID!, $i: EquipmentInstrumentUpdateInput!) {{ ext {{ equipment {{
  updateInstrument(id: $id, input: $i) {{ instrument {{ {INSTRUMENT} }} }} }} }} }}"""
RETIRE = f"""mutation($id: ID!) {{ ext {{ equipment {{
  retireInstrument(id: $id) {{ instrument {{ {INSTRUMENT} }} }} }} }} }}"""
BOOK = f"""mutation($i: EquipmentBookingInput!) {{ ext {{ equipment {{
  bookInstrument(input: $i) {{ booking {{ {BOOKING} }} }} }} }} }}"""
CANCEL = f"""mutation($id: ID!) {{ ext {{ equipment {{
  cancelBooking(id: $id) {{ booking {{ {BOOKING} }} }} }} }} }}"""
USAGE = f"""mutation($id: ID!, $outcome: String!, $fee: Decimal) {{ ext {{ equipment {{
  recordEquipmentUsage(bookingId: $id, outcome: $outcome, fee: $fee) {{
    booking {{ {BOOKING} }} }} }} }} }}"""
INSTRUMENTS = """query($retired: Boolean! = false) { ext { equipment {
  instruments(includeRetired: $retired, first: 100) { edges { node { id active } } } } } }"""
ONE_INSTRUMENT = "query($id: ID!) { ext { equipment { instrument(id: $id) { id active } } } }"
BOOKINGS = f"""query($f: EquipmentBookingFilter) {{ ext {{ equipment {{
  bookings(filter: $f, first: 100) {{ totalCount edges {{ node {{ {BOOKING} }} }} }} }} }} }}"""
RECORDS = """query($e: ID!) { serviceRecords(filter: {enterpriseId: $e}) { edges { node {
  id status channel outcome fee agencyId service { id } } } } }"""
SERVICE_TAGS = "query($id: ID!) { service(id: $id) { tags } }"
STATS = """query($from: Date!, $to: Date!) { stats(from: $from, to: $to) { ext { equipment {
  bookingsMade hoursUsed instrumentsActive } } } }"""
CREATE_AGENCY = "mutation($i: AgencyInput!) { createAgency(input: $i) { agency { id } } }"

# Days far ahead, a fresh one for each use, so no test sees another's slots or hours.
_days = itertools.count()


def new_day() -> datetime:
    return datetime(2031, 3, 3, tzinfo=TZ) + timedelta(days=next(_days))


def at(day: datetime, hour: float) -> str:
    return (day + timedelta(hours=hour)).isoformat()


@pytest.fixture(scope="module")
async def tokens(node: NodeServer, admin: str) -> dict[str, str]:
    return {"ADMIN": admin, **await staff_and_readonly(node, admin, "equ")}


@pytest.fixture(scope="module")
async def service(node: NodeServer, admin: str) -> str:
    """A published EQUIPMENT_SHARING service of the window."""
    return await create_service(
        node, admin, name="大型仪器共享服务", category="EQUIPMENT_SHARING", publicWelfare=False
    )


@pytest.fixture(scope="module")
async def enterprise(node: NodeServer, admin: str) -> str:
    return await create_enterprise(node, admin, name="深圳市南山区精密测量有限公司")


async def _instrument(node: NodeServer, token: str, service: str, **fields: Any) -> dict[str, Any]:
    values = {"name": "三坐标测量机", "serviceId": service, "hourlyFee": "100", **fields}
    data = await node.ok(CREATE, {"i": values}, token)
    return dict(data["ext"]["equipment"]["createInstrument"]["instrument"])


def _slot(instrument: str, enterprise: str, starts: str, ends: str) -> dict[str, Any]:
    values = {"instrumentId": instrument, "enterpriseId": enterprise, "purpose": "零件尺寸检测"}
    return {"i": {**values, "startsAt": starts, "endsAt": ends}}


async def _book(
    node: NodeServer, token: str, instrument: str, enterprise: str, starts: str, ends: str
) -> dict[str, Any]:
    data = await node.ok(BOOK, _slot(instrument, enterprise, starts, ends), token)
    return dict(data["ext"]["equipment"]["bookInstrument"]["booking"])


async def _use(node: NodeServer, token: str, booking: str, fee: str | None = None) -> Any:
    return await node.call(USAGE, {"id": booking, "outcome": "出具测量报告", "fee": fee}, token)


async def _bookings(node: NodeServer, token: str, **filter_: Any) -> list[dict[str, Any]]:
    data = await node.ok(BOOKINGS, {"f": filter_}, token)
    return [e["node"] for e in data["ext"]["equipment"]["bookings"]["edges"]]


async def _listed(node: NodeServer, token: str | None = None, retired: bool = False) -> set[str]:
    data = await node.ok(INSTRUMENTS, {"retired": retired}, token)
    return {e["node"]["id"] for e in data["ext"]["equipment"]["instruments"]["edges"]}


async def _settled(node: NodeServer) -> dict[str, list[tuple]]:
    """A snapshot once the node is at rest: other plugins' event handlers record deliveries
    shortly after each write (``event_deliveries``), which is no change of ours."""
    snapshot = await node.snapshot()
    while True:
        await asyncio.sleep(0.2)
        again = await node.snapshot()
        if again == snapshot:
            return again
        snapshot = again


async def test_instrument_is_booked_used_and_becomes_a_service_record(
    node: NodeServer, tokens: dict[str, str], service: str, enterprise: str
) -> None:
    staff = tokens["STAFF"]
    agency = (await node.ok(CREATE_AGENCY, {"i": {"name": "深圳市计量质量检测研究院"}}, staff))[
        "createAgency"
    ]["agency"]["id"]
    instrument = await _instrument(
        node, staff, service, model="Hexagon Global S", agencyId=agency, location="南山智园 B1"
    )
    assert instrument["active"] and instrument["agencyId"] == agency
    assert instrument["model"] == "Hexagon Global S" and instrument["hourlyFee"] == "100.00"
    # The catalogue is public: anyone sees the active instruments.
    assert instrument["id"] in await _listed(node)
    updated = await node.ok(
        UPDATE, {"id": instrument["id"], "i": {"hourlyFee": "150.5", "location": "B2"}}, staff
    )
    changed = updated["ext"]["equipment"]["updateInstrument"]["instrument"]
    assert changed["hourlyFee"] == "150.50" and changed["location"] == "B2"
    assert changed["name"] == "三坐标测量机" and changed["agencyId"] == agency

    day = new_day()
    booking = await _book(node, staff, instrument["id"], enterprise, at(day, 9), at(day, 11))
    assert booking["status"] == "BOOKED" and booking["bookedBy"] == "staff-equ"
    assert booking["enterpriseId"] == enterprise
    assert booking["enterpriseName"] == "深圳市南山区精密测量有限公司"
    assert booking["instrument"] == {"id": instrument["id"], "name": "三坐标测量机"}
    assert booking["serviceRecordId"] is None
    assert datetime.fromisoformat(booking["startsAt"]) == day + timedelta(hours=9)
    assert [
        b["id"] for b in await _bookings(node, tokens["READONLY"], enterpriseId=enterprise)
    ] == [booking["id"]]

    result = await _use(node, staff, booking["id"])  # fee: 2 h × 150.50
    assert not result.errors, result.errors
    used = result.data["ext"]["equipment"]["recordEquipmentUsage"]["booking"]
    assert used["status"] == "USED" and used["serviceRecordId"] is not None
    records = await node.ok(RECORDS, {"e": enterprise}, staff)
    (record,) = [e["node"] for e in records["serviceRecords"]["edges"]]
    assert record == {
        "id": used["serviceRecordId"],
        "status": "COMPLETED",
        "channel": "OFFLINE",
        "outcome": "出具测量报告",
        "fee": "301.00",
        "agencyId": agency,
        "service": {"id": service},
    }
    before = await _settled(node)
    assert (await _use(node, staff, booking["id"])).codes == ["INVALID_TRANSITION"]
    assert (await node.call(CANCEL, {"id": booking["id"]}, staff)).codes == ["INVALID_TRANSITION"]
    assert await node.snapshot() == before

    # A cancelled booking frees its slot; a given fee is taken as it is.
    later = await _book(node, staff, instrument["id"], enterprise, at(day, 13), at(day, 14))
    cancelled = await node.ok(CANCEL, {"id": later["id"]}, staff)
    assert cancelled["ext"]["equipment"]["cancelBooking"]["booking"]["status"] == "CANCELLED"
    again = await _book(node, staff, instrument["id"], enterprise, at(day, 13), at(day, 14))
    assert not (await _use(node, staff, again["id"], fee="0")).errors
    statuses = {b["id"]: b["status"] for b in await _bookings(node, staff, status="CANCELLED")}
    assert statuses == {later["id"]: "CANCELLED"}

    # A retired instrument leaves the public catalogue and takes no more bookings.
    await node.ok(RETIRE, {"id": instrument["id"]}, staff)
    assert instrument["id"] not in await _listed(node)
    assert instrument["id"] in await _listed(node, tokens["READONLY"], retired=True)
    anonymous = await node.ok(ONE_INSTRUMENT, {"id": instrument["id"]})
    assert anonymous["ext"]["equipment"]["instrument"] is None
    shown = await node.ok(ONE_INSTRUMENT, {"id": instrument["id"]}, staff)
    assert shown["ext"]["equipment"]["instrument"] == {"id": instrument["id"], "active": False}
    slot = _slot(instrument["id"], enterprise, at(day, 15), at(day, 16))
    assert (await node.call(BOOK, slot, staff)).codes == ["BAD_INPUT"]
    assert (await node.call(RETIRE, {"id": instrument["id"]}, staff)).codes == [
        "INVALID_TRANSITION"
    ]


async def test_overlapping_slot_is_taken_and_touching_slots_are_free(
    node: NodeServer, tokens: dict[str, str], service: str, enterprise: str
) -> None:
    staff = tokens["STAFF"]
    instrument = (await _instrument(node, staff, service))["id"]
    other = (await _instrument(node, staff, service, name="扫描电子显微镜"))["id"]
    day = new_day()
    await _book(node, staff, instrument, enterprise, at(day, 9), at(day, 11))
    before = await _settled(node)
    for starts, ends in ((10, 12), (8, 9.5), (9.5, 10.5), (8, 12), (9, 11)):
        slot = _slot(instrument, enterprise, at(day, starts), at(day, ends))
        assert (await node.call(BOOK, slot, staff)).codes == ["EQUIPMENT_SLOT_TAKEN"], (
            starts,
            ends,
        )
    assert await node.snapshot() == before
    # Half-open slots: [8, 9) and [11, 11:30) touch [9, 11) without sharing a moment; the
    # same time in UTC is the same moment.
    await _book(node, staff, instrument, enterprise, at(day, 8), at(day, 9))
    utc = (day + timedelta(hours=11)).astimezone(ZoneInfo("UTC"))
    await _book(node, staff, instrument, enterprise, utc.isoformat(), at(day, 11.5))
    slot = _slot(instrument, enterprise, at(day, 11), at(day, 12))
    assert (await node.call(BOOK, slot, staff)).codes == ["EQUIPMENT_SLOT_TAKEN"]
    # Another instrument's slots are its own.
    await _book(node, staff, other, enterprise, at(day, 9), at(day, 11))


async def test_concurrent_bookings_of_one_slot_let_exactly_one_through(
    node: NodeServer, tokens: dict[str, str], service: str, enterprise: str
) -> None:
    staff = tokens["STAFF"]
    instrument = (await _instrument(node, staff, service))["id"]
    day = new_day()
    slot = _slot(instrument, enterprise, at(day, 9), at(day, 12))
    # Each call opens its own HTTP client, so the server serves each on its own connection.
    results = await asyncio.gather(*(node.call(BOOK, slot, staff) for _ in range(8)))
    codes = sorted(r.codes[0] if r.codes else "OK" for r in results)
    assert codes == ["EQUIPMENT_SLOT_TAKEN"] * 7 + ["OK"]
    (winner,) = [
        r.data["ext"]["equipment"]["bookInstrument"]["booking"] for r in results if not r.errors
    ]
    assert [b["id"] for b in await _bookings(node, staff, instrumentId=instrument)] == [
        winner["id"]
    ]


# The same race in-process against the node's PostgreSQL database, with the real booking and a
# deliberately naive one, so the assertion is shown able to fail.

STAFF = Actor(username="race", user_id=uuid.uuid4(), roles=frozenset({Role.STAFF}))
CONCURRENT = 8
Book = Callable[[uuid.UUID, uuid.UUID, datetime, datetime], Awaitable[Any]]


class NaiveBook:
    """Look for a clash, then insert, without locking the instrument: two requests can both
    find the slot free. No request inserts before a second one has looked — requests arriving
    together, which a real node sees at random and this test needs every time."""

    def __init__(self) -> None:
        self.readers = 0
        self.second_read = asyncio.Event()

    async def __call__(
        self, instrument: uuid.UUID, enterprise: uuid.UUID, starts: datetime, ends: datetime
    ) -> None:
        async with in_transaction() as connection:
            clash = Booking.filter(
                instrument_id=instrument,
                status__in=domain.HOLDING,
                starts_at__lt=ends,
                ends_at__gt=starts,
            )
            if await clash.using_db(connection).exists():
                raise domain.SlotTaken("taken")
            self.readers += 1
            if self.readers >= 2:
                self.second_read.set()
            await self.second_read.wait()
            await Booking.create(
                instrument_id=instrument,
                enterprise_id=enterprise,
                starts_at=starts,
                ends_at=ends,
                purpose="并发",
                status=domain.BookingStatus.BOOKED.value,
                booked_by=STAFF.username,
                using_db=connection,
            )


async def locked_book(
    instrument: uuid.UUID, enterprise: uuid.UUID, starts: datetime, ends: datetime
) -> None:
    await domain.book(STAFF, instrument, enterprise, starts, ends, "并发", max_hours=8)


@pytest.fixture
async def node_db(node: NodeServer) -> AsyncIterator[None]:
    """The node's database opened in this process too, with the plugin's models."""
    if not node.db_url.startswith("postgres"):
        pytest.skip("Tortoise's SQLite client runs one transaction at a time: no race to show")
    await db.open_db(node.db_url, {"equipment": plugins.equipment.smenet_models()})
    try:
        yield
    finally:
        await db.close_db()
        EXECUTOR_CACHE.clear()


def _local(network_id: str) -> uuid.UUID:
    return uuid.UUID(network_id.split(":", 1)[1])


@pytest.mark.parametrize("kind", ["locked", "naive"])
async def test_booking_race_in_process_on_postgresql(
    node: NodeServer,
    tokens: dict[str, str],
    service: str,
    enterprise: str,
    node_db: None,
    kind: str,
) -> None:
    instrument = _local((await _instrument(node, tokens["STAFF"], service))["id"])
    day = new_day()
    starts, ends = day + timedelta(hours=9), day + timedelta(hours=10)
    book: Book = NaiveBook() if kind == "naive" else locked_book
    results = await asyncio.gather(
        *(book(instrument, _local(enterprise), starts, ends) for _ in range(CONCURRENT)),
        return_exceptions=True,
    )

    async def assert_booked_once() -> None:
        assert sum(r is None for r in results) == 1, results
        assert all(r is None or isinstance(r, domain.SlotTaken) for r in results), results
        assert await Booking.filter(instrument_id=instrument).count() == 1

    if kind == "naive":
        with pytest.raises(AssertionError):
            await assert_booked_once()
    else:
        await assert_booked_once()


async def test_anonymous_and_readonly_never_write_and_anonymous_sees_no_bookings(
    node: NodeServer, tokens: dict[str, str], service: str, enterprise: str
) -> None:
    staff, readonly = tokens["STAFF"], tokens["READONLY"]
    instrument = (await _instrument(node, staff, service))["id"]
    day = new_day()
    booking = (await _book(node, staff, instrument, enterprise, at(day, 9), at(day, 10)))["id"]
    writes = [
        (CREATE, {"i": {"name": "x", "serviceId": service, "hourlyFee": "1"}}),
        (UPDATE, {"id": instrument, "i": {"name": "x"}}),
        (RETIRE, {"id": instrument}),
        (BOOK, _slot(instrument, enterprise, at(day, 11), at(day, 12))),
        (CANCEL, {"id": booking}),
        (USAGE, {"id": booking, "outcome": "x", "fee": None}),
    ]
    before = await _settled(node)
    for token, code in ((readonly, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        for query, variables in writes:
            assert (await node.call(query, variables, token)).codes == [code], query
    assert await node.snapshot() == before
    assert booking in [b["id"] for b in await _bookings(node, readonly, instrumentId=instrument)]
    assert (await node.call(BOOKINGS, {"f": None})).codes == ["UNAUTHENTICATED"]
    retired = await node.call(INSTRUMENTS, {"retired": True})
    assert retired.codes == ["UNAUTHENTICATED"]


async def test_bad_input_gets_its_code_and_changes_nothing(
    node: NodeServer, tokens: dict[str, str], service: str, enterprise: str
) -> None:
    staff, admin = tokens["STAFF"], tokens["ADMIN"]
    testing = await create_service(node, admin, category="QUALITY_TESTING")
    instrument = (await _instrument(node, staff, service))["id"]
    retired = (await _instrument(node, staff, service))["id"]
    await node.ok(RETIRE, {"id": retired}, staff)
    day = new_day()
    booking = (await _book(node, staff, instrument, enterprise, at(day, 9), at(day, 10)))["id"]
    naive = (day + timedelta(hours=12)).replace(tzinfo=None).isoformat()
    before = await _settled(node)
    bookings = [
        (_slot(instrument, enterprise, at(day, 11), at(day, 10)), "BAD_INPUT"),
        (_slot(instrument, enterprise, at(day, 11), at(day, 11)), "BAD_INPUT"),
        (_slot(instrument, enterprise, at(day, 11), naive), "BAD_INPUT"),
        (_slot(instrument, enterprise, at(day, 11), at(day, 19.1)), "EQUIPMENT_BOOKING_TOO_LONG"),
        (_slot(MISSING, enterprise, at(day, 11), at(day, 12)), "NOT_FOUND"),
        (_slot(instrument, MISSING, at(day, 11), at(day, 12)), "NOT_FOUND"),
        (_slot(retired, enterprise, at(day, 11), at(day, 12)), "BAD_INPUT"),
    ]
    for variables, code in bookings:
        assert (await node.call(BOOK, variables, staff)).codes == [code], variables
    blank = _slot(instrument, enterprise, at(day, 11), at(day, 12))
    blank["i"]["purpose"] = "  "
    assert (await node.call(BOOK, blank, staff)).codes == ["BAD_INPUT"]
    creations = [
        ({"serviceId": testing}, "EQUIPMENT_WRONG_SERVICE_CATEGORY"),
        ({"serviceId": MISSING}, "NOT_FOUND"),
        ({"agencyId": MISSING}, "NOT_FOUND"),
        ({"hourlyFee": "-1"}, "BAD_INPUT"),
        ({"name": " "}, "BAD_INPUT"),
        ({"location": "长" * 201}, "BAD_INPUT"),
    ]
    for fields, code in creations:
        values = {"name": "离子色谱仪", "serviceId": service, "hourlyFee": "80", **fields}
        assert (await node.call(CREATE, {"i": values}, staff)).codes == [code], fields
    updates = [
        ({"serviceId": testing}, "EQUIPMENT_WRONG_SERVICE_CATEGORY"),
        ({"name": None}, "BAD_INPUT"),
        ({"hourlyFee": "1e12"}, "BAD_INPUT"),
    ]
    for fields, code in updates:
        result = await node.call(UPDATE, {"id": instrument, "i": fields}, staff)
        assert result.codes == [code], fields
    # An empty outcome is refused after the record was started: the whole usage rolls back.
    result = await node.call(USAGE, {"id": booking, "outcome": " ", "fee": None}, staff)
    assert result.codes == ["BAD_INPUT"]
    assert (await _use(node, staff, booking, fee="-5")).codes == ["BAD_INPUT"]
    assert (await _use(node, staff, MISSING)).codes == ["NOT_FOUND"]
    assert (await node.call(CANCEL, {"id": MISSING}, staff)).codes == ["NOT_FOUND"]
    assert await node.snapshot() == before


async def test_equipment_sharing_services_are_tagged(
    node: NodeServer, tokens: dict[str, str], service: str
) -> None:
    testing = await create_service(node, tokens["ADMIN"], category="QUALITY_TESTING")
    tagged = await node.ok(SERVICE_TAGS, {"id": service})
    assert "equipment:instrument-booking" in tagged["service"]["tags"]
    untagged = await node.ok(SERVICE_TAGS, {"id": testing})
    assert not [t for t in untagged["service"]["tags"] if t.startswith("equipment:")]
    # A pure function of the service's fields: no database needed.
    hook = plugins.equipment.smenet_service_tags
    assert hook(service=SimpleNamespace(category="EQUIPMENT_SHARING")) == ["instrument-booking"]
    assert hook(service=SimpleNamespace(category="TRAINING")) == []


async def _stats(node: NodeServer, token: str, first: date, last: date) -> dict[str, Any]:
    data = await node.ok(STATS, {"from": first.isoformat(), "to": last.isoformat()}, token)
    return dict(data["stats"]["ext"]["equipment"])


async def test_indicators_count_bookings_hours_used_and_active_instruments(
    node: NodeServer, tokens: dict[str, str], service: str, enterprise: str
) -> None:
    staff = tokens["STAFF"]
    today = local_today("Asia/Shanghai")
    before = await _stats(node, staff, today, today)
    kept = (await _instrument(node, staff, service))["id"]
    gone = (await _instrument(node, staff, service))["id"]
    await node.ok(RETIRE, {"id": gone}, staff)
    eve, day = new_day(), new_day()
    assert day - eve == timedelta(days=1)

    async def booking(starts: float, ends: float, base: datetime = day) -> str:
        return (await _book(node, staff, kept, enterprise, at(base, starts), at(base, ends)))["id"]

    used = [await booking(9, 11), await booking(13, 14.5), await booking(23, 25, base=eve)]
    for booking_id in used:
        assert not (await _use(node, staff, booking_id)).errors
    cancelled = await booking(15, 16)
    await node.ok(CANCEL, {"id": cancelled}, staff)
    await booking(17, 18)  # booked, not (yet) used

    after = await _stats(node, staff, today, today)
    assert after["bookingsMade"] - before["bookingsMade"] == 5
    assert after["instrumentsActive"] - before["instrumentsActive"] == 1
    # Hours count where the used booking starts: eve 23:00–01:00 is the eve's.
    assert (await _stats(node, staff, day.date(), day.date()))["hoursUsed"] == 3.5
    assert (await _stats(node, staff, eve.date(), eve.date()))["hoursUsed"] == 2.0
    assert await _stats(node, staff, date(2020, 1, 1), date(2020, 1, 31)) == {
        "bookingsMade": 0,
        "hoursUsed": 0.0,
        "instrumentsActive": 0,
    }


def test_settings_section_is_typed_and_checked() -> None:
    (entry_point,) = [ep for ep in installed_entry_points() if ep.name == "equipment"]

    def load(section: dict[str, Any]) -> Any:
        settings = NodeSettings(
            window_id="t", name="t", region_code="440305", plugins={"equipment": section}
        )
        return PluginHost(settings).load([entry_point]).plugins["equipment"]

    assert load({"max_booking_hours": 4}).config.max_booking_hours == 4
    assert load({}).config.max_booking_hours == 8
    assert "max_booking_hours must be a whole number" in load({"max_booking_hours": "4"}).error
    assert "at least 1" in load({"max_booking_hours": 0}).error
