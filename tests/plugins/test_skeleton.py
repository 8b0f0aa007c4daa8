"""``smenet plugins new NAME``: the plugin it writes installs with pip and passes its own test."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.support.node_server import ROOT, smenet


def _venv_beside_ours(path: Path) -> Path:
    """A fresh virtual environment that also sees this one's packages (smenet among them), so
    installing the plugin there leaves the test suite's own environment untouched."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(purelib, "smenet-suite.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    return python


def test_a_new_plugin_installs_and_passes_its_own_test(tmp_path: Path) -> None:
    written = smenet("plugins", "new", "cold_chain", "--dir", str(tmp_path))
    assert written.returncode == 0, written.stderr
    plugin = tmp_path / "smenet-cold-chain"
    assert (plugin / "smenet_cold_chain" / "migrations" / "0001_initial.py").exists()

    python = _venv_beside_ours(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(plugin)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert installed.returncode == 0, installed.stderr
    listed = subprocess.run(
        [python, "-m", "smenet", "plugins"], capture_output=True, text=True, env=env
    )
    assert "cold_chain" in listed.stdout, listed.stdout + listed.stderr

    tested = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=plugin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "4 passed" in tested.stdout


def test_a_new_plugin_needs_a_valid_name_and_a_free_folder(tmp_path: Path) -> None:
    bad = smenet("plugins", "new", "Cold-Chain", "--dir", str(tmp_path))
    assert bad.returncode == 2
    assert "lower_snake_case" in bad.stderr
    assert list(tmp_path.iterdir()) == []
    assert smenet("plugins", "new", "cold_chain", "--dir", str(tmp_path)).returncode == 0
    again = smenet("plugins", "new", "cold_chain", "--dir", str(tmp_path))
    assert again.returncode == 2
    assert "exists" in again.stderr


def test_the_author_guide_shows_what_the_skeleton_writes(tmp_path: Path) -> None:
    """docs/plugins.md's complete example is the generated plugin, file for file."""
    assert smenet("plugins", "new", "cold_chain", "--dir", str(tmp_path)).returncode == 0
    plugin = tmp_path / "smenet-cold-chain"
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:toml|python)\n(.*?)```", guide, flags=re.S)
    for name in ("pyproject.toml", "smenet_cold_chain/models.py", "smenet_cold_chain/__init__.py"):
        assert (plugin / name).read_text(encoding="utf-8") in blocks, name
