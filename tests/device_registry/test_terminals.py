"""IoT terminals: the registry (secret shown once, rotation with grace, revocation, roles)
and the signed requests (vectors, refusals: signature, skew, replay, unknown, revoked)."""

import hashlib
import hmac
import json
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag

from device_registry import signing, sql
from device_registry.secrets import SecretBox
from kernel.statements import Statement
from tests.factories import Terminal, World, alarm

# The firmware guide's worked example (README, "IoT terminals"): these inputs sign to this.
VECTOR_SECRET = "3f1c0e2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e"
VECTOR_BODY = (
    b'{"alarms":[{"id":"buf-0001","type":"over_temperature","severity":"critical",'
    b'"state":"raised","value":-12.5,"threshold":-18,"unit":"C",'
    b'"occurred_at":"2026-12-06T02:00:00Z"}]}'
)
VECTOR_TIMESTAMP = "1796522400"
VECTOR_NONCE = "4f9d2c1a7e3b5d8f"
VECTOR_SIGNATURE = "ed6378adcfcaab63ff8f64c8a0aac502daa4f21de446281d9788c8b38b93baa0"


def _expected(secret: str, method: str, path: str, ts: str, nonce: str, body: bytes) -> str:
    text = "\n".join((method, path, ts, nonce, hashlib.sha256(body).hexdigest()))
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def test_the_signature_is_the_documented_hmac() -> None:
    computed = signing.sign(
        VECTOR_SECRET, "POST", "/api/v1/iot/alarms", VECTOR_TIMESTAMP, VECTOR_NONCE, VECTOR_BODY
    )
    assert computed == _expected(
        VECTOR_SECRET,
        "POST",
        "/api/v1/iot/alarms",
        VECTOR_TIMESTAMP,
        VECTOR_NONCE,
        VECTOR_BODY,
    )
    assert computed == VECTOR_SIGNATURE


