"""The server chart's wiring is real: the environment the chart renders for the server,
with its Secret references resolved from the rendered Secret, starts a real Conductor on
the production-like stack's Redis and PostgreSQL, and every probe path the chart renders
answers.

The server here is conductor-oss 3.32.3 with the repository's properties file (the stack's
`run-server`), not the Orkes v1.1.12 image: this proves the chart's wiring (variable names,
secret resolution, URL forms, probe paths), not the image.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.charts import parse, render, resolve_env, secret_data
from tests.support.stacks import STACK_SCRIPT, Stack, free_port

pytestmark = [pytest.mark.production_like, pytest.mark.slow]

ROLE = DATABASE = "chart_wiring"
SCHEMA = "conductor"  # the schema the server's properties file migrates
QUEUE_PREFIX = "chart_wiring_queues"
START_TIMEOUT = float(os.environ.get("CONDUCTOR_STACK_TIMEOUT", "300"))


def _psql(admin_url: str, database: str, sql: str) -> str:
    url = admin_url.rsplit("/", 1)[0] + "/" + database
    result = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def own_database(production_like_stack: Stack) -> Iterator[str]:
    """A database and login role of this test's own on the stack's PostgreSQL, provisioned
    as the image expects (a dedicated schema, nothing in public), so this server's migrations
    and data stay apart from the stack's own server. Yields the role's password."""
    admin = production_like_stack.status["POSTGRES_ADMIN_URL"]
    password = secrets.token_urlsafe(18)
    _psql(admin, "postgres", f"CREATE ROLE {ROLE} LOGIN PASSWORD '{password}'")
    _psql(admin, "postgres", f"CREATE DATABASE {DATABASE}")
    _psql(admin, DATABASE, ";".join([
        f"REVOKE ALL ON DATABASE {DATABASE} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {DATABASE} TO {ROLE}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"CREATE SCHEMA {SCHEMA}",
        f"GRANT USAGE, CREATE ON SCHEMA {SCHEMA} TO {ROLE}",
    ]))
    try:
        yield password
    finally:
        _psql(admin, "postgres", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        _psql(admin, "postgres", f"DROP ROLE IF EXISTS {ROLE}")


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


def _call(method: str, url: str, body: Any) -> str:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: bytes = response.read()
    return answer.decode()


@contextlib.contextmanager
def _server_from_chart(values: dict[str, Any], charts_dir: Path,
                       tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Renders the server chart with `values`, starts the real server with exactly the
    environment it renders (Secret references resolved from the rendered Secret), waits
    until every probe path of the rendered Deployment answers 200, and yields the server's
    base URL and that environment."""
    objects = parse(render(charts_dir, "conductor-server", values))
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    chart_env = resolve_env(container, secret_data(objects))

    # Exactly the chart's environment, plus what any process needs to find its programs.
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(chart_env)
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(STACK_SCRIPT), "run-server", "--port", str(port), "--profile",
             "redis-postgres", "--state-dir", str(tmp_path / "state")],
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        probes = {name: container[name]["httpGet"]["path"]
                  for name in ("startupProbe", "readinessProbe", "livenessProbe")}
        deadline = time.monotonic() + START_TIMEOUT
        answers: dict[str, int] = {}
        while time.monotonic() < deadline:
            answers = {name: _status(base + path) for name, path in probes.items()}
            if all(code == 200 for code in answers.values()):
                break
            if server.poll() is not None:
                pytest.fail(f"the server exited ({server.returncode}):\n"
                            + log_path.read_text(errors="replace")[-4000:])
            time.sleep(2)
        else:
            pytest.fail(f"probes {probes} answered {answers} after {START_TIMEOUT:.0f}s:\n"
                        + log_path.read_text(errors="replace")[-4000:])
        yield base, chart_env
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


