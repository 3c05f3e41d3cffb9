"""scripts/conductor-stack against real processes: a real server, Redis and PostgreSQL."""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT
from tests.support.stacks import (
    Stack,
    clean_env,
    free_port,
    run_stack_script,
    running_stack,
    start_stack,
    wait_for,
)


def http_get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return int(response.status), response.read()


def http_send(method: str, url: str, body: object) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def process_gone(pid: int) -> bool:
    """No such process, or only a zombie left for init to reap."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def wait_until(predicate: Callable[[], bool]) -> bool:
    return wait_for(predicate, timeout=30.0, interval=0.2)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def assert_stopped(status: dict[str, str], pid_names: tuple[str, ...],
                   ports: tuple[int, ...]) -> None:
    for name in pid_names:
        pid = int(status[name])
        assert wait_until(functools.partial(process_gone, pid)), f"{name} {pid} still runs"
    for port in ports:
        assert not port_open(port), f"port {port} still listens"


# --------------------------------------------------------------------------- embedded


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from running_stack("embedded", tmp_path_factory.mktemp("cs-embedded"))


@pytest.mark.server
def test_embedded_up_prints_a_base_url_that_answers(embedded: Stack) -> None:
    status, body = http_get(embedded.base_url + "/api/metadata/taskdefs")
    assert status == 200
    assert isinstance(json.loads(body), list)


@pytest.mark.server
def test_embedded_status_names_the_server_and_its_log(embedded: Stack) -> None:
    status = embedded.refresh_status()
    assert status["CONDUCTOR_BASE_URL"] == embedded.base_url
    assert status["PROFILE"] == "embedded"
    assert int(status["SERVER_PID"]) > 0
    assert Path(status["SERVER_LOG"]).is_file()
    assert Path(status["SERVER_LOG"]).is_relative_to(embedded.state_dir)
    assert "REDIS_PID" not in status
    # The server's own storage lives in the state dir, nowhere else.
    assert (embedded.state_dir / "server" / "conductor.db").is_file()


@pytest.mark.server
def test_embedded_up_refuses_a_second_stack_in_the_same_state_dir(embedded: Stack) -> None:
    result = run_stack_script("up", "--state-dir", str(embedded.state_dir), "--port",
                              str(free_port()), check=False)
    assert result.returncode != 0
    assert "already runs" in result.stderr
    assert embedded.run("status").returncode == 0


@pytest.mark.server
def test_up_reuse_reuses_the_running_stack_and_says_so(embedded: Stack) -> None:
    result = run_stack_script("up", "--state-dir", str(embedded.state_dir), "--reuse")
    assert result.stdout.strip().splitlines()[-1] == f"CONDUCTOR_BASE_URL={embedded.base_url}"
    assert "reusing the embedded stack already running" in result.stderr
    other = run_stack_script("up", "--profile", "production-core", "--state-dir",
                             str(embedded.state_dir), "--reuse", check=False)
    assert other.returncode == 1 and "already runs" in other.stderr


@pytest.mark.server
@pytest.mark.slow
def test_make_demo_run_again_reuses_the_running_server(embedded: Stack,
                                                       tmp_path: Path) -> None:
    """The second `make demo` (the first left its server running): it deploys to that
    server, and says so; never "CONDUCTOR_BASE_URL is not set". (A directory of one task
    definition stands in for config/: what is deployed is not the point.)"""
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.json").write_text(json.dumps(
        {"name": "demo_again", "ownerEmail": "a@example.com"}))
    result = subprocess.run(
        ["make", "--no-print-directory", "demo", f"CONFIG_DIR={tmp_path}"], cwd=REPO_ROOT,
        env=clean_env(CONDUCTOR_STACK_DIR=str(embedded.state_dir)),
        capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "is not set" not in output
    assert "reusing the embedded stack already running" in output
    assert f"Conductor is running at {embedded.base_url}" in output
    assert http_get(embedded.base_url + "/api/metadata/taskdefs/demo_again")[0] == 200


@pytest.mark.server
def test_embedded_down_leaves_no_process_and_no_port(embedded: Stack) -> None:
    status = embedded.refresh_status()
    embedded.run("down")
    assert_stopped(status, ("SERVER_PID",), (port_of(embedded.base_url),))
    assert not (embedded.state_dir / "server").exists()
    assert embedded.run("status", check=False).returncode != 0
    assert embedded.run("down").returncode == 0  # idempotent


@pytest.mark.server
@pytest.mark.slow
def test_up_after_a_crash_keeps_the_port_and_the_data(tmp_path: Path) -> None:
    """The server killed (-9), the state dir left: `up` starts it again on the same port
    with the definitions it held, says so, and keeps the dead server's log."""
    stack = start_stack("embedded", tmp_path / "crash")
    try:
        assert http_send("POST", stack.base_url + "/api/metadata/taskdefs",
                         [{"name": "survives_a_crash", "ownerEmail": "a@example.com"}]) == 200
        pid = int(stack.refresh_status()["SERVER_PID"])
        os.kill(pid, 9)
        assert wait_until(lambda: process_gone(pid))
        result = run_stack_script("up", "--state-dir", str(stack.state_dir))
        assert result.stdout.strip().splitlines()[-1] == f"CONDUCTOR_BASE_URL={stack.base_url}"
        assert "no longer runs (crashed or killed)" in result.stderr
        assert "keeping its data and its port" in result.stderr
        assert (stack.state_dir / "logs" / "server.previous.log").stat().st_size > 0
        status, _ = http_get(stack.base_url + "/api/metadata/taskdefs/survives_a_crash")
        assert status == 200
    finally:
        stack.stop()