def test_openssl_computes_the_same_signature_as_the_readme_says() -> None:
    """The README's shell recipe, run with the real openssl."""
    body_hash = (
        subprocess.run(
            ["openssl", "dgst", "-sha256", "-hex"],
            input=VECTOR_BODY,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split()[-1]
    )
    to_sign = f"POST\n/api/v1/iot/alarms\n{VECTOR_TIMESTAMP}\n{VECTOR_NONCE}\n{body_hash}"
    signature = (
        subprocess.run(
            ["openssl", "dgst", "-sha256", "-hmac", VECTOR_SECRET, "-hex"],
            input=to_sign.encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split()[-1]
    )
    assert signature == VECTOR_SIGNATURE


def test_signatures_compare_in_constant_time_and_ignore_hex_case() -> None:
    args = ("POST", "/p", "1", "n", b"{}")
    good = signing.sign("s", *args)
    assert signing.signed_by("s", good.upper(), *args)
    assert not signing.signed_by("s", good[:-1] + ("0" if good[-1] != "0" else "1"), *args)
    assert not signing.signed_by("s", "", *args)


def test_sealed_secrets_open_only_for_their_terminal_and_key() -> None:
    box = SecretBox("k" * 40)
    terminal = uuid.uuid4()
    sealed = box.seal(terminal, "the secret")
    assert box.open(terminal, sealed) == "the secret"
    assert "the secret" not in sealed
    with pytest.raises(InvalidTag):
        box.open(uuid.uuid4(), sealed)
    with pytest.raises(InvalidTag):
        SecretBox("x" * 40).open(terminal, sealed)


# Registry ------------------------------------------------------------------------------------


async def test_an_admin_registers_a_terminal_and_sees_its_secret_once(world: World) -> None:
    terminal = await world.register_terminal("CS-FR-0012", thresholds={"over_temperature": -18})
    assert len(terminal.secret) == 64
    listed = (await world.call("admin", "GET", "/api/v1/iot/terminals", expect=200)).json()
    assert [t["device_code"] for t in listed["items"]] == ["CS-FR-0012"]
    shown = (
        json.dumps(listed)
        + (
            await world.call("admin", "GET", f"/api/v1/iot/terminals/{terminal.id}", expect=200)
        ).text
    )
    assert terminal.secret not in shown
    assert '"secret"' not in shown


async def test_the_secret_is_stored_sealed(world: World) -> None:
    terminal = await world.register_terminal()
    db = world.client.app.state.services.db
    row = await db.fetch_one(sql.CREDENTIALS, sql.Credentials, id=uuid.UUID(terminal.id))
    assert row is not None
    assert row.secret
    assert terminal.secret not in row.secret


async def test_only_admins_register_rotate_and_revoke(world: World) -> None:
    body = {"asset_id": str(world.asset_id), "device_code": "T-1"}
    for who in ("dispatcher", "supervisor", "eng_a"):
        await world.call(who, "POST", "/api/v1/iot/terminals", json=body, expect=403)
    terminal = await world.register_terminal()
    for who in ("dispatcher", "eng_a"):
        await world.call(
            who, "POST", f"/api/v1/iot/terminals/{terminal.id}/rotate", json={}, expect=403
        )
        await world.call(who, "POST", f"/api/v1/iot/terminals/{terminal.id}/revoke", expect=403)
    await world.call("eng_a", "GET", "/api/v1/iot/terminals", expect=403)
    await world.call("dispatcher", "GET", "/api/v1/iot/terminals", expect=200)


async def test_a_device_code_is_unique_in_a_tenant_and_the_asset_must_be_ours(
    world: World, other_world: World
) -> None:
    await world.register_terminal("CS-FR-0099")
    again = {"asset_id": str(world.asset_id), "device_code": "CS-FR-0099"}
    refused = await world.call("admin", "POST", "/api/v1/iot/terminals", json=again, expect=409)
    assert refused.json()["error"]["code"] == "already_exists"
    await other_world.register_terminal("CS-FR-0099")  # another tenant may use the code
    theirs = {"asset_id": str(other_world.asset_id), "device_code": "T-x"}
    refused = await world.call("admin", "POST", "/api/v1/iot/terminals", json=theirs, expect=422)
    assert refused.json()["error"]["code"] == "invalid_reference"


async def test_thresholds_changes_raise_the_config_version_the_terminal_pulls(
    world: World,
) -> None:
    terminal = await world.register_terminal(thresholds={"over_temperature": -18.0})
    pulled = (await terminal.send("GET", "/api/v1/iot/sync/config/pull", expect=200)).json()
    assert pulled["documents"][0]["thresholds"] == {"over_temperature": -18.0}
    checkpoint = pulled["checkpoint"]
    path = f"/api/v1/iot/sync/config/pull?checkpoint={checkpoint}"
    assert (await terminal.send("GET", path, expect=200)).json()["documents"] == []
    await world.call(
        "admin",
        "PATCH",
        f"/api/v1/iot/terminals/{terminal.id}",
        json={"thresholds": {"over_temperature": -20.0}},
        expect=200,
    )
    pulled = (await terminal.send("GET", path, expect=200)).json()
    assert pulled["documents"][0]["thresholds"] == {"over_temperature": -20.0}
    assert int(pulled["checkpoint"]) == int(checkpoint) + 1


async def test_heartbeat_records_last_seen_and_answers_the_config(world: World) -> None:
    terminal = await world.register_terminal(thresholds={"door_open": 300.0})
    answer = (
        await terminal.send(
            "POST",
            "/api/v1/iot/heartbeat",
            {"firmware": "2.4.1", "uptime_seconds": 3600, "signal_dbm": -71},
            expect=200,
        )
    ).json()
    assert answer["config"]["thresholds"] == {"door_open": 300.0}
    shown = (
        await world.call("admin", "GET", f"/api/v1/iot/terminals/{terminal.id}", expect=200)
    ).json()
    assert shown["last_seen_at"] is not None
    assert shown["firmware"] == "2.4.1"
    assert shown["last_heartbeat"]["signal_dbm"] == -71


# Signed requests -------------------------------------------------------------------------------


async def _post(terminal: Terminal, headers: dict[str, str], body: bytes) -> Any:
    return await terminal.client.post("/api/v1/iot/alarms", content=body, headers=headers)


def _body() -> bytes:
    return json.dumps({"alarms": [alarm()]}).encode()


def _code(response: Any) -> str:
    return str(response.json()["error"]["code"])


async def test_a_wrong_signature_is_refused(world: World) -> None:
    terminal = await world.register_terminal()
    body = _body()
    headers = terminal.headers("POST", "/api/v1/iot/alarms", body)
    tampered = body.replace(b"-12.5", b"-22.5")
    response = await _post(terminal, headers, tampered)
    assert (response.status_code, _code(response)) == (401, "signature_invalid")
    other_path = terminal.headers("POST", "/api/v1/iot/heartbeat", body)
    response = await _post(terminal, other_path, body)
    assert (response.status_code, _code(response)) == (401, "signature_invalid")


async def test_a_timestamp_outside_five_minutes_is_refused(world: World) -> None:
    terminal = await world.register_terminal()
    body = _body()
    for skew in (-301, 301):
        headers = terminal.headers(
            "POST", "/api/v1/iot/alarms", body, timestamp=int(time.time()) + skew
        )
        response = await _post(terminal, headers, body)
        assert (response.status_code, _code(response)) == (401, "timestamp_out_of_window")
    headers = terminal.headers("POST", "/api/v1/iot/alarms", body, timestamp=int(time.time()) - 250)
    assert (await _post(terminal, headers, body)).status_code == 200


async def test_a_replayed_request_is_refused_even_with_a_good_signature(world: World) -> None:
    terminal = await world.register_terminal()
    body = _body()
    headers = terminal.headers("POST", "/api/v1/iot/alarms", body)
    assert (await _post(terminal, headers, body)).status_code == 200
    replay = await _post(terminal, headers, body)
    assert (replay.status_code, _code(replay)) == (401, "request_replayed")


async def test_unknown_and_revoked_terminals_are_refused(world: World) -> None:
    terminal = await world.register_terminal()
    body = _body()
    stranger = Terminal(world.client, str(uuid.uuid4()), terminal.secret, "X", terminal.asset_id)
    response = await _post(stranger, stranger.headers("POST", "/api/v1/iot/alarms", body), body)
    assert (response.status_code, _code(response)) == (401, "terminal_unknown")
    await world.call("admin", "POST", f"/api/v1/iot/terminals/{terminal.id}/revoke", expect=200)
    response = await _post(terminal, terminal.headers("POST", "/api/v1/iot/alarms", body), body)
    assert (response.status_code, _code(response)) == (401, "terminal_revoked")


async def test_missing_headers_and_bad_nonces_are_refused(world: World) -> None:
    terminal = await world.register_terminal()
    body = _body()
    response = await world.client.post("/api/v1/iot/alarms", content=body)
    assert (response.status_code, _code(response)) == (401, "not_authenticated")
    assert "x-signature" in response.json()["error"]["details"]["missing_headers"]
    headers = terminal.headers("POST", "/api/v1/iot/alarms", body)
    for nonce in ("x" * 65, "has space"):
        bad = {**headers, "X-Nonce": nonce}
        response = await _post(terminal, bad, body)
        assert response.status_code == 401
    staff = await world.client.post(
        "/api/v1/iot/alarms", content=body, headers=world.headers["admin"]
    )
    assert staff.status_code == 401  # a staff token is not a terminal's signature


async def test_rotation_keeps_the_old_secret_for_the_grace_period_only(world: World) -> None:
    terminal = await world.register_terminal()
    url = f"/api/v1/iot/terminals/{terminal.id}/rotate"
    rotated = (
        await world.call("admin", "POST", url, json={"grace_seconds": 600}, expect=200)
    ).json()
    new = Terminal(
        world.client, terminal.id, rotated["secret"], terminal.device_code, terminal.asset_id
    )
    assert rotated["secret"] != terminal.secret
    assert rotated["terminal"]["previous_secret_valid_until"] is not None
    await terminal.post_alarms(alarm())  # the old secret, within the grace period
    await new.post_alarms(alarm())
    await world.call("admin", "POST", url, json={"grace_seconds": 0}, expect=200)
    body = _body()
    response = await _post(new, new.headers("POST", "/api/v1/iot/alarms", body), body)
    assert (response.status_code, _code(response)) == (401, "signature_invalid")
    response = await _post(terminal, terminal.headers("POST", "/api/v1/iot/alarms", body), body)
    assert (response.status_code, _code(response)) == (401, "signature_invalid")


async def test_a_past_grace_period_refuses_the_old_secret(world: World) -> None:
    terminal = await world.register_terminal()
    url = f"/api/v1/iot/terminals/{terminal.id}/rotate"
    await world.call("admin", "POST", url, json={"grace_seconds": 1}, expect=200)
    db = world.client.app.state.services.db
    await db.execute(
        Statement(
            "UPDATE device_registry_terminal SET previous_secret_valid_until = :t WHERE id = :id"
        ),
        t=datetime.now(UTC) - timedelta(seconds=1),
        id=uuid.UUID(terminal.id),
    )
    body = _body()
    response = await _post(terminal, terminal.headers("POST", "/api/v1/iot/alarms", body), body)
    assert (response.status_code, _code(response)) == (401, "signature_invalid")
