"""Settings from the environment, and the ``fieldops`` CLI run as an operator runs it."""

import json
import os
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from mobile_contract import CONTRACT_VERSION
from server.admin import DEMO_PASSWORD, DEMO_USERS
from server.app import create_app
from server.settings import ENV_NAMES, Settings, SettingsError
from server.tables import ALL_TABLES
from tests.conftest import (
    TEST_SECRET,
    backend,
    create_postgres_database,
    drop_postgres_database,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = "s" * 40

# Settings ------------------------------------------------------------------------------------


def test_defaults_apply_when_nothing_is_set() -> None:
    settings = Settings.from_env({"FIELDOPS_SECRET_KEY": SECRET})
    assert settings == Settings(secret_key=SECRET)
    assert settings.dev_mode is False
    assert settings.database_url == "sqlite:///var/fieldops.db"
    assert settings.port == 8000
    assert settings.max_request_bytes == 1_048_576
    assert settings.access_token_ttl_seconds == 900
    assert settings.trust_forwarded_for is False


def test_every_setting_has_an_environment_variable() -> None:
    assert set(ENV_NAMES) == {field.name for field in fields(Settings)}


def test_values_are_parsed_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "FIELDOPS_SECRET_KEY": SECRET,
            "DATABASE_URL": "postgresql://u@db:5432/fieldops",
            "FIELDOPS_VAR_DIR": str(tmp_path),
            "FIELDOPS_PORT": "9001",
            "FIELDOPS_MAX_REQUEST_BYTES": "2048",
            "FIELDOPS_TRUST_FORWARDED_FOR": "yes",
            "FIELDOPS_DEV_MODE": "0",
            "FIELDOPS_LOG_LEVEL": "debug",
            "UNRELATED": "ignored",
        }
    )
    assert settings.database_url == "postgresql://u@db:5432/fieldops"
    assert settings.var_dir == tmp_path
    assert settings.port == 9001
    assert settings.max_request_bytes == 2048
    assert settings.trust_forwarded_for is True
    assert settings.dev_mode is False
    assert settings.log_level == "debug"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FIELDOPS_PORT", "eighty"),
        ("FIELDOPS_PORT", "0"),
        ("FIELDOPS_PORT", "-5"),
        ("FIELDOPS_DEV_MODE", "maybe"),
        ("FIELDOPS_TRUST_FORWARDED_FOR", "2"),
        ("FIELDOPS_MAX_REQUEST_BYTES", "1.5"),
        ("FIELDOPS_ACCESS_TOKEN_TTL_SECONDS", ""),
        ("FIELDOPS_DB_POOL_SIZE", "many"),
    ],
)
def test_a_malformed_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"FIELDOPS_SECRET_KEY": SECRET, variable: value})
    assert str(caught.value).startswith(f"{variable}:")


def test_a_secret_is_required_outside_dev_mode() -> None:
    for environ in ({}, {"FIELDOPS_DEV_MODE": "false"}, {"FIELDOPS_SECRET_KEY": ""}):
        with pytest.raises(SettingsError, match="FIELDOPS_SECRET_KEY"):
            Settings.from_env(environ)
    assert Settings.from_env({"FIELDOPS_DEV_MODE": "true"}).secret_key == ""


def test_a_short_secret_is_refused_even_in_dev_mode() -> None:
    for dev in ("true", "false"):
        with pytest.raises(SettingsError, match=r"FIELDOPS_SECRET_KEY.*32"):
            Settings.from_env({"FIELDOPS_DEV_MODE": dev, "FIELDOPS_SECRET_KEY": "x" * 31})
    assert Settings.from_env({"FIELDOPS_SECRET_KEY": "x" * 32}).signing_key() == "x" * 32


def test_the_embedded_database_lives_in_the_var_dir_unless_told_otherwise(tmp_path: Path) -> None:
    dev = {"FIELDOPS_DEV_MODE": "true"}
    assert Settings.from_env(dev).database_url == "sqlite:///var/fieldops.db"
    placed = Settings.from_env({**dev, "FIELDOPS_VAR_DIR": str(tmp_path / "state")})
    assert placed.database_url == f"sqlite:///{tmp_path / 'state' / 'fieldops.db'}"
    told = {**dev, "FIELDOPS_VAR_DIR": str(tmp_path), "DATABASE_URL": "sqlite:///elsewhere.db"}
    assert Settings.from_env(told).database_url == "sqlite:///elsewhere.db"


