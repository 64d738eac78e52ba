"""Export the wire contract as JSON Schema components and keep versioned snapshots of it.

Snapshots (``snapshots/<MAJOR.MINOR>.json``) are what mobile apps were built against; the
tests compare the live contract with them so a breaking change cannot ship unnoticed.
"""

import hashlib
import json
import pathlib
from types import ModuleType
from typing import Any

import msgspec

from mobile_contract import (
    CONTRACT_VERSION,
    aftersales,
    assignment,
    auth,
    chat,
    devices,
    directory,
    errors,
    eta,
    feed,
    iot,
    knowledge,
    media,
    messaging,
    notify,
    portal,
    push,
    reports,
    sla,
    sync,
    system,
    triage,
    work_orders,
)
from mobile_contract.compat import version_tuple

# Adding a contract module is a one-line change here; its Structs are discovered below.
_MODULES: tuple[ModuleType, ...] = (
    errors,
    auth,
    directory,
    work_orders,
    system,
    sync,
    devices,
    iot,
    push,
    media,
    portal,
    triage,
    sla,
    feed,
    assignment,
    knowledge,
    aftersales,
    eta,
    reports,
    messaging,
    notify,
    chat,
)

SNAPSHOT_DIR = pathlib.Path(__file__).parent / "snapshots"
REF_TEMPLATE = "#/components/{name}"


def _structs(module: ModuleType) -> list[type[msgspec.Struct]]:
    """Public Structs *defined* in ``module`` (re-exported ones belong to their own module)."""
    return [
        obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and isinstance(obj, type)
        and issubclass(obj, msgspec.Struct)
        and obj.__module__ == module.__name__
    ]


CONTRACT_TYPES: tuple[type, ...] = tuple(
    sorted((t for m in _MODULES for t in _structs(m)), key=lambda t: (t.__name__, t.__module__))
)


def export_contract() -> dict[str, Any]:
    """The live contract: every Struct and enum it references, as named schema components."""
    _, components = msgspec.json.schema_components(CONTRACT_TYPES, ref_template=REF_TEMPLATE)
    return {"contract_version": CONTRACT_VERSION, "components": components}


def snapshot_path(version: str) -> pathlib.Path:
    """Where the snapshot of ``version`` lives (validates the ``MAJOR.MINOR`` form)."""
    version_tuple(version)
    return SNAPSHOT_DIR / f"{version}.json"


def dump_contract(contract: dict[str, Any]) -> str:
    """Stable text form: sorted keys and a trailing newline, so snapshots diff cleanly."""
    return json.dumps(contract, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


RELEASED_FILE = pathlib.Path(__file__).parent / "released.json"


class ReleasedSnapshotError(RuntimeError):
    """A released snapshot is what shipped apps were built against: it never changes."""


def snapshot_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def released_digests() -> dict[str, str]:
    """``{version: sha256 of its snapshot}`` for every released contract version."""
    if not RELEASED_FILE.exists():
        return {}
    digests: dict[str, str] = json.loads(RELEASED_FILE.read_text(encoding="utf-8"))
    return digests


def write_snapshot() -> pathlib.Path:
    """Write the live contract as the snapshot of ``CONTRACT_VERSION`` (for the CLI);
    refuses to rewrite a released version (bump CONTRACT_VERSION instead)."""
    path = snapshot_path(CONTRACT_VERSION)
    text = dump_contract(export_contract())
    released = released_digests().get(CONTRACT_VERSION)
    if released is not None and released != snapshot_digest(text):
        raise ReleasedSnapshotError(
            f"contract {CONTRACT_VERSION} is released and the live contract differs from it: "
            "bump CONTRACT_VERSION (MINOR for additive changes, MAJOR for breaking ones)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def release_snapshot() -> str:
    """Mark the current version's snapshot as released (its digest is then frozen)."""
    text = snapshot_path(CONTRACT_VERSION).read_text(encoding="utf-8")
    if text != dump_contract(export_contract()):
        raise ReleasedSnapshotError("the snapshot is stale: run `fieldops contract export` first")
    digests = {**released_digests(), CONTRACT_VERSION: snapshot_digest(text)}
    RELEASED_FILE.write_text(json.dumps(digests, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return CONTRACT_VERSION


def load_snapshots() -> list[dict[str, Any]]:
    """All snapshots, oldest first (numeric ``MAJOR, MINOR`` order, so 1.10 follows 1.9)."""
    snapshots: list[dict[str, Any]] = []
    for path in SNAPSHOT_DIR.glob("*.json"):
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if data.get("contract_version") != path.stem:
            raise ValueError(f"{path.name} holds contract_version {data.get('contract_version')!r}")
        snapshots.append(data)
    return sorted(snapshots, key=lambda s: version_tuple(s["contract_version"]))