def _queue_a_task(base: str, redis_cli: list[str]) -> list[str]:
    """Starts a one-task workflow; returns the Redis keys of this server's queue namespace
    once the task's queue shows up there."""
    _call("POST", f"{base}/api/metadata/taskdefs",
          [{"name": "chart_wiring_task", "ownerEmail": "charts@example.com",
            "retryCount": 0, "timeoutSeconds": 60, "responseTimeoutSeconds": 30}])
    _call("POST", f"{base}/api/metadata/workflow",
          {"name": "chart_wiring_flow", "version": 1, "schemaVersion": 2,
           "ownerEmail": "charts@example.com",
           "tasks": [{"name": "chart_wiring_task", "taskReferenceName": "only",
                      "type": "SIMPLE"}]})
    _call("POST", f"{base}/api/workflow/chart_wiring_flow", {})
    keys: list[str] = []
    for _ in range(20):
        scan = subprocess.run([*redis_cli, "--scan", "--pattern", f"{QUEUE_PREFIX}*"],
                              capture_output=True, text=True, timeout=30, check=True)
        keys = scan.stdout.split()
        if any("chart_wiring_task" in key for key in keys):
            break
        time.sleep(0.5)
    return keys


def _values(status: dict[str, str], password: str, redis: dict[str, Any]) -> dict[str, Any]:
    return {
        "externalDatabase": {"host": "127.0.0.1", "port": int(status["POSTGRES_PORT"]),
                             "database": DATABASE, "schema": SCHEMA, "user": ROLE,
                             "password": password},
        "externalRedis": {"host": "127.0.0.1", "rack": "local", **redis},
        # Keeps this server's task queues apart from the stack's server in a shared Redis.
        "extraEnvVars": [{"name": "CONDUCTOR_REDIS_QUEUENAMESPACEPREFIX",
                          "value": QUEUE_PREFIX}],
    }


def test_rendered_environment_starts_a_ready_server(production_like_stack: Stack,
                                                    own_database: str, charts_dir: Path,
                                                    tmp_path: Path) -> None:
    status = production_like_stack.status
    values = _values(status, own_database, {"port": int(status["REDIS_PORT"])})
    with _server_from_chart(values, charts_dir, tmp_path) as (base, env):
        assert env["SPRING_DATASOURCE_PASSWORD"] == own_database  # read from the Secret

        # PostgreSQL: the server migrated the schema of SPRING_DATASOURCE_URL, as its role.
        owner = _psql(status["POSTGRES_ADMIN_URL"], DATABASE,
                      f"SELECT tableowner FROM pg_tables WHERE schemaname = '{SCHEMA}' "
                      "AND tablename = 'flyway_schema_history'")
        assert owner == ROLE

        # Redis: a started workflow's task is queued in the Redis of CONDUCTOR_REDIS_HOSTS.
        keys = _queue_a_task(base, ["redis-cli", "-h", "127.0.0.1", "-p", status["REDIS_PORT"]])
        assert any("chart_wiring_task" in key for key in keys), keys


@pytest.fixture
def redis_with_password(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """A Redis of this test's own that refuses clients without its password (the stack's
    Redis has none, and must keep serving the stack's server)."""
    password = secrets.token_hex(16)
    port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--requirepass", password,
         "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        cli = ["redis-cli", "-h", "127.0.0.1", "-p", str(port), "--no-auth-warning"]
        for _ in range(50):
            ping = subprocess.run([*cli, "-a", password, "ping"], capture_output=True,
                                  text=True, check=False)
            if ping.stdout.strip() == "PONG":
                break
            time.sleep(0.1)
        refused = subprocess.run([*cli, "ping"], capture_output=True, text=True, check=False)
        assert "NOAUTH" in refused.stdout + refused.stderr
        yield port, password
    finally:
        redis.terminate()
        redis.wait(timeout=30)


def test_a_redis_password_reaches_the_server_only_through_the_secret(
        production_like_stack: Stack, own_database: str, redis_with_password: tuple[int, str],
        charts_dir: Path, tmp_path: Path) -> None:
    """CONDUCTOR_REDIS_HOSTS=host:port:rack:$(REDIS_PASSWORD), expanded from the Secret,
    opens the queues, and CONDUCTOR_REDIS_LOCK_SERVER_PASSWORD opens the Redis lock (without
    it the server stops at start with NOAUTH): the server starts, and its queue lands in the
    password-protected Redis."""
    port, password = redis_with_password
    values = _values(production_like_stack.status, own_database,
                     {"port": port, "password": password})
    with _server_from_chart(values, charts_dir, tmp_path) as (base, env):
        assert env["CONDUCTOR_REDIS_HOSTS"] == f"127.0.0.1:{port}:local:{password}"
        keys = _queue_a_task(base, ["redis-cli", "-h", "127.0.0.1", "-p", str(port),
                                    "--no-auth-warning", "-a", password])
        assert any("chart_wiring_task" in key for key in keys), keys
