"""`smenet hub rotate-key` / `revoke-key`: the hub's signing key changes, the old one stays
published until revoked, and the key in use cannot be revoked."""

from __future__ import annotations

import stat
from pathlib import Path

from federation.trust import load_key, retired_keys
from tests.support.node_server import smenet


def hub(*args: str) -> tuple[int, str]:
    done = smenet("hub", *args)
    return done.returncode, done.stdout + done.stderr


def test_rotate_then_revoke_the_hubs_key(tmp_path: Path) -> None:
    path = tmp_path / "hub-key.pem"
    assert hub("init", "--data", str(tmp_path), "--admin-password", "admin-secret-1")[0] == 0
    first = load_key(path)

    code, output = hub("rotate-key", "--data", str(tmp_path))
    assert code == 0, output
    second = load_key(path)
    assert second.kid != first.kid and second.kid in output and "Restart" in output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert retired_keys(path) == [first.jwk()]  # public only: no "d"

    code, output = hub("revoke-key", "--data", str(tmp_path), second.kid)
    assert code != 0 and "rotate it out first" in output
    code, output = hub("revoke-key", "--data", str(tmp_path), "no-such-kid")
    assert code != 0 and first.kid in output
    assert retired_keys(path) == [first.jwk()]

    code, output = hub("revoke-key", "--data", str(tmp_path), first.kid)
    assert code == 0, output
    assert retired_keys(path) == [] and load_key(path).kid == second.kid