def test_dev_mode_generates_a_key_once_and_keeps_it(tmp_path: Path) -> None:
    var_dir = tmp_path / "var" / "nested"
    settings = Settings.from_env({"FIELDOPS_DEV_MODE": "true", "FIELDOPS_VAR_DIR": str(var_dir)})
    key = settings.signing_key()
    assert len(key) >= 32
    assert settings.signing_key() == key
    # Another process (a new Settings) reads the same key from var_dir.
    again = Settings.from_env({"FIELDOPS_DEV_MODE": "true", "FIELDOPS_VAR_DIR": str(var_dir)})
    assert again.signing_key() == key
    key_file = var_dir / "secret_key"
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # A different var_dir gets a different key.
    other = Settings(dev_mode=True, var_dir=tmp_path / "other")
    assert other.signing_key() != key


# CLI -----------------------------------------------------------------------------------------


def fieldops(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr


@pytest.fixture
async def cli_database(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the run's backend (SQLite file or throwaway PostgreSQL)."""
    if backend() == "postgres":
        url = await create_postgres_database()
        yield url
        await drop_postgres_database(url)
    else:
        yield f"sqlite:///{tmp_path / 'cli' / 'fieldops.db'}"


@pytest.fixture
def cli_env(cli_database: str, tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ENV_NAMES.values() and key != "FIELDOPS_NEW_PASSWORD"
    }
    env.update(
        {
            "DATABASE_URL": cli_database,
            "FIELDOPS_SECRET_KEY": TEST_SECRET,
            "FIELDOPS_VAR_DIR": str(tmp_path / "var"),
        }
    )
    return env


@asynccontextmanager
async def app_on(database_url: str, app: Litestar, tmp_path: Path) -> AsyncIterator[Any]:
    """A second app on the CLI's database. Its lifespan binds the global tables to its engine,
    so the session app's binding is restored afterwards."""
    other = create_app(
        Settings(
            dev_mode=True,
            database_url=database_url,
            secret_key=TEST_SECRET,
            var_dir=tmp_path / "app-var",
        )
    )
    try:
        async with AsyncTestClient(app=other) as client:
            yield client
    finally:
        app.state.services.db.bind(ALL_TABLES)


async def login(client: Any, tenant: str, username: str, password: str) -> Any:
    return await client.post(
        "/api/v1/auth/login",
        json={"tenant": tenant, "username": username, "password": password, "device_id": "cli"},
    )


async def test_operator_sets_up_a_tenant_and_a_user(
    cli_env: dict[str, str], cli_database: str, app: Litestar, tmp_path: Path
) -> None:
    ok(fieldops(cli_env, "migrate"))
    out = ok(fieldops(cli_env, "create-tenant", "acme", "Acme"))
    assert out.startswith("tenant acme created: ")

    duplicate = refused(fieldops(cli_env, "create-tenant", "acme", "Acme again"))
    assert "acme" in duplicate
    assert "already exists" in duplicate
    # The language of its on-call alerts: zh-CN unless told otherwise.
    ok(fieldops(cli_env, "create-tenant", "globex", "Globex", "--locale", "en"))
    assert "invalid choice: 'fr'" in refused(
        fieldops(cli_env, "create-tenant", "initech", "Initech", "--locale", "fr")
    )

    with_password = {**cli_env, "FIELDOPS_NEW_PASSWORD": "forty-two lanterns"}
    out = ok(
        fieldops(
            with_password,
            "create-user",
            "acme",
            "bob",
            "--role",
            "dispatcher",
            "--display-name",
            "Bob",
        )
    )
    assert out.startswith("user bob (dispatcher) created: ")

    again = refused(
        fieldops(
            with_password, "create-user", "acme", "bob", "--role", "engineer", "--display-name", "B"
        )
    )
    assert "bob" in again
    assert "already exists" in again
    no_tenant = refused(
        fieldops(
            with_password, "create-user", "nope", "amy", "--role", "engineer", "--display-name", "A"
        )
    )
    assert "nope" in no_tenant
    assert "not found" in no_tenant
    weak = refused(
        fieldops(
            {**cli_env, "FIELDOPS_NEW_PASSWORD": "short"},
            "create-user",
            "acme",
            "amy",
            "--role",
            "engineer",
            "--display-name",
            "Amy",
        )
    )
    assert "password" in weak
    assert ">= 8" in weak  # the password length rule, as the API applies it
    no_password = refused(
        fieldops(cli_env, "create-user", "acme", "amy", "--role", "engineer", "--display-name", "A")
    )
    assert "password" in no_password
    bad_role = fieldops(
        with_password, "create-user", "acme", "amy", "--role", "god", "--display-name", "A"
    )
    assert bad_role.returncode == 2
    assert "--role" in bad_role.stderr

    async with app_on(cli_database, app, tmp_path) as client:
        response = await login(client, "acme", "bob", "forty-two lanterns")
        assert response.status_code == 200, response.text
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        me = (await client.get("/api/v1/me", headers=headers)).json()
        assert (me["tenant"], me["username"], me["display_name"], me["role"]) == (
            "acme",
            "bob",
            "Bob",
            "dispatcher",
        )
        # The refused user was not created.
        assert (await login(client, "acme", "amy", "long-enough-pw")).status_code == 401


async def test_demo_is_idempotent_and_prints_credentials(
    cli_env: dict[str, str], cli_database: str, app: Litestar, tmp_path: Path
) -> None:
    ok(fieldops(cli_env, "migrate"))
    first = ok(fieldops(cli_env, "demo"))
    second = ok(fieldops(cli_env, "demo"))
    for out in (first, second):
        assert "Demo tenant 'demo'" in out
        assert repr(DEMO_PASSWORD) in out
        for username, _, role, _, _ in DEMO_USERS:
            assert username in out
            assert role.value in out
    async with app_on(cli_database, app, tmp_path) as client:
        response = await login(client, "demo", "dispatch", DEMO_PASSWORD)
        assert response.status_code == 200, response.text
        dispatcher = {"Authorization": f"Bearer {response.json()['access_token']}"}
        orders = (await client.get("/api/v1/work-orders", headers=dispatcher)).json()["items"]
        assert len(orders) == 3  # created once, not twice
        assert sorted(o["status"] for o in orders) == ["assigned", "in_progress", "new"]
        admin_tokens = (await login(client, "demo", "admin", DEMO_PASSWORD)).json()
        admin = {"Authorization": f"Bearer {admin_tokens['access_token']}"}
        users = (await client.get("/api/v1/users", headers=admin)).json()["items"]
        assert sorted(u["username"] for u in users) == sorted(u[0] for u in DEMO_USERS)


def test_migrate_twice_succeeds(cli_env: dict[str, str]) -> None:
    ok(fieldops(cli_env, "migrate"))
    ok(fieldops(cli_env, "migrate"))


def test_commands_refuse_to_run_without_a_secret(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ENV_NAMES.values()}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    result = fieldops(env, "migrate")
    assert result.returncode != 0
    assert "FIELDOPS_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()
    bad_port = fieldops({**env, "FIELDOPS_SECRET_KEY": SECRET, "FIELDOPS_PORT": "http"}, "migrate")
    assert bad_port.returncode != 0
    assert "FIELDOPS_PORT" in bad_port.stderr


def test_contract_export_prints_the_contract(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ENV_NAMES.values()}
    result = fieldops(env, "contract", "export", "--output", "-")
    contract = json.loads(ok(result))
    assert contract["contract_version"] == CONTRACT_VERSION
    assert {"WorkOrder", "TokenPair", "ErrorEnvelope"} <= set(contract["components"])
    target = tmp_path / "contract.json"
    ok(fieldops(env, "contract", "export", "--output", str(target)))
    assert json.loads(target.read_text()) == contract
