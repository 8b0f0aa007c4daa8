"""The wait after wrong passwords (federation.lockout, through ``check_login``) on a node's
tables, SQLite and PostgreSQL, with the clock given: per username and client address, doubling,
capped, forgotten after a day, the same for an unknown username, and ended by a login or unlock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from federation.accounts import LoginPolicy, check_login
from federation.errors import AccountLocked, InvalidCredentials, SmenetError
from node.domain.users import ACCOUNTS
from node.models import LoginFailure, User
from tests.conftest import DATABASES
from tests.support.node_db import open_node_db

PASSWORD = "the-right-one-1"
POLICY = LoginPolicy(
    secret="s" * 32,
    token_ttl=timedelta(hours=1),
    max_failed_logins=3,
    lockout=timedelta(minutes=10),
)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=DATABASES)
async def database(
    request: pytest.FixtureRequest, make_db_url: Callable[[str], str]
) -> AsyncIterator[str]:
    async with open_node_db(make_db_url(request.param)):
        await ACCOUNTS.create_first_admin("admin", PASSWORD)
        yield request.param


async def login(username: str, password: str, address: str, now: datetime) -> User:
    return await check_login(User, LoginFailure, username, password, address, POLICY, now)


async def answer(username: str, password: str, address: str, now: datetime) -> Any:
    """What a login gets: the user's name, or the error's code, message and extensions."""
    try:
        return (await login(username, password, address, now)).username
    except SmenetError as error:
        return error.code, error.message, error.extensions


async def test_wrong_passwords_make_only_their_address_wait_and_longer_each_time(
    database: str,
) -> None:
    now = T0
    for _ in range(POLICY.max_failed_logins):
        with pytest.raises(InvalidCredentials):
            await login("admin", "a-wrong-guess", "192.0.2.1", now)
    # The stranger's address waits; the admin, elsewhere, logs in at once.
    for minutes in (1, 2, 4, 8, 10, 10):  # doubling, at most POLICY.lockout
        with pytest.raises(AccountLocked) as waiting:
            await login("admin", PASSWORD, "192.0.2.1", now)
        assert waiting.value.extensions == {"retryAfter": minutes * 60}
        assert (await login("admin", PASSWORD, "198.51.100.1", now)).username == "admin"
        now += timedelta(minutes=minutes, seconds=1)
        with pytest.raises(InvalidCredentials):
            await login("admin", "a-wrong-guess", "192.0.2.1", now)
    now += timedelta(minutes=10, seconds=1)
    # A login from the address ends its count: one failure after it is no wait.
    assert (await login("admin", PASSWORD, "192.0.2.1", now)).username == "admin"
    with pytest.raises(InvalidCredentials):
        await login("admin", "a-wrong-guess", "192.0.2.1", now)
    assert (await login("admin", PASSWORD, "192.0.2.1", now)).username == "admin"


async def test_an_unknown_username_is_answered_as_a_known_one(database: str) -> None:
    known = [await answer("admin", "a-wrong-guess", "192.0.2.2", T0) for _ in range(5)]
    unknown = [await answer("nobody-here", "a-wrong-guess", "192.0.2.3", T0) for _ in range(5)]
    assert known == unknown
    assert [code for code, _, _ in known] == ["INVALID_CREDENTIALS"] * 3 + ["ACCOUNT_LOCKED"] * 2


async def test_failures_are_forgotten_a_day_after_the_last(database: str) -> None:
    for _ in range(POLICY.max_failed_logins - 1):
        await answer("admin", "a-wrong-guess", "192.0.2.4", T0)
    later = T0 + timedelta(days=1, seconds=1)
    for _ in range(POLICY.max_failed_logins - 1):
        assert (await answer("admin", "a-wrong-guess", "192.0.2.4", later))[0] == (
            "INVALID_CREDENTIALS"
        )
    assert (await login("admin", PASSWORD, "192.0.2.4", later)).username == "admin"


async def test_unlock_ends_every_addresss_wait(database: str) -> None:
    await ACCOUNTS.unlock("admin")  # what the module's other tests left
    for address in ("192.0.2.5", "192.0.2.6"):
        for _ in range(POLICY.max_failed_logins):
            await answer("admin", "a-wrong-guess", address, T0)
    assert (await User.get(username="admin")).locked_until == T0 + timedelta(minutes=1)
    await ACCOUNTS.unlock("admin")
    assert (await User.get(username="admin")).locked_until is None
    for address in ("192.0.2.5", "192.0.2.6"):
        assert (await login("admin", PASSWORD, address, T0)).username == "admin"
