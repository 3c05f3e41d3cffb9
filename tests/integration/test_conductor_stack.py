"""scripts/conductor-stack against real processes: a real server, Redis and PostgreSQL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stacks import Stack, free_port, run_stack_script, start_stack

FIVE_VARS = (
    "CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS",
    "CONDUCTOR_REDIS_HOSTS",
    "SPRING_DATASOURCE_URL",
    "SPRING_DATASOURCE_USERNAME",
    "SPRING_DATASOURCE_PASSWORD",
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


def wait_until(predicate, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return bool(predicate())


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def assert_stopped(status: dict[str, str], pid_names: tuple[str, ...],
                   ports: tuple[int, ...]) -> None:
    for name in pid_names:
        pid = int(status[name])
        assert wait_until(lambda pid=pid: process_gone(pid)), f"{name} {pid} still runs"
    for port in ports:
        assert not port_open(port), f"port {port} still listens"


# --------------------------------------------------------------------------- embedded


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack("embedded", tmp_path_factory.mktemp("cs-embedded"))
    yield stack
    stack.stop()


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
def test_embedded_down_leaves_no_process_and_no_port(embedded: Stack) -> None:
    status = embedded.refresh_status()
    embedded.run("down")
    assert_stopped(status, ("SERVER_PID",), (port_of(embedded.base_url),))
    assert not (embedded.state_dir / "server").exists()
    assert embedded.run("status", check=False).returncode != 0
    assert embedded.run("down").returncode == 0  # idempotent


def test_up_fails_clearly_and_cleans_up_when_java_is_unusable(tmp_path: Path) -> None:
    env = {**os.environ, "CONDUCTOR_JAVA": "/bin/false"}
    port = free_port()
    result = subprocess.run(
        [str(Path(__file__).parents[2] / "scripts" / "conductor-stack"), "up", "--port",
         str(port), "--state-dir", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert result.returncode == 1
    assert "CONDUCTOR_JAVA" in result.stderr and "Java >= 21" in result.stderr
    assert not port_open(port)
    assert run_stack_script("status", "--state-dir", str(tmp_path), check=False).returncode == 1
