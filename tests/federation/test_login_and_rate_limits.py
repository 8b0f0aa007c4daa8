"""Logins and rate limits against abuse, on a real node and a real hub (SQLite and PostgreSQL),
with callers at several addresses (``tests.support.proxy``): a stranger's wrong passwords make
only the stranger wait, an unknown user is answered as a known one, ``smenet … user unlock`` ends
a wait, and logins and requests without a login beyond their rate get 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from federation.testing import ADMIN_PASSWORD, Server
from hub.testing import HubServer
from tests.support.node_server import NodeServer, smenet
from tests.support.proxy import TRUST_LOOPBACK, graphql_from, post_from

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
LOGIN_BURST = 8
ANONYMOUS_BURST = 20
# Each bucket holds a few requests and next to never refills within a test.
ENV = {
    **TRUST_LOOPBACK,
    "SMENET_LOGIN_BURST": str(LOGIN_BURST),
    "SMENET_LOGIN_RATE_PER_MINUTE": "0.01",
    "SMENET_ANONYMOUS_BURST": str(ANONYMOUS_BURST),
    "SMENET_ANONYMOUS_RATE_PER_MINUTE": "0.01",
}
WRONG_BEFORE_WAIT = 5  # the default of max_failed_logins


@pytest.fixture(
    scope="module",
    params=[("node", "sqlite"), ("node", "postgres"), ("hub", "sqlite"), ("hub", "postgres")],
    ids=lambda p: "-".join(p),
)
def server(
    request: pytest.FixtureRequest,
    make_db_url: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    kind, database = request.param
    data = tmp_path_factory.mktemp(f"{kind}-{database}")
    made: Server = (NodeServer if kind == "node" else HubServer)(
        data_dir=data, db_url=make_db_url(database), env=ENV
    )
    made.init()
    made.start()
    yield made
    made.stop()


def code(answer: httpx.Response) -> str:
    body = answer.json()
    return str(body["errors"][0]["extensions"]["code"]) if body.get("errors") else "OK"


async def log_in(server: Server, address: str, password: str, username: str = "admin") -> str:
    """The answer's error code, or OK."""
    return code(await graphql_from(address, server.url, LOGIN, {"u": username, "p": password}))


async def test_a_strangers_wrong_passwords_do_not_stop_the_admin_logging_in_from_elsewhere(
    server: Server,
) -> None:
    stranger = "203.0.113.10"
    for attempt in range(WRONG_BEFORE_WAIT):
        assert await log_in(server, stranger, f"guess-{attempt}") == "INVALID_CREDENTIALS"
    assert await log_in(server, "198.51.100.10", ADMIN_PASSWORD) == "OK"
    # The stranger's address waits a minute, whatever it sends.
    waiting = await graphql_from(stranger, server.url, LOGIN, {"u": "admin", "p": ADMIN_PASSWORD})
    error = waiting.json()["errors"][0]
    assert error["extensions"] == {"code": "ACCOUNT_LOCKED", "retryAfter": 60}


async def test_an_unknown_user_gets_the_answers_a_known_one_gets(server: Server) -> None:
    answers = {}
    for username, address in (("admin", "203.0.113.11"), ("nobody-here", "203.0.113.12")):
        variables = {"u": username, "p": "not-the-password"}
        replies = [await graphql_from(address, server.url, LOGIN, variables) for _ in range(6)]
        answers[username] = [reply.json()["errors"] for reply in replies]
    assert answers["admin"] == answers["nobody-here"]
    codes = [errors[0]["extensions"]["code"] for errors in answers["admin"]]
    assert codes == ["INVALID_CREDENTIALS"] * WRONG_BEFORE_WAIT + ["ACCOUNT_LOCKED"]


async def test_user_unlock_ends_the_wait_and_names_an_unknown_user(server: Server) -> None:
    address, data = "203.0.113.13", str(server.data_dir)
    for attempt in range(WRONG_BEFORE_WAIT):
        await log_in(server, address, f"guess-{attempt}")
    assert await log_in(server, address, ADMIN_PASSWORD) == "ACCOUNT_LOCKED"
    done = smenet(server.KIND, "user", "unlock", "--data", data, "admin")
    assert done.returncode == 0, done.stderr
    assert await log_in(server, address, ADMIN_PASSWORD) == "OK"
    unknown = smenet(server.KIND, "user", "unlock", "--data", data, "nobody-here")
    assert unknown.returncode != 0
    assert "no user 'nobody-here'" in unknown.stderr and "Traceback" not in unknown.stderr


async def test_logins_beyond_the_rate_get_429_with_retry_after(server: Server) -> None:
    address = "203.0.113.14"
    # Other usernames each time: no single one's wait comes into it.
    for attempt in range(LOGIN_BURST):
        assert await log_in(server, address, "guess", f"guesser-{attempt}") == (
            "INVALID_CREDENTIALS"
        )
    refused = await graphql_from(address, server.url, LOGIN, {"u": "admin", "p": ADMIN_PASSWORD})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    extensions = refused.json()["errors"][0]["extensions"]
    assert extensions["code"] == "RATE_LIMITED" and extensions["retryAfter"] >= 1
    # Another address still logs in.
    assert await log_in(server, "198.51.100.14", ADMIN_PASSWORD) == "OK"


async def test_the_dashboards_login_form_shares_the_rate_of_logins(server: Server) -> None:
    if not isinstance(server, HubServer):
        pytest.skip("the dashboard is the hub's")
    address = "203.0.113.15"
    for attempt in range(LOGIN_BURST):
        await log_in(server, address, "guess", f"guesser-{attempt}")
    form = {"username": "admin", "password": ADMIN_PASSWORD}
    login = f"http://127.0.0.1:{server.port}/dashboard/login"
    refused = await post_from(address, login, data=form)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert "set-cookie" not in refused.headers


async def test_a_flood_without_a_login_gets_429_while_a_logged_in_caller_is_answered(
    server: Server,
) -> None:
    address = "203.0.113.16"
    login = await graphql_from(address, server.url, LOGIN, {"u": "admin", "p": ADMIN_PASSWORD})
    token = login.json()["data"]["login"]["token"]
    for _ in range(ANONYMOUS_BURST - 1):
        assert (await graphql_from(address, server.url, "{ __typename }")).status_code == 200
    # Refused before the query is read: a broken one gets the same answer.
    for query, bearer in (("{ __typename }", None), ("{ broken", None), ("{ me", "made-up")):
        refused = await graphql_from(address, server.url, query, token=bearer)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    answered = await graphql_from(address, server.url, "{ me { username } }", token=token)
    assert answered.status_code == 200
    assert answered.json() == {"data": {"me": {"username": "admin"}}}
