"""compose.yaml: valid against the Compose specification, and wired as documented."""

from __future__ import annotations

import re
import subprocess
from typing import Any

from tests.support.delivery import load_yaml
from tests.support.paths import REPO_ROOT
from tests.support.tools import tool

COMPOSE = REPO_ROOT / "compose.yaml"
SEED_VARIABLES = {
    "CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS",
    "CONDUCTOR_REDIS_HOSTS",
    "SPRING_DATASOURCE_URL",
    "SPRING_DATASOURCE_USERNAME",
    "SPRING_DATASOURCE_PASSWORD",
}
LONG_RUNNING = {"postgres", "redis", "conductor-server", "conductor-ui"}


def services() -> dict[str, Any]:
    services: dict[str, Any] = load_yaml(COMPOSE)["services"]
    return services


def test_matches_the_compose_specification() -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_server_gets_the_seed_variables_and_a_named_schema() -> None:
    server = services()["conductor-server"]
    environment = server["environment"]
    assert set(environment) == SEED_VARIABLES
    assert environment["CONDUCTOR_REDIS_HOSTS"] == "redis:6379:local"
    assert environment["CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS"] == "redis://redis:6379"
    assert environment["SPRING_DATASOURCE_URL"].startswith("jdbc:postgresql://postgres:5432/")
    assert "currentSchema=conductor" in environment["SPRING_DATASOURCE_URL"]
    assert server["build"]["context"] == "docker/server"
    assert server["read_only"] is True and server["tmpfs"] == ["/tmp"]
    for dependency in ("postgres", "redis"):
        assert server["depends_on"][dependency] == {"condition": "service_healthy"}


def test_the_ui_points_at_the_server() -> None:
    ui = services()["conductor-ui"]
    assert ui["environment"]["CONDUCTOR_BASE_URL"] == "http://conductor-server:8080"
    assert ui["build"]["context"] == "docker/ui"


def test_the_migrator_runs_once_after_the_server_is_healthy() -> None:
    migrator = services()["workflow-migrator"]
    assert migrator["depends_on"] == {"conductor-server": {"condition": "service_healthy"}}
    assert migrator["restart"] == "no"
    assert migrator["environment"]["CONDUCTOR_BASE_URL"] == "http://conductor-server:8080"
    assert "APP_ENV" in migrator["environment"]
    assert migrator["build"]["context"] == "."
    assert "healthcheck" not in migrator


def test_every_long_running_service_has_a_healthcheck() -> None:
    for name in LONG_RUNNING:
        healthcheck = services()[name]["healthcheck"]
        assert healthcheck["test"][0] == "CMD", name


def test_data_lives_in_named_volumes() -> None:
    compose = load_yaml(COMPOSE)
    assert set(compose["volumes"]) == {"postgres-data", "redis-data"}
    assert services()["postgres"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert services()["redis"]["volumes"] == ["redis-data:/data"]


def test_no_secret_is_written_in_the_file() -> None:
    for name, service in services().items():
        for variable, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|TOKEN", variable):
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", str(value)), (name, variable)


def test_env_example_names_every_variable_the_file_requires() -> None:
    required = set(re.findall(r"\$\{([A-Z_]+):\?", COMPOSE.read_text()))
    example = (REPO_ROOT / ".env.example").read_text()
    for variable in required:
        assert re.search(rf"^{variable}=$", example, re.M), variable


def test_third_party_images_are_pinned_by_digest() -> None:
    for name in ("postgres", "redis"):
        assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", services()[name]["image"])
