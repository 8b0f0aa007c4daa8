"""The wait after wrong passwords, a convention both servers share: failures are counted per
username and client address, so a stranger's wrong passwords make only the stranger's address
wait — the right password from another address still logs in.

After ``max_failed_logins`` failures from one address, that address waits a minute before it may
try the username again, then 2, 4, 8 … minutes, at most ``lockout_minutes``; a login from it, a
new password or ``smenet … user unlock`` ends the wait, and failures are forgotten a day after the
last one. Unknown usernames are counted the same way, so no answer tells whether an account
exists.

In the database, not in process memory: hub replicas sharing one database count together
(DESIGN §10), and ``smenet … user unlock``, run in another process, can end a wait.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from tortoise import fields
from tortoise.transactions import in_transaction

from federation.errors import AccountLocked
from federation.storage import Record

__all__ = [
    "ADDRESS_LENGTH",
    "FIRST_WAIT",
    "FORGET_AFTER",
    "LoginFailure",
    "check_waiting",
    "forget",
    "record_failure",
]

FIRST_WAIT = timedelta(minutes=1)
# Long enough that a patient guesser never starts over at a full allowance each day.
FORGET_AFTER = timedelta(days=1)
# An address as the server saw it (IPv6 fits); a longer one, from a proxy, is cut to this.
ADDRESS_LENGTH = 64


class LoginFailure(Record):
    """The columns of a server's table of wrong passwords per username and client address."""

    username = fields.CharField(max_length=64)
    address = fields.CharField(max_length=ADDRESS_LENGTH)
    failures = fields.IntField(default=0)
    last_failed_at = fields.DatetimeField(db_index=True)
    # No password from the address for the username is checked before this time.
    waits_until = fields.DatetimeField(null=True)

    class Meta:
        abstract = True


async def check_waiting(
    model: type[LoginFailure], username: str, address: str, now: datetime
) -> None:
    """Raise ``ACCOUNT_LOCKED`` (with ``retryAfter`` in seconds) while ``address`` must wait
    before trying ``username`` again."""
    row = await model.get_or_none(username=username, address=address[:ADDRESS_LENGTH])
    if row is not None and row.waits_until is not None and row.waits_until > now:
        wait = math.ceil((row.waits_until - now).total_seconds())
        raise AccountLocked(
            f"too many failed logins from this address: try again in {wait} s", retryAfter=wait
        )


async def record_failure(
    model: type[LoginFailure],
    username: str,
    address: str,
    now: datetime,
    allowed: int,
    longest: timedelta,
) -> datetime | None:
    """Count one wrong password; from the ``allowed``-th on, the address waits, twice as long
    each time up to ``longest``. The end of that wait, or None while there is none."""
    key = {"username": username, "address": address[:ADDRESS_LENGTH]}
    await model.get_or_create(defaults={"last_failed_at": now}, **key)
    async with in_transaction() as connection:
        # Locked, so concurrent failures from one address all count.
        row = await model.filter(**key).select_for_update().using_db(connection).first()
        if row is None:  # a login from the address, or an unlock, removed it meanwhile
            return None
        if row.last_failed_at < now - FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failed_at = now
        beyond = row.failures - allowed
        if beyond >= 0:
            # Capped before the power: the count may grow for as long as a guesser keeps on.
            row.waits_until = now + min(longest, FIRST_WAIT * 2 ** min(beyond, 30))
        await row.save(using_db=connection)
    await model.filter(last_failed_at__lt=now - FORGET_AFTER).delete()
    return row.waits_until if beyond >= 0 else None


async def forget(model: type[LoginFailure], username: str, address: str | None = None) -> None:
    """End the failures of ``username`` from ``address``, or from every address."""
    rows = model.filter(username=username)
    if address is not None:
        rows = rows.filter(address=address[:ADDRESS_LENGTH])
    await rows.delete()
