"""A throwaway PostgreSQL server for a test session: private cluster, free port, no durability.

When the tests run as root the server runs as ``nobody`` (PostgreSQL refuses root), from a
directory that user owns.
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

USER = "smenet"
_PG_LIB = Path("/usr/lib/postgresql")
_DB_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "log_min_messages": "warning",
}


@dataclass
class PostgresServer:
    """A running cluster; ``url(db)`` gives an asyncpg/Tortoise URL for one of its databases."""

    url_base: str
    bin_dir: Path
    base_dir: Path
    _run_as: dict[str, Any] = field(default_factory=dict, repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def port(self) -> int:
        return int(self.url_base.rsplit(":", 1)[1])

    def url(self, database: str) -> str:
        return f"{self.url_base}/{database}"

    def create_database(self, name: str) -> str:
        """Create database ``name`` (a plain identifier) and return its URL."""
        if not _DB_NAME.fullmatch(name):
            raise ValueError(f"invalid database name {name!r}")
        psql = self.bin_dir / "psql"
        cmd = [
            str(psql if psql.exists() else "psql"),
            *("-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", "postgres"),
            *("-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", f'CREATE DATABASE "{name}"'),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=_pg_env())
        if proc.returncode != 0:
            raise RuntimeError(f"CREATE DATABASE {name} failed: {proc.stderr.strip()}")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server at once and delete its directory; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        if (self.data_dir / "postmaster.pid").exists():
            subprocess.run(
                [str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate"],
                capture_output=True,
                cwd=self.base_dir,
                env=_pg_env(),
                **self._run_as,
            )
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def find_bin_dir() -> Path:
    """The directory holding initdb/pg_ctl/postgres: via PATH first, then the newest Debian one."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    if _PG_LIB.is_dir():
        versions = [p for p in _PG_LIB.iterdir() if p.name.isdigit()]
        for version in sorted(versions, key=lambda p: int(p.name), reverse=True):
            candidates.append(version / "bin")
    for bin_dir in candidates:
        if all((bin_dir / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres")):
            return bin_dir
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or under "
        f"{_PG_LIB}/*/bin; install PostgreSQL (e.g. apt-get install postgresql) to run the tests"
    )


def start_postgres(root: Path) -> PostgresServer:
    """Initialise and start a private cluster in a fresh directory under ``root``.

    As root, if ``nobody`` cannot traverse ``root``, the cluster goes under the system temp dir.
    """
    bin_dir = find_bin_dir()
    run_as: dict[str, Any] = {}
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        run_as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        if not _traversable_by_others(root):
            root = Path(tempfile.gettempdir())
    root.mkdir(parents=True, exist_ok=True)
    base_dir = Path(tempfile.mkdtemp(prefix="smenet-pg-", dir=root))
    base_dir.chmod(0o755)
    if run_as:
        os.chown(base_dir, run_as["user"], run_as["group"])

    def pg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bin_dir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            cwd=base_dir,
            env=_pg_env(),
            **run_as,
        )

    server = PostgresServer(url_base="", bin_dir=bin_dir, base_dir=base_dir, _run_as=run_as)
    try:
        data_dir, log = server.data_dir, base_dir / "postgres.log"
        init = pg(
            *("initdb", "-D", str(data_dir), "-A", "trust", "-U", USER),
            *("--encoding=UTF8", "--locale=C", "--no-sync"),
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
        settings = {**_SETTINGS, "unix_socket_directories": f"'{data_dir}'"}
        with (data_dir / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        for _attempt in range(3):
            port = _free_port()
            log.unlink(missing_ok=True)
            start = pg(
                *("pg_ctl", "start", "-w", "-t", "60", "-D", str(data_dir)),
                *("-l", str(log), "-o", f"-p {port}"),
            )
            if start.returncode == 0:
                server.url_base = f"postgres://{USER}@127.0.0.1:{port}"
                atexit.register(server.stop)
                return server
            server_log = log.read_text(errors="replace") if log.exists() else "(no log)"
            if "already in use" not in server_log:
                break
        raise RuntimeError(
            f"PostgreSQL failed to start:\n{start.stdout}\n{start.stderr}\n"
            f"--- server log ({log}) ---\n{server_log}"
        )
    except BaseException:
        server.stop()
        raise


def _traversable_by_others(path: Path) -> bool:
    existing = path.resolve()
    while not existing.exists():
        existing = existing.parent
    return all(p.stat().st_mode & stat.S_IXOTH for p in (existing, *existing.parents))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return {**env, "LC_ALL": "C", "LANG": "C"}
