"""A real RxDB client (tests/e2e/rxdb, Node's test runner) replicating against a real server.

The Node side needs its pinned packages: ``npm ci --prefix tests/e2e/rxdb`` (scripts/bootstrap
runs it). Without node or those packages this test skips and says why, except in CI, where it
fails; with them it must pass."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from mobile_contract.enums import Role
from tests.e2e.conftest import CLI, ROOT, LiveServer
from workorders.state_machine import TRANSITIONS

RXDB = Path(__file__).resolve().parent / "rxdb"
NODE = shutil.which("node")

MISSING = (
    "node is not installed (Node.js 20+ runs RxDB)"
    if NODE is None
    else "tests/e2e/rxdb/node_modules is missing: run `npm ci --prefix tests/e2e/rxdb`"
    if not (RXDB / "node_modules" / "rxdb").is_dir()
    else ""
)
if MISSING and os.environ.get("CI"):
    # CI installs them (scripts/bootstrap): a skip there would hide the real-client proof.
    raise RuntimeError(f"the RxDB end-to-end tests cannot run in CI: {MISSING}")

# Marks, not skips in the body: no server is started for a test that cannot run.
pytestmark = [pytest.mark.skipif(bool(MISSING), reason=MISSING)]


def test_rxdb_replicas_against_a_real_server(live_server_process: LiveServer) -> None:
    assert NODE is not None
    env = {
        **os.environ,
        "BASE_URL": live_server_process.url,
        # A few random seeds per run (randomized.test.mjs prints each, to replay it).
        "RXDB_SEED_COUNT": os.environ.get("RXDB_SEED_COUNT", "3"),
        # For the crash scenario, which starts, SIGKILLs and restarts a server of its own on
        # the same database (its own port, FIELDOPS_PORT set by the Node side).
        "SERVER_CMD": json.dumps([*CLI, "serve"]),
        "SERVER_ENV": json.dumps(live_server_process.env),
        "SERVER_CWD": str(ROOT),
    }
    done = subprocess.run(
        # One file at a time: the files share the demo tenant, and the crash scenario's second
        # server must be the only writer while it runs.
        [NODE, "--test", "--test-concurrency=1", "--test-reporter=tap", str(RXDB)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    passed = re.search(r"^# pass (\d+)$", done.stdout, re.MULTILINE)
    assert passed is not None, output
    assert int(passed.group(1)) > 0, output  # a run that tested nothing is no pass

    # Whatever the replicas did, every work order's timeline obeys the state machine.
    checked = 0
    with httpx.Client(base_url=f"{live_server_process.url}/api/v1", timeout=30) as http:
        token = http.post(
            "/auth/login",
            json={
                "tenant": "demo",
                "username": "dispatch",
                "password": "fieldops-demo",
                "device_id": "lifecycle-check",
            },
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        for work_order in _all_work_orders(http):
            detail = http.get(f"/work-orders/{work_order['id']}").json()
            assert lifecycle_errors(detail) == [], detail["work_order"]["number"]
            checked += 1
    assert checked > 20, "the RxDB scenarios left fewer work orders than they make"


def _all_work_orders(http: httpx.Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
        page = http.get("/work-orders", params=params).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def lifecycle_errors(detail: dict[str, Any]) -> list[str]:
    """What in a work order's timeline the state machine would not have allowed: a step from
    another state than the one before it left, a transition the table lacks or that the
    actor's role (or, for the assignee's steps, the actor) may not make, or a final state
    other than the work order's."""
    errors: list[str] = []
    status = assignee = None
    for event in detail["timeline"]:
        action, before, after = event["action"], event["before"], event["after"]
        if action == "created":
            status, assignee = after["status"], after.get("assignee_id")
            continue
        if not action.startswith("transition:"):
            continue
        name = action.removeprefix("transition:")
        matches = [
            t
            for t in TRANSITIONS
            if t.action.value == name
            and before["status"] in t.sources
            and t.target == after["status"]
            and Role(event["actor_role"]) in t.roles
            and (not t.assignee_only or event["actor_id"] == assignee)
        ]
        if before["status"] != status:
            errors.append(f"{action} from {before['status']} while the work order was {status}")
        if not matches:
            errors.append(
                f"{action} {before['status']}->{after['status']} by {event['actor_role']}"
            )
        status, assignee = after["status"], after.get("assignee_id", assignee)
    if status != detail["work_order"]["status"]:
        errors.append(
            f"the timeline ends at {status}, the work order is {detail['work_order']['status']}"
        )
    return errors


def test_the_lifecycle_check_sees_a_step_the_state_machine_forbids() -> None:
    def event(action: str, before: str, after: str, role: str = "engineer") -> dict[str, Any]:
        return {
            "action": f"transition:{action}",
            "before": {"status": before},
            "after": {"status": after},
            "actor_role": role,
            "actor_id": "e1",
        }

    created = {"action": "created", "before": {}, "after": {"status": "new"}}
    assign = event("assign", "new", "assigned", "dispatcher")
    assign["after"]["assignee_id"] = "e1"
    legal = [created, assign, event("accept", "assigned", "accepted")]
    detail = {"timeline": legal, "work_order": {"status": "accepted"}}
    assert lifecycle_errors(detail) == []
    skipped = [*legal, event("start", "accepted", "in_progress")]
    assert lifecycle_errors({"timeline": skipped, "work_order": {"status": "in_progress"}})
    by_dispatcher = [*legal, event("travel", "accepted", "en_route", "dispatcher")]
    assert lifecycle_errors({"timeline": by_dispatcher, "work_order": {"status": "en_route"}})
    assert lifecycle_errors({"timeline": legal, "work_order": {"status": "closed"}})
