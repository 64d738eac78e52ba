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

import pytest

from tests.e2e.conftest import CLI, ROOT, LiveServer

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
