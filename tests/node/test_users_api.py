"""Users and access over GraphQL: login, lockout, passwords, roles and the audit log."""

from __future__ import annotations

import pytest

from tests.support.node_server import ADMIN_PASSWORD, NodeServer

CREATE_USER = """
mutation($i: CreateUserInput!) { createUser(input: $i) { user { id username roles } } }
"""
LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
SET_ROLES = (
    "mutation($id: ID!, $r: [Role!]!) { setUserRoles(userId: $id, roles: $r) { user { roles } } }"
)
RESET = "mutation($id: ID!, $p: String!) { resetPassword(userId: $id, newPassword: $p) { user { id } } }"
CHANGE = """
mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { user { id } } }
"""
AUDIT = "{ auditLog(first: 100) { edges { node { actor operation target result at } } } }"


async def _user(node: NodeServer, admin: str, name: str, role: str = "STAFF") -> str:
    data = await node.ok(
        CREATE_USER, {"i": {"username": name, "password": "password-123", "roles": [role]}}, admin
    )
    return str(data["createUser"]["user"]["id"])


async def test_login_returns_a_token_that_identifies_the_user(node: NodeServer) -> None:
    token = await node.login()
    me = await node.ok("{ me { username roles } }", token=token)
    assert me["me"] == {"username": "admin", "roles": ["WINDOW_ADMIN"]}
    assert (await node.ok("{ me { username } }"))["me"] is None


async def test_wrong_password_and_unknown_user_get_the_same_answer(node: NodeServer) -> None:
    wrong = await node.call(LOGIN, {"u": "admin", "p": "nope-nope"})
    unknown = await node.call(LOGIN, {"u": "nobody-here", "p": "nope-nope"})
    assert wrong.codes == unknown.codes == ["INVALID_CREDENTIALS"]
    assert wrong.errors[0]["message"] == unknown.errors[0]["message"]


async def test_repeated_failed_logins_make_their_address_wait(node: NodeServer, admin: str) -> None:
    await _user(node, admin, "locked-staff")
    for _ in range(5):
        assert (await node.call(LOGIN, {"u": "locked-staff", "p": "wrong-pass"})).codes == [
            "INVALID_CREDENTIALS"
        ]
    # Even the right password is refused from this address while it waits (federation.lockout);
    # another address still logs in: tests/federation/test_login_and_rate_limits.py.
    assert (await node.call(LOGIN, {"u": "locked-staff", "p": "password-123"})).codes == [
        "ACCOUNT_LOCKED"
    ]
    users = await node.ok(
        "{ users(first: 100) { edges { node { username locked } } } }", token=admin
    )
    locked = {e["node"]["username"]: e["node"]["locked"] for e in users["users"]["edges"]}
    assert locked["locked-staff"] is True


async def test_reset_password_unlocks_and_invalidates_old_tokens(
    node: NodeServer, admin: str
) -> None:
    user_id = await _user(node, admin, "reset-me")
    old_token = await node.login("reset-me", "password-123")
    await node.ok(RESET, {"id": user_id, "p": "brand-new-pass"}, admin)
    assert (await node.call("{ me { username } }", token=old_token)).codes == ["UNAUTHENTICATED"]
    assert await node.login("reset-me", "brand-new-pass")


async def test_change_password_needs_the_current_one(node: NodeServer, admin: str) -> None:
    await _user(node, admin, "changer")
    token = await node.login("changer", "password-123")
    before = await node.snapshot()
    assert (await node.call(CHANGE, {"c": "not-it-at-all", "n": "another-pass"}, token)).codes == [
        "INVALID_CREDENTIALS"
    ]
    assert (await node.call(CHANGE, {"c": "password-123", "n": "short"}, token)).codes == [
        "WEAK_PASSWORD"
    ]
    assert await node.snapshot() == before
    await node.ok(CHANGE, {"c": "password-123", "n": "another-pass"}, token)
    assert await node.login("changer", "another-pass")


async def test_roles_change_what_a_user_may_do(node: NodeServer, admin: str) -> None:
    user_id = await _user(node, admin, "promoted", role="READONLY")
    token = await node.login("promoted", "password-123")
    create = 'mutation { createAgency(input: {name: "角色测试机构"}) { agency { id } } }'
    assert (await node.call(create, token=token)).codes == ["FORBIDDEN"]
    await node.ok(SET_ROLES, {"id": user_id, "r": ["STAFF"]}, admin)
    await node.ok(create, token=token)