def test_up_fails_clearly_and_cleans_up_when_java_is_unusable(tmp_path: Path) -> None:
    env = {**os.environ, "CONDUCTOR_JAVA": "/bin/false"}
    port = free_port()
    result = run_stack_script("up", "--port", str(port), "--state-dir", str(tmp_path),
                              env=env, timeout=120, check=False)
    assert result.returncode == 1
    assert "CONDUCTOR_JAVA" in result.stderr and "Java >= 21" in result.stderr
    assert not port_open(port)
    assert run_stack_script("status", "--state-dir", str(tmp_path), check=False).returncode == 1


# --------------------------------------------------------------------------- redis-postgres


def psql(admin_url: str, sql: str) -> list[str]:
    result = subprocess.run(
        ["psql", admin_url, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return result.stdout.splitlines()


def redis_keys(port: int) -> list[str]:
    result = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", str(port), "--raw", "KEYS", "*"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    return result.stdout.split()


@pytest.fixture(scope="module")
def production_like(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from running_stack("redis-postgres", tmp_path_factory.mktemp("cs-redis-postgres"))


@pytest.mark.server
@pytest.mark.production_like
def test_status_shows_the_five_variables_with_the_password_masked(
    production_like: Stack,
) -> None:
    status = production_like.refresh_status()
    redis_port, pg_port = status["REDIS_PORT"], status["POSTGRES_PORT"]
    assert status["PROFILE"] == "redis-postgres"
    assert status["CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS"] == f"redis://127.0.0.1:{redis_port}"
    assert status["CONDUCTOR_REDIS_HOSTS"] == f"127.0.0.1:{redis_port}:local"
    assert status["SPRING_DATASOURCE_URL"] == (
        f"jdbc:postgresql://127.0.0.1:{pg_port}/conductor?currentSchema=conductor"
    )
    assert status["SPRING_DATASOURCE_USERNAME"] == "conductor"
    assert status["SPRING_DATASOURCE_PASSWORD"] == "****"
    password = production_like.server_env()["SPRING_DATASOURCE_PASSWORD"]
    assert len(password) >= 20
    assert password not in production_like.run("status").stdout
    for name in ("SERVER_PID", "REDIS_PID", "POSTGRES_PID"):
        assert int(status[name]) > 0
    for name in ("SERVER_LOG", "REDIS_LOG", "POSTGRES_LOG"):
        assert Path(status[name]).is_file(), name


@pytest.mark.server
@pytest.mark.production_like
def test_the_server_keeps_its_tables_in_the_named_schema_and_nothing_in_public(
    production_like: Stack,
) -> None:
    admin = production_like.status["POSTGRES_ADMIN_URL"]
    tables = psql(admin, "SELECT tablename FROM pg_tables WHERE schemaname = 'conductor'")
    assert {"meta_task_def", "meta_workflow_def", "workflow_index",
            "flyway_schema_history"} <= set(tables)
    in_public = psql(admin, "SELECT c.relname FROM pg_class c JOIN pg_namespace n "
                            "ON n.oid = c.relnamespace WHERE n.nspname = 'public'")
    assert in_public == []
    owners = psql(admin, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'conductor'")
    assert owners == ["conductor"]
    rights = psql(admin, "SELECT rolsuper, rolcreatedb, rolcreaterole, "
                         "has_schema_privilege('conductor', 'public', 'CREATE'), "
                         "has_database_privilege('conductor', 'conductor', 'CREATE') "
                         "FROM pg_roles WHERE rolname = 'conductor'")
    assert rights == ["f|f|f|f|f"]


@pytest.mark.server
@pytest.mark.production_like
def test_the_five_variables_drive_the_server(production_like: Stack) -> None:
    status = production_like.status
    base = production_like.base_url
    task = {"name": "cs_probe_task", "retryCount": 0, "timeoutSeconds": 60,
            "responseTimeoutSeconds": 30, "ownerEmail": "stack@example.com"}
    workflow = {"name": "cs_probe_workflow", "version": 1, "schemaVersion": 2,
                "ownerEmail": "stack@example.com",
                "tasks": [{"name": "cs_probe_task", "taskReferenceName": "probe",
                           "type": "SIMPLE"}]}
    assert http_send("POST", base + "/api/metadata/taskdefs", [task]) == 200
    assert http_send("POST", base + "/api/metadata/workflow", workflow) == 200
    assert http_send("POST", base + "/api/workflow/cs_probe_workflow", {}) == 200

    # SPRING_DATASOURCE_*: definitions and the search index are in that PostgreSQL.
    admin = status["POSTGRES_ADMIN_URL"]
    assert psql(admin, "SELECT name FROM conductor.meta_task_def") == ["cs_probe_task"]
    assert wait_until(lambda: psql(
        admin, "SELECT workflow_type FROM conductor.workflow_index") == ["cs_probe_workflow"])
    # CONDUCTOR_REDIS_HOSTS: the task queues are in that Redis.
    port = int(status["REDIS_PORT"])
    assert wait_until(lambda: any(k.endswith(".cs_probe_task.c") for k in redis_keys(port)))
    assert all(k.startswith("conductor_queues.") for k in redis_keys(port))


@pytest.mark.server
@pytest.mark.production_like
@pytest.mark.slow
def test_run_server_takes_the_lock_address_from_its_environment(
    production_like: Stack, tmp_path: Path,
) -> None:
    """Everything right but CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS: the server must fail on it,
    which proves Spring binds it to conductor.redis-lock.serverAddress."""
    unused = free_port()
    env = {**os.environ, **production_like.server_env(),
           "CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS": f"redis://127.0.0.1:{unused}"}
    result = run_stack_script("run-server", "--port", str(free_port()), "--state-dir",
                              str(tmp_path), env=env, timeout=300, check=False)
    assert result.returncode != 0
    assert f"Unable to connect to Redis server: 127.0.0.1/127.0.0.1:{unused}" in result.stdout


@pytest.mark.server
@pytest.mark.production_like
def test_down_stops_server_redis_and_postgres(production_like: Stack) -> None:
    status = production_like.refresh_status()
    production_like.run("down")
    assert_stopped(
        status, ("SERVER_PID", "REDIS_PID", "POSTGRES_PID"),
        (port_of(production_like.base_url), int(status["REDIS_PORT"]),
         int(status["POSTGRES_PORT"])),
    )
    for name in ("server", "redis", "postgres"):
        assert not (production_like.state_dir / name).exists(), name
    assert not Path(status["POSTGRES_SOCKET_DIR"]).exists()
    assert production_like.run("status", check=False).returncode != 0
    assert production_like.run("down").returncode == 0


# --------------------------------------------------------------------------- production-core


@pytest.fixture(scope="module")
def production_core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from running_stack("production-core", tmp_path_factory.mktemp("cs-production-core"))


@pytest.mark.server
def test_production_core_runs_conductor_315_on_its_redis(production_core: Stack) -> None:
    status = production_core.refresh_status()
    redis_port = status["REDIS_PORT"]
    assert status["PROFILE"] == "production-core"
    assert status["SERVER_JAR"].endswith("conductor-server-3.15.0-boot.jar")
    assert status["PROPERTIES_FILE"].endswith("docker/server/config/conductor-core.properties")
    assert status["REDIS_MODE"] == "standalone"
    assert status["CONDUCTOR_REDIS_HOSTS"] == f"127.0.0.1:{redis_port}:local"
    assert status["CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS"] == f"redis://127.0.0.1:{redis_port}"
    assert "POSTGRES_PID" not in status and "SPRING_DATASOURCE_URL" not in status
    log = Path(status["SERVER_LOG"]).read_text()
    assert "Starting Conductor v3.15.0" in log

    # Definitions live in that Redis, under the workflow namespace Orkes uses.
    task = {"name": "cs_core_probe", "retryCount": 0, "timeoutSeconds": 60,
            "responseTimeoutSeconds": 30}
    assert http_send("POST", production_core.base_url + "/api/metadata/taskdefs", [task]) == 200
    assert any(key.startswith("conductor.") and "TASK_DEFS" in key
               for key in redis_keys(int(redis_port)))
    # No sample loading, no gRPC server on its fixed port (two servers would collide).
    _, body = http_get(production_core.base_url + "/api/metadata/workflow")
    assert "kitchensink" not in {w["name"] for w in json.loads(body)}
    assert "gRPC Server started" not in log


@pytest.mark.server
def test_production_core_down_stops_server_and_redis(production_core: Stack) -> None:
    status = production_core.refresh_status()
    production_core.run("down")
    assert_stopped(status, ("SERVER_PID", "REDIS_PID"),
                   (port_of(production_core.base_url), int(status["REDIS_PORT"])))
    for name in ("server", "redis"):
        assert not (production_core.state_dir / name).exists(), name
    assert production_core.run("status", check=False).returncode != 0
