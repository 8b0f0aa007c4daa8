"""Node.js tools of the tests (tests/audit): the graphql-http audit suite, Apollo composition."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

AUDIT_DIR = Path(__file__).resolve().parent.parent / "audit"


def ensure_node_modules() -> None:
    """Install the Node.js tools of tests/audit (graphql-http, Apollo composition) when missing."""
    modules = AUDIT_DIR / "node_modules"
    if (modules / "graphql-http").is_dir() and (modules / "@apollo" / "composition").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            f"npm is required to install the audit tools: run 'npm ci' in {AUDIT_DIR}"
        )
    install = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=AUDIT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if install.returncode != 0:
        raise RuntimeError(f"npm ci failed in {AUDIT_DIR}:\n{install.stdout}\n{install.stderr}")


def run_audit(url: str, timeout: float = 120) -> list[dict[str, Any]]:
    """Audit the GraphQL endpoint at ``url``; one dict per audit (see tests/audit/audit.mjs)."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("Node.js ('node') is required for the GraphQL-over-HTTP audit")
    ensure_node_modules()
    proc = subprocess.run(
        [node, "audit.mjs", url],
        cwd=AUDIT_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"graphql-http audit of {url} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)
