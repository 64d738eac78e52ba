"""Schemathesis against the app's own OpenAPI schema: generated requests for every operation,
as each role and without a token; every answer must be no server error, a documented status,
with the documented content type and a body matching its schema.

Hypothesis runs in a worker thread (its tests are synchronous); each request is handed to the
session's event loop, where the app and its database pool live (see ``tests.factories``).
Derandomized with a bounded number of examples, so CI sees the same cases every run.

Each role logs in afresh for every operation: a generated logout ends only that session.
The event stream is called only without a token (with one it stays open until the client
leaves, which an in-process call never does).
"""

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import Client, World, make_world

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ROLES = ("admin", "dispatcher", "eng_a", None)  # None: no token
MAX_EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 4}
STREAMING = {"GET /api/v1/sync/stream", "GET /api/v1/feed"}


@dataclass
class Findings:
    cases: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # "operation role: title" -> repro
    statuses: dict[int, int] = field(default_factory=dict)


def run_operation(
    operation: Any,
    role: str | None,
    headers: dict[str, str],
    send: Callable[[dict[str, Any]], httpx.Response],
    findings: Findings,
) -> None:
    """Every generated case of one operation, both generation modes; failures are collected
    (not raised), so one run reports them all."""
    for mode, examples in MAX_EXAMPLES.items():

        @settings(
            max_examples=examples,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: Any) -> None:
            kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
            response = send(kwargs)
            findings.cases += 1
            findings.statuses[response.status_code] = (
                findings.statuses.get(response.status_code, 0) + 1
            )
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except Exception as failure:
                title = str(failure).strip().splitlines()[0]
                key = f"{operation.label} as {role or 'anonymous'}: {title}"
                findings.failures.setdefault(key, case.as_curl_command(headers=headers))

        try:
            check()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise  # (nothing to make invalid: no parameters, no body)


def http_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Schemathesis speaks ``requests``; the in-process client is httpx."""
    out: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": kwargs.get("headers") or {},
        "params": kwargs.get("params"),
    }
    if "json" in kwargs:
        out["content"] = json.dumps(kwargs["json"]).encode()
        out["headers"] = {"Content-Type": "application/json", **out["headers"]}
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        out["content"] = data.encode() if isinstance(data, str) else data
    return out


async def test_the_api_answers_as_its_schema_says(client: Client) -> None:
    schema = schemathesis.openapi.from_dict((await client.get("/schema/openapi.json")).json())
    world: World = await make_world(client)
    loop = asyncio.get_running_loop()

    def send(kwargs: dict[str, Any]) -> httpx.Response:
        request = client.request(**http_kwargs(kwargs))
        return asyncio.run_coroutine_threadsafe(request, loop).result(timeout=60)

    def login(name: str) -> dict[str, str]:
        tokens = asyncio.run_coroutine_threadsafe(world.login(name), loop).result(timeout=60)
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    def walk() -> Findings:
        findings = Findings()
        for result in schema.get_all_operations():
            operation = result.ok()
            for role in ROLES:
                if role and operation.label in STREAMING:
                    continue
                headers = login(role) if role else {}
                run_operation(operation, role, headers, send, findings)
        return findings

    findings = await asyncio.to_thread(walk)
    report = "\n\n".join(f"{key}\n    {repro}" for key, repro in sorted(findings.failures.items()))
    print(
        f"schemathesis: {findings.cases} cases, {len(findings.failures)} failures, "
        f"statuses {dict(sorted(findings.statuses.items()))}"
    )
    assert not findings.failures, f"{len(findings.failures)} failures:\n\n{report}"
