"""Bad values are refused before anything is rendered, each with a message that names the
value and what to do: by values.schema.json, then by the charts' own checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

from tests.support.charts import VALUES_DIR, render


def _defaults(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((VALUES_DIR / name).read_text())
    return loaded


def _refusal(charts_dir: Path, chart: str, values: dict[str, Any]) -> str:
    with pytest.raises((helm.HelmValuesError, helm.HelmRenderError)) as caught:
        render(charts_dir, chart, values)
    return str(caught.value)


SERVER = _defaults("server-defaults.yaml")
UI = _defaults("ui-defaults.yaml")
MIGRATOR = _defaults("migrator-defaults.yaml")


# --------------------------------------------------------------------------- schema

@pytest.mark.parametrize(("chart", "values", "expected"), [
    ("conductor-server", {**SERVER, "replicaCount": "two"},
     ["at '/replicaCount'", "got string, want integer"]),
    ("conductor-server", {**SERVER, "externalRedis": {"host": "redis", "port": "6379"}},
     ["at '/externalRedis/port'", "got string, want integer"]),
    ("conductor-ui", {**UI, "service": {"ports": {"http": "eighty"}}},
     ["at '/service/ports/http'", "want integer"]),
    ("workflow-migrator", {**MIGRATOR, "waitTimeoutSeconds": True},
     ["at '/waitTimeoutSeconds'", "got boolean, want integer"]),
], ids=["server-replicas", "server-redis-port", "ui-service-port", "migrator-wait-timeout"])
def test_schema_refuses_a_wrong_type(charts_dir: Path, chart: str, values: dict[str, Any],
                                     expected: list[str]) -> None:
    message = _refusal(charts_dir, chart, values)
    assert "values don't meet the specifications of the schema" in message
    for part in expected:
        assert part in message


def test_schema_refuses_a_missing_database_secret(charts_dir: Path) -> None:
    values = {"externalDatabase": {"host": "pg"}, "externalRedis": {"host": "redis"}}
    message = _refusal(charts_dir, "conductor-server", values)
    # Either of the two ways to give the password satisfies it, and the message names both.
    assert "at '/externalDatabase'" in message
    assert "at '/externalDatabase/password'" in message
    assert "at '/externalDatabase/existingSecret'" in message


def test_schema_accepts_an_existing_secret_instead_of_a_password(charts_dir: Path) -> None:
    values = {"externalDatabase": {"host": "pg", "existingSecret": "db"},
              "externalRedis": {"host": "redis"}}
    assert render(charts_dir, "conductor-server", values)


@pytest.mark.parametrize(("chart", "values", "expected"), [
    ("conductor-server", {**SERVER, "replicas": 3}, "at '': additional properties 'replicas'"),
    ("conductor-server", {**SERVER, "externalDatabase": {**SERVER["externalDatabase"],
                                                         "pasword": "x"}},
     "at '/externalDatabase': additional properties 'pasword'"),
    ("conductor-ui", {**UI, "ingress": {"enable": True}},
     "at '/ingress': additional properties 'enable'"),
    ("workflow-migrator", {**MIGRATOR, "job": {"backoff": 1}},
     "at '/job': additional properties 'backoff'"),
    ("conductor-stack", {"conductor-servr": {}}, "at '': additional properties 'conductor-servr'"),
], ids=["server-top", "server-nested-typo", "ui-ingress", "migrator-job", "stack-top"])
def test_schema_refuses_an_unknown_key(charts_dir: Path, chart: str, values: dict[str, Any],
                                       expected: str) -> None:
    assert expected in _refusal(charts_dir, chart, values)


def test_schema_refuses_a_privileged_container(charts_dir: Path) -> None:
    values = {**SERVER, "containerSecurityContext": {"privileged": True}}
    assert "at '/containerSecurityContext/privileged'" in _refusal(
        charts_dir, "conductor-server", values)


def test_umbrella_validates_its_subcharts_values(charts_dir: Path) -> None:
    values = {"conductor-server": {**SERVER, "replicaCount": "two"}}
    message = _refusal(charts_dir, "conductor-stack", values)
    assert "conductor-server" in message and "at '/replicaCount'" in message


# --------------------------------------------------------------------------- chart checks

def _validation(charts_dir: Path, chart: str, values: dict[str, Any]) -> str:
    message = _refusal(charts_dir, chart, values)
    assert "VALUES VALIDATION:" in message
    return message


def test_server_requires_its_hosts(charts_dir: Path) -> None:
    message = _validation(charts_dir, "conductor-server", {"externalDatabase": {"password": "x"}})
    assert "conductor-server: externalDatabase.host" in message
    assert "conductor-server: externalRedis.host" in message  # every problem at once


def test_server_refuses_the_public_schema(charts_dir: Path) -> None:
    values = {**SERVER, "externalDatabase": {**SERVER["externalDatabase"], "schema": "public"}}
    message = _validation(charts_dir, "conductor-server", values)
    assert "conductor-server: externalDatabase.schema" in message
    assert "must not use the public schema" in message


def test_server_refuses_a_redis_password_that_breaks_the_hosts_format(charts_dir: Path) -> None:
    values = {**SERVER, "externalRedis": {"host": "redis", "password": "a:b"}}
    assert "at '/externalRedis/password'" in _refusal(charts_dir, "conductor-server", values)


def test_ui_requires_the_server_url(charts_dir: Path) -> None:
    message = _validation(charts_dir, "conductor-ui", {})
    assert "conductor-ui: conductorBaseUrl" in message
    assert "The Conductor server's URL is required" in message


@pytest.mark.parametrize("url", ["conductor-server:8080", "ftp://conductor-server",
                                 "http://conductor-server:99999"])
def test_ui_refuses_a_url_nginx_cannot_proxy_to(charts_dir: Path, url: str) -> None:
    message = _validation(charts_dir, "conductor-ui", {"conductorBaseUrl": url})
    assert f"'{url}' is not an http(s)://host[:port] URL:" in message


def test_ui_refuses_a_url_with_a_path(charts_dir: Path) -> None:
    message = _validation(charts_dir, "conductor-ui",
                          {"conductorBaseUrl": "http://conductor-server:8080/api"})
    assert "is not an http(s)://host[:port] URL without a path" in message
    assert "nginx passes /api/... to it as it is" in message


def test_migrator_takes_a_url_with_a_path(charts_dir: Path) -> None:
    """The migrator reaches a server behind a path prefix, and strips a trailing /api."""
    assert render(charts_dir, "workflow-migrator",
                  {**MIGRATOR, "conductorBaseUrl": "https://gateway.example.com/conductor/api"})


def test_migrator_requires_the_server_url(charts_dir: Path) -> None:
    assert "workflow-migrator: conductorBaseUrl" in _validation(charts_dir, "workflow-migrator", {})


def test_migrator_deadline_must_outlast_its_wait(charts_dir: Path) -> None:
    values = {**MIGRATOR, "waitTimeoutSeconds": 600, "job": {"activeDeadlineSeconds": 300}}
    message = _validation(charts_dir, "workflow-migrator", values)
    assert "workflow-migrator: job.activeDeadlineSeconds" in message


def test_migrator_values_source_needs_definitions(charts_dir: Path) -> None:
    values = {**MIGRATOR, "processes": {"source": "values"}}
    assert "workflow-migrator: processes.tasks" in _validation(
        charts_dir, "workflow-migrator", values)


def test_lint_alone_misses_a_required_value(charts_dir: Path) -> None:
    """Why the tests render as well as lint: Helm's lint does not report a failed check."""
    report = helm.lint(charts_dir / "conductor-ui", {})
    assert report["errors"] == []
