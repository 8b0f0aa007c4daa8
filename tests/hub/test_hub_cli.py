"""`smenet hub init` / `serve` and the hub's settings; publicity and review counts in process."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from federation.accounts import ANONYMOUS, Actor
from federation.errors import InvalidTransition, NotFound, Unauthenticated
from federation.trust import generate_key, load_key
from hub import db
from hub.config import HubSettings, load_settings
from hub.domain import registry, users
from hub.domain.access import HubRole
from hub.models import Window, WindowTransition
from tests.support.node_server import smenet

PASSWORD = "admin-secret-1"


def _init(data: Path, *args: str) -> tuple[int, str]:
    done = smenet("hub", "init", "--data", str(data), "--admin-password", PASSWORD, *args)
    return done.returncode, done.stdout + done.stderr


def test_init_writes_config_key_and_admin_once(tmp_path: Path) -> None:
    code, output = _init(tmp_path)
    assert code == 0, output
    with sqlite3.connect(tmp_path / "hub.sqlite3") as conn:
        applied = {
            r[0] + "." + r[1] for r in conn.execute("select app, name from tortoise_migrations")
        }
        admins = conn.execute("select username, roles from hub_users").fetchall()
    assert "hub.0001_initial" in applied
    assert admins == [("admin", '["HUB_ADMIN"]')]
    for name in ("smenet.toml", "hub-key.pem"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    load_key(tmp_path / "hub-key.pem")  # a valid Ed25519 key
    settings = load_settings(tmp_path, environ={})
    assert (settings.reviews_required, settings.publicity_days, settings.port) == (2, 7, 8000)

    key = (tmp_path / "hub-key.pem").read_bytes()
    code, output = _init(tmp_path)
    assert code == 2
    assert "already holds" in output and "Traceback" not in output
    assert (tmp_path / "hub-key.pem").read_bytes() == key


@pytest.mark.parametrize(
    ("args", "message"),
    [(("--db", "mysql://x"), "--db"), (("--admin-password", "short"), "--admin-password")],
)
def test_init_refuses_bad_arguments_with_a_message(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    done = smenet("hub", "init", "--data", str(tmp_path), "--admin-password", PASSWORD, *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "smenet.toml").exists()


def test_serve_without_init_says_what_to_run(tmp_path: Path) -> None:
    done = smenet("hub", "serve", "--data", str(tmp_path))
    assert done.returncode == 2
    assert "smenet hub init" in done.stderr and "Traceback" not in done.stderr


def test_settings_are_checked_and_overridden(tmp_path: Path) -> None:
    HubSettings(data_dir=tmp_path).save()
    env = {"SMENET_PUBLICITY_DAYS": "0", "SMENET_REVIEWS_REQUIRED": "3", "SMENET_PORT": "8100"}
    settings = load_settings(tmp_path, environ=env)
    assert (settings.publicity_days, settings.reviews_required, settings.port) == (0, 3, 8100)
    assert settings.db_url() == f"sqlite://{tmp_path / 'hub.sqlite3'}"
    for variable, value, message in [
        ("SMENET_PUBLICITY_DAYS", "-1", "publicity_days"),
        ("SMENET_REVIEWS_REQUIRED", "0", "reviews_required"),
        ("SMENET_PORT", "eighty", "SMENET_PORT"),
    ]:
        with pytest.raises(ValueError, match=message):
            load_settings(tmp_path, environ={variable: value})
    (tmp_path / "smenet.toml").write_text('window_id = "sz-ns"\n')
    with pytest.raises(ValueError, match="unknown settings window_id"):
        load_settings(tmp_path, environ={})


# The workflow in process, where the hub's settings are arguments of the domain services.


@pytest.fixture
async def hub_db(tmp_path: Path) -> AsyncIterator[None]:
    await db.open_db(f"sqlite://{tmp_path / 'hub.sqlite3'}")
    try:
        yield
    finally:
        await db.close_db()
        # Tortoise caches built queries per connection name, across databases of one process.
        EXECUTOR_CACHE.clear()


async def _actor(username: str, role: HubRole) -> Actor:
    admin = await users.ACCOUNTS.create_first_admin(f"admin-{username}", PASSWORD)
    admin_actor = Actor(admin.username, admin.id, frozenset({HubRole.HUB_ADMIN}))
    user = await users.ACCOUNTS.create_user(admin_actor, username, PASSWORD, [role.value])
    return Actor(user.username, user.id, frozenset({role}))


FORM = registry.ApplicationForm(
    window_id="sz-ns",
    name="深圳市南山区中小企业服务窗口",
    kind="COMPREHENSIVE",
    region_code="440305",
    organisation="深圳市南山区中小企业服务中心",
    contact_name="王敏",
    contact_phone="0755-86000000",
    service_scope="政策咨询",
)


async def test_a_publicity_of_seven_days_refuses_connection_before_its_end(hub_db: None) -> None:
    operator = await _actor("operator", HubRole.HUB_OPERATOR)
    reviewer = await _actor("expert", HubRole.EXPERT_REVIEWER)
    await registry.apply(operator, FORM)
    await registry.start_review(operator, "sz-ns")
    # One review is enough when the hub is configured so.
    await registry.submit_review(reviewer, "sz-ns", 90, "同意", "APPROVE", reviews_required=1)
    window = await registry.start_publicity(operator, "sz-ns", publicity_days=7)
    assert window.publicity_ends_at is not None
    now = datetime.now(UTC)
    assert timedelta(days=7) - timedelta(minutes=1) < window.publicity_ends_at - now
    assert window.publicity_ends_at - now <= timedelta(days=7)
    endpoint = "http://127.0.0.1:9/graphql"  # never asked: the publicity is still running
    with pytest.raises(InvalidTransition, match="publicity runs until") as refused:
        await registry.check_connection(
            operator, "sz-ns", endpoint, generate_key().jwk(), timeout=1
        )
    assert refused.value.extensions["publicityEndsAt"] == window.publicity_ends_at.isoformat()
    # Objections are welcome during the publicity, from anonymous callers too.
    objection = await registry.file_objection(
        ANONYMOUS, "sz-ns", "异议", "13800000000", "192.0.2.1", max_open=3
    )
    assert objection.filed_by == "anonymous"
    assert (await Window.get(window_id="sz-ns")).status == "IN_PUBLICITY"
    assert await WindowTransition.all().count() == 4


async def test_domain_services_check_the_caller(hub_db: None) -> None:
    with pytest.raises(Unauthenticated):
        await registry.apply(ANONYMOUS, FORM)
    operator = await _actor("operator", HubRole.HUB_OPERATOR)
    with pytest.raises(NotFound):
        await registry.start_review(operator, "nowhere")
    assert await registry.current_keys("nowhere") is None
