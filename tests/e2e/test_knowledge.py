"""The knowledge base and after-sales advice against the real `fieldops serve` (uvloop, as the
README starts it, with the demo tenant `fieldops demo` made): the README's curl examples run as
written and answer what the README says; a note inserting the article the search found is a
citation of it."""

import asyncio
import json
import os
import subprocess
import uuid
from typing import Any

import httpx

from tests.e2e.test_iot_alarms import readme_block, staff_token


async def run_readme_block(marker: str, env: dict[str, str]) -> Any:
    """The README block run by bash as written; its output is JSON."""
    done = await asyncio.to_thread(
        subprocess.run,
        ["bash", "-euo", "pipefail", "-c", readme_block(marker)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


async def test_the_readme_search_and_evaluation_work_as_written(live_server: str) -> None:
    engineer = await staff_token(live_server, "eng.li")
    env = {"API": f"{live_server}/api/v1", "E": engineer["Authorization"].split()[1]}
    found = await run_readme_block("kb-search-example", env)
    assert found["query"] == "压缩"
    top = found["items"][0]
    assert "压缩机" in top["title"]
    assert top["language"] == "zh-CN"
    codes = await run_readme_block("kb-code-example", env)
    (hit, *_) = codes["items"]
    assert (hit["matched"], hit["fault_code"]["code"]) == ("code", "6101")
    assert hit["brand"] == "Mitsubishi Electric"
    advice = await run_readme_block("after-sales-example", env)
    assert (advice["advice"], advice["clause_id"], advice["purchase_age_days"]) == (
        "refund",
        "§1",
        7,
    )
    assert [step["node"] for step in advice["path"]] == ["fault", "age"]

    dispatcher = await staff_token(live_server)
    async with httpx.AsyncClient(base_url=live_server, headers=dispatcher) as client:
        created = await client.post("/api/v1/work-orders", json={"title": "压缩机频繁启停"})
        assert created.status_code == 201, created.text
        work_order = created.json()["work_order"]["id"]
        suggested = await client.get(f"/api/v1/work-orders/{work_order}/kb-suggestions")
        assert suggested.status_code == 200, suggested.text
        assert top["article_id"] in [item["article_id"] for item in suggested.json()["items"]]
        note = {"id": str(uuid.uuid4()), "body": "按知识库检查", "kb_article_id": top["article_id"]}
        added = await client.post(f"/api/v1/work-orders/{work_order}/notes", json=note)
        assert added.status_code == 201, added.text
        cited = await client.get(f"/api/v1/work-orders/{work_order}/citations")
        assert [c["article_id"] for c in cited.json()["items"]] == [top["article_id"]]
    again = await run_readme_block("kb-search-example", env)
    assert again["items"][0]["last_cited_at"] is not None
