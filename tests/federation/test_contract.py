"""The node's schema contains the core contract unchanged and is an Apollo Federation v2 subgraph."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from graphql import build_schema as build_sdl

from federation import (
    ACCEPTED_CORE_SCHEMA_VERSIONS,
    CORE_SCHEMA_VERSION,
    CORE_SDL_PATH,
    core_sdl_path,
)
from federation.contract import contract_violations
from node.schema import build_schema
from tests.support.graphql_http_audit import AUDIT_DIR, ensure_node_modules

CORE_SDL = CORE_SDL_PATH.read_text(encoding="utf-8")
# The text of each contract version: changing core.graphql needs a version bump (and a new line).
# 1.1 added reports, agencyStats, the hub's messages and Demand.origin (supervision); 1.2 the
# public form's claim on a demand (Demand.claim, confirmDemandEnterprise).
CONTRACT_SHA256 = {
    "1.1": "a921088e0c957a9926a19e28b9029ded9bf06420b981fc193b0b9e296577749e",
    "1.2": "37a3f0a36e17a19f2e2c3b8edcd1f1cbde4cdc0d596ea48e315bd2afe39a7765",
}


def test_node_schema_contains_core_contract_unchanged() -> None:
    assert contract_violations(build_schema()._schema) == []


def test_core_contract_names_its_version() -> None:
    assert f"version {CORE_SCHEMA_VERSION}" in CORE_SDL.splitlines()[0]


def test_core_contract_changes_only_with_a_version_bump() -> None:
    for version in ACCEPTED_CORE_SCHEMA_VERSIONS:
        digest = hashlib.sha256(core_sdl_path(version).read_bytes()).hexdigest()
        assert digest == CONTRACT_SHA256[version], f"core {version} changed: bump the version"


def test_core_contract_has_every_fixed_mutation() -> None:
    mutations = build_sdl(CORE_SDL).mutation_type
    assert mutations is not None
    fixed = """login changePassword createUser setUserRoles resetPassword createAgency updateAgency
    createExpert updateExpert createEnterprise updateEnterprise createService updateService
    publishService retireService submitDemand acceptDemand matchDemand rejectDemand escalateDemand
    closeDemand startServiceRecord completeServiceRecord correctServiceRecord submitFeedback
    addFollowUp createActivity registerForActivity recordAttendance createAnnouncement
    submitAnnouncementForReview reviewAnnouncement issueVoucher redeemVoucher""".split()
    assert set(fixed) <= set(mutations.fields)


def _violations_after(old: str, new: str) -> list[str]:
    assert old in CORE_SDL
    return contract_violations(build_sdl(CORE_SDL.replace(old, new, 1)))


def test_contract_check_catches_a_changed_default() -> None:
    problems = _violations_after(
        "services(filter: ServiceFilter = null, first: Int! = 20",
        "services(filter: ServiceFilter = null, first: Int! = 50",
    )
    assert any("Query.services" in p for p in problems)


def test_contract_check_catches_a_missing_enum_value_and_a_stray_field() -> None:
    problems = _violations_after("  QUALITY_TESTING\n", "\n")
    assert any("enum ServiceCategory" in p for p in problems)
    problems = _violations_after("type Query {\n", "type Query {\n  stray: Int\n")
    assert any("Query.stray" in p for p in problems)


def test_contract_check_allows_ext() -> None:
    extended = CORE_SDL.replace("type Query {\n", "type Query {\n  ext: Int\n", 1)
    assert contract_violations(build_sdl(extended)) == []


def test_node_composes_as_federation_v2_subgraph(tmp_path: Path) -> None:
    result = build_schema().execute_sync("{ _service { sdl } }")
    assert result.errors is None and result.data is not None
    sdl = result.data["_service"]["sdl"]
    assert 'url: "https://specs.apollo.dev/federation/v2' in sdl
    (tmp_path / "node.graphql").write_text(sdl)
    ensure_node_modules()
    composed = subprocess.run(
        ["node", "compose.mjs", f"node={tmp_path / 'node.graphql'}"],
        cwd=AUDIT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(composed.stdout) == {"ok": True, "errors": []}
