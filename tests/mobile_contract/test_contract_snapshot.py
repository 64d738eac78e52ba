"""The live contract must match its snapshot and stay compatible within a MAJOR version."""

import pytest

from mobile_contract import CONTRACT_VERSION, schema
from mobile_contract.compat import breaking_changes, version_tuple
from mobile_contract.schema import (
    dump_contract,
    export_contract,
    load_snapshots,
    released_digests,
    snapshot_digest,
    snapshot_path,
)

CURRENT = version_tuple(CONTRACT_VERSION)
OLDER_SAME_MAJOR = [
    s
    for s in load_snapshots()
    if version_tuple(s["contract_version"])[0] == CURRENT[0]
    and version_tuple(s["contract_version"]) < CURRENT
]


def test_current_snapshot_matches_live_contract() -> None:
    path = snapshot_path(CONTRACT_VERSION)
    assert path.is_file(), f"missing {path}: run `fieldops contract export`"
    assert path.read_text(encoding="utf-8") == dump_contract(export_contract()), (
        f"the contract changed: bump CONTRACT_VERSION (now {CONTRACT_VERSION}; MINOR for "
        "additive, MAJOR for breaking) and run `fieldops contract export`"
    )


def test_no_breaking_changes_since_older_snapshots_of_this_major() -> None:
    """Trivially true until a second snapshot of this MAJOR exists; from then on it guards
    every app built against an older MINOR."""
    live = export_contract()
    for old in OLDER_SAME_MAJOR:
        changes = breaking_changes(old, live)
        assert changes == [], (
            f"breaking changes since {old['contract_version']}; a MAJOR bump of "
            "CONTRACT_VERSION is needed:\n  " + "\n  ".join(changes)
        )


def test_current_version_is_not_older_than_any_snapshot() -> None:
    versions = [s["contract_version"] for s in load_snapshots()]
    assert versions, "no contract snapshots found"
    newer = [v for v in versions if version_tuple(v) > CURRENT]
    assert newer == [], f"CONTRACT_VERSION {CONTRACT_VERSION} is older than snapshots {newer}"


def test_released_snapshots_are_frozen() -> None:
    """Apps in the field were built against a released snapshot: rewriting it (instead of
    bumping CONTRACT_VERSION) would hide a contract change from them."""
    released = released_digests()
    assert CONTRACT_VERSION in released, (
        f"contract {CONTRACT_VERSION} is not released: run `fieldops contract release`"
    )
    for version, digest in released.items():
        text = snapshot_path(version).read_text(encoding="utf-8")
        assert snapshot_digest(text) == digest, (
            f"the released snapshot {version} was rewritten; restore it and bump CONTRACT_VERSION"
        )


def test_export_refuses_to_rewrite_a_released_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        schema, "released_digests", lambda: {CONTRACT_VERSION: snapshot_digest("something else")}
    )
    with pytest.raises(schema.ReleasedSnapshotError, match="bump CONTRACT_VERSION"):
        schema.write_snapshot()
