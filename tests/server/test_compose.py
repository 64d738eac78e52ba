"""The docker-compose stack and its Dockerfile, checked by reading them: this machine has no
Docker engine, so a misnamed variable, a wrong dependency order or an unhashed install would
otherwise surface only on the first deployment."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.settings import ENV_NAMES, Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "api", "worker", "mqtt")
SUBSTITUTION = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def environment(service: str) -> dict[str, str]:
    env = services()[service].get("environment", {})
    if isinstance(env, list):
        env = dict(entry.split("=", 1) for entry in env)
    return env


def interpolate(value: str, shell: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}``, against ``shell``."""

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if shell.get(name):
            return shell[name]
        assert kind == "-", f"${{{name}}} has no default and is not set"
        return rest

    return SUBSTITUTION.sub(one, value)


def test_the_stack_has_its_services() -> None:
    expected = {"postgres", "minio", "minio-init", "migrate", "api", "worker", "mosquitto", "mqtt"}
    assert expected <= set(services())
    commands = [("migrate", "migrate"), ("api", "serve"), ("worker", "worker"), ("mqtt", "mqtt")]
    for name, command in commands:
        assert services()[name]["build"] == ".", name  # the image of ./Dockerfile
        assert " ".join(services()[name]["command"]) == f"fieldops {command}"
    assert services()["migrate"]["restart"] == "no"


def test_every_app_variable_is_one_the_settings_read() -> None:
    known = set(ENV_NAMES.values())
    for name in services():
        for key in environment(name):
            if key.startswith("FIELDOPS_") or key == "DATABASE_URL":
                assert key in known, f"{name}: {key} is not read by server/settings.py"
    # Push credentials are optional: present only as comments.
    for name in APP_SERVICES:
        assert not [key for key in environment(name) if "_APNS_" in key or "_FCM_" in key]


@pytest.mark.parametrize("service", APP_SERVICES)
def test_the_settings_accept_the_environment(service: str) -> None:
    env = environment(service)
    assert env["FIELDOPS_SECRET_KEY"].startswith("${FIELDOPS_SECRET_KEY:?")
    shell = {"FIELDOPS_SECRET_KEY": "k" * 40}
    settings = Settings.from_env({key: interpolate(value, shell) for key, value in env.items()})
    assert settings.database_url.startswith("postgresql://fieldops:")
    assert settings.database_url.endswith("@postgres:5432/fieldops")
    assert (settings.media_store, settings.s3_endpoint) == ("s3", "http://minio:9000")
    assert settings.s3_public_endpoint == "http://localhost:9000"
    assert settings.public_url
    minio = environment("minio")
    assert env["FIELDOPS_S3_ACCESS_KEY"] == minio["MINIO_ROOT_USER"]
    assert env["FIELDOPS_S3_SECRET_KEY"] == minio["MINIO_ROOT_PASSWORD"]


def test_services_start_in_order() -> None:
    def conditions(name: str) -> dict[str, str]:
        return {dep: spec["condition"] for dep, spec in services()[name]["depends_on"].items()}

    done = "service_completed_successfully"
    assert conditions("minio-init") == {"minio": "service_healthy"}
    # migrate sets the bucket's lifecycle rules too: the bucket must exist by then.
    assert conditions("migrate") == {"postgres": "service_healthy", "minio-init": done}
    assert conditions("api") == {"migrate": done, "minio-init": done}
    assert conditions("worker") == {"migrate": done}
    assert conditions("mqtt") == {"migrate": done, "mosquitto": "service_started"}
    for name in ("postgres", "minio", "api"):
        assert services()[name]["healthcheck"]["test"], name
    assert "pg_isready" in services()["postgres"]["healthcheck"]["test"]
    assert "/health/ready" in " ".join(services()["api"]["healthcheck"]["test"])


def test_minio_init_creates_the_apps_bucket() -> None:
    script = " ".join(services()["minio-init"]["command"])
    assert "mc alias set" in script
    created = re.findall(r"mc mb --ignore-existing --with-lock \S+?/(\S+)", script)
    assert created == [environment("api")["FIELDOPS_S3_BUCKET"]]


def test_the_worker_alone_runs_the_push_relay() -> None:
    assert "worker" in services()
    assert environment("api")["FIELDOPS_PUSH_RELAY_IN_PROCESS"] == "false"


def test_the_image_installs_the_hashed_lock_and_drops_root() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users, "the image runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert 'CMD ["fieldops", "serve"]' in dockerfile
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert {".venv", "var", ".git", "tests/e2e/rxdb/node_modules"} <= set(ignored)


def test_the_mqtt_ingest_reaches_the_stacks_broker() -> None:
    settings = Settings.from_env(
        {**environment("mqtt"), "FIELDOPS_SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite://"}
    )
    assert settings.mqtt_url == "mqtt://mosquitto:1883"
    mounted = services()["mosquitto"]["volumes"][0].split(":")[0]
    config = (REPO_ROOT / mounted).read_text()
    assert "listener 1883" in config
    assert "persistence true" in config
