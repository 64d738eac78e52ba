"""The README's walk-through against a real server process (uvicorn, CLI-migrated database,
demo tenant): what a person does after ``scripts/serve``, run by ``scripts/walkthrough``."""

import re
import subprocess
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def test_readme_walkthrough_runs_against_a_real_server(live_server: str) -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "walkthrough"), live_server],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    statuses = [
        line.split(":", 1)[1].strip()
        for line in done.stdout.splitlines()
        if line.strip().startswith("status:")
    ]
    assert statuses == [
        "assigned",
        "accepted",
        "en_route",
        "on_site",
        "in_progress",
        "resolved",
        "verified",
        "closed",
    ]
    # The closure checkpoint, with the README's embedded server (local media store).
    assert (
        "resolve refused: photo_before, photo_after, temperature_reading, customer_signature"
        in done.stdout
    )
    assert "evidence verified" in done.stdout
    # The customer's side: a video through the portal link, verified, and the repair's state.
    assert "customer uploaded a video through the portal link" in done.stdout
    assert "the customer's portal shows: closed, video verified" in done.stdout
    assert "customer and engineer exchanged messages: 2" in done.stdout
    # The printed page opens in a browser; after the close it offers the report.
    page_url = re.search(r"^portal page: (\S+)$", done.stdout, re.MULTILINE)
    report_url = re.search(r"^report: (\S+)$", done.stdout, re.MULTILINE)
    assert page_url is not None
    assert report_url is not None
    assert report_url.group(1) == page_url.group(1) + "/report.pdf"
    page = httpx.get(page_url.group(1), headers={"Accept-Language": "zh-CN"}, timeout=10)
    assert page.status_code == 200
    assert "Cold room 3 alarm" in page.text
    assert 'href="/p/' in page.text  # the report link
    assert "3号冷库门口结霜很厚" in page.text
    report = httpx.get(report_url.group(1), timeout=10)
    assert report.status_code == 200
    assert report.content.startswith(b"%PDF")
    timeline = done.stdout.split("timeline:", 1)[1]
    for actor, action in (
        ("Zhang Wei", "created"),
        ("Zhang Wei", "transition:assign"),
        ("Li Ming", "transition:accept"),
        ("Li Ming", "transition:resolve"),
        ("Zhang Wei", "transition:close"),
    ):
        assert any(
            actor in line and line.rstrip().endswith(action) for line in timeline.splitlines()
        )


def test_openapi_docs_are_served(live_server: str) -> None:
    schema = httpx.get(f"{live_server}/schema/openapi.json", timeout=5).json()
    assert "/api/v1/work-orders/{work_order_id}/transitions" in schema["paths"]
    assert httpx.get(f"{live_server}/schema/swagger", timeout=5).status_code == 200
