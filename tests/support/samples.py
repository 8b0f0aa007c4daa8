"""Sample plugins of the test suite (``tests/plugins/samples``), installed for node processes."""

from __future__ import annotations

import os
from pathlib import Path

from node.plugins.manager import ENTRY_POINT_GROUP
from tests.support.node_server import ROOT

SAMPLES = {
    "broken_import": "tests.plugins.samples.broken_import",
    "broken_register": "tests.plugins.samples.broken_register",
    "clash_type": "tests.plugins.samples.clash_type",
    # Loaded after `equipment` (by name), so it is the one refused.
    "other_equipment": "tests.plugins.samples.clash_namespace",
    "broken_startup": "tests.plugins.samples.broken_startup",
    "typo_hook": "tests.plugins.samples.typo_hook",
    "node_namespace": "tests.plugins.samples.node_namespace",
    "core_type": "tests.plugins.samples.core_type",
    "lab": "tests.plugins.samples.lab",
    "lab_test": "tests.plugins.samples.lab_test",
    "gatekeeper": "tests.plugins.samples.gatekeeper",
    "flaky_events": "tests.plugins.samples.flaky_events",
    "recorder_a": "tests.plugins.samples.recorder:RECORDER_A",
    "recorder_b": "tests.plugins.samples.recorder:RECORDER_B",
    # Namespace `equipment` with a definition of its own, for the hub's composition.
    "rival_equipment": "tests.plugins.samples.rival_equipment",
}


def install_samples(site: Path, names: tuple[str, ...]) -> dict[str, str]:
    """Install sample plugins the way pip would (a dist-info with entry points); the environment
    a node process needs to find them."""
    for name in names:
        dist = site / f"smenet_sample_{name}-0.1.dist-info"
        dist.mkdir(parents=True)
        (dist / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: smenet-sample-{name}\nVersion: 0.1\n"
        )
        (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{name} = {SAMPLES[name]}\n")
    return {"PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