@pytest.mark.parametrize("role", ["STAFF", "READONLY"])
async def test_only_window_admins_manage_users_and_read_the_audit_log(
    node: NodeServer, admin: str, role: str
) -> None:
    user_id = await _user(node, admin, f"limited-{role.lower()}", role=role)
    token = await node.login(f"limited-{role.lower()}", "password-123")
    before = await node.snapshot()
    attempts = [
        (
            CREATE_USER,
            {"i": {"username": "sneaky", "password": "password-123", "roles": ["WINDOW_ADMIN"]}},
        ),
        (SET_ROLES, {"id": user_id, "r": ["WINDOW_ADMIN"]}),
        (RESET, {"id": user_id, "p": "password-456"}),
    ]
    for mutation, variables in attempts:
        assert (await node.call(mutation, variables, token)).codes == ["FORBIDDEN"]
    assert await node.snapshot() == before
    assert (await node.call(AUDIT, token=token)).codes == ["FORBIDDEN"]
    assert (await node.call("{ users { totalCount } }", token=token)).codes == ["FORBIDDEN"]


async def test_anonymous_callers_cannot_read_enterprises_the_audit_log_or_change_passwords(
    node: NodeServer,
) -> None:
    assert (await node.call("{ enterprises { totalCount } }")).codes == ["UNAUTHENTICATED"]
    assert (await node.call(AUDIT)).codes == ["UNAUTHENTICATED"]
    before = await node.snapshot()
    change = await node.call(CHANGE, {"c": ADMIN_PASSWORD, "n": "hijacked-pass"})
    assert change.codes == ["UNAUTHENTICATED"]
    assert await node.snapshot() == before


async def test_bad_user_input_changes_nothing(node: NodeServer, admin: str) -> None:
    await _user(node, admin, "taken-name")
    before = await node.snapshot()
    cases = [
        ({"username": "taken-name", "password": "password-123", "roles": ["STAFF"]}, "CONFLICT"),
        ({"username": "weakling", "password": "short", "roles": ["STAFF"]}, "WEAK_PASSWORD"),
        ({"username": "  ", "password": "password-123", "roles": ["STAFF"]}, "BAD_INPUT"),
    ]
    for user_input, code in cases:
        assert (await node.call(CREATE_USER, {"i": user_input}, admin)).codes == [code]
    me = await node.ok("{ me { id } }", token=admin)
    assert (await node.call(SET_ROLES, {"id": me["me"]["id"], "r": ["STAFF"]}, admin)).codes == [
        "BAD_INPUT"
    ]
    assert await node.snapshot() == before


async def test_a_bad_token_is_unauthenticated_not_anonymous(node: NodeServer) -> None:
    result = await node.call("{ me { id } }", token="not.a.token")
    assert result.codes == ["UNAUTHENTICATED"]
    # Not even the public catalogue: a client with an expired token should learn it at once.
    assert (await node.call("{ services { totalCount } }", token="not.a.token")).codes == [
        "UNAUTHENTICATED"
    ]


async def test_every_mutation_is_audited_with_its_result(node: NodeServer, admin: str) -> None:
    await node.call(LOGIN, {"u": "admin", "p": "wrong-wrong"})
    await node.ok(
        'mutation { createAgency(input: {name: "审计测试机构"}) { agency { id } } }', token=admin
    )
    await node.call(
        'mutation { createAgency(input: {name: "审计测试", uscc: "bad"}) { agency { id } } }',
        token=admin,
    )
    entries = [e["node"] for e in (await node.ok(AUDIT, token=admin))["auditLog"]["edges"]]
    failed_login = next(e for e in entries if e["operation"] == "login" and e["result"] != "OK")
    assert failed_login["result"] == "INVALID_CREDENTIALS" and failed_login["target"] == "admin"
    agency_results = [e["result"] for e in entries if e["operation"] == "createAgency"][:2]
    assert agency_results == ["INVALID_USCC", "OK"]  # newest first
    ok = next(e for e in entries if e["operation"] == "createAgency" and e["result"] == "OK")
    assert ok["actor"] == "admin" and ok["target"].startswith(f"{node.window_id}:")
    assert ADMIN_PASSWORD not in str(entries)


@pytest.mark.parametrize("name", ["anonymous", "Public", "x" * 65])
async def test_reserved_and_overlong_usernames_are_refused(
    node: NodeServer, admin: str, name: str
) -> None:
    before = await node.snapshot()
    result = await node.call(
        CREATE_USER,
        {"i": {"username": name, "password": "password-123", "roles": ["STAFF"]}},
        admin,
    )
    assert result.codes == ["BAD_INPUT"]
    assert await node.snapshot() == before
