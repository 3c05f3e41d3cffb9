"""Netflix Conductor 3.15.0 (production's engine) on each Redis topology the chart
offers, started by `conductor-stack up --redis MODE --redis-password`: the migrator
deploys config/, the shipped order flow runs to completion, and a second deploy writes
nothing. With Sentinel, the master is killed while the workflow waits for its workers:
Sentinel promotes the replica and the server, the workflow and the next deploy carry on
with nothing lost.

Each topology's stack starts once for the module (about 25 s each)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.configs import copy_config, unique_prefix
from tests.support.migrator import deploy
from tests.support.paths import REPO_ROOT
from tests.support.stacks import Stack, running_stack
from tests.support.workers import ORDER, run_as_workers

sys.path.insert(0, str(REPO_ROOT / "scripts"))

from conductor_stack import redis  # noqa: E402

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture(scope="module", params=redis.MODES)
def topology_stack(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    mode = str(request.param)
    yield from running_stack("production-core", tmp_path_factory.mktemp(f"stack-{mode}"),
                        "--redis", mode, "--redis-password")


def saved_state(stack: Stack) -> dict[str, object]:
    data: dict[str, object] = json.loads((stack.state_dir / "stack.json").read_text())
    return data


def service(stack: Stack, name: str) -> dict[str, object]:
    services = saved_state(stack)["services"]
    assert isinstance(services, list)
    found: dict[str, object] = next(s for s in services if s["name"] == name)
    return found


def test_the_server_is_configured_for_its_topology(topology_stack: Stack) -> None:
    env = topology_stack.server_env()
    state = saved_state(topology_stack)
    mode, password = str(state["redis_mode"]), str(state["redis_password"])
    assert password, "--redis-password generated none"
    nodes = tuple(("127.0.0.1", int(e.split(":")[1]))
                  for e in env["CONDUCTOR_REDIS_HOSTS"].split(";"))
    assert env == redis.server_env(redis.RedisTopology(
        mode, nodes, redis.MASTER_NAME if mode == "sentinel" else "", password))
    # Every Redis requires the password, which no process's command line shows.
    for entry in state["services"]:  # type: ignore[attr-defined]
        port = int(entry["port"])
        assert redis.redis_ping(port, password)
        assert not redis.redis_ping(port, "")
        cmdline = Path(f"/proc/{entry['pid']}/cmdline").read_bytes()
        assert password.encode() not in cmdline
    assert len(state["services"]) == {"standalone": 1, "sentinel": 5,  # type: ignore[arg-type]
                                      "cluster": 3}[mode]


def test_deploy_run_and_redeploy(topology_stack: Stack, tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = copy_config(tmp_path / "config", prefix)
    first = deploy(topology_stack, config)
    assert first.returncode == 0, first.stderr
    assert "8 created" in first.stdout + first.stderr
    mode = str(saved_state(topology_stack)["redis_mode"])
    with httpx.Client(base_url=topology_stack.base_url, timeout=30) as http:
        started = http.post(f"/api/workflow/{prefix}_order_fulfilment", json=ORDER)
        started.raise_for_status()
        workflow_id = started.text.strip('"')
        if mode == "sentinel":
            # The workflow is running and waits for its first worker: kill the master.
            assert http.get(f"/api/workflow/{workflow_id}").json()["status"] == "RUNNING"
            kill_the_master_and_wait_for_failover(topology_stack)
        workflow = run_as_workers(http, prefix, workflow_id, timeout=180)
        assert workflow["status"] == "COMPLETED", workflow.get("reasonForIncompletion")
        names = {d["name"] for d in http.get("/api/metadata/workflow").json()}
    assert {f"{prefix}_order_fulfilment", f"{prefix}_notify_customer",
            f"{prefix}_payment_reconciliation"} <= names
    second = deploy(topology_stack, config)
    assert second.returncode == 0, second.stderr
    assert "0 write request(s)" in second.stdout + second.stderr


def kill_the_master_and_wait_for_failover(stack: Stack) -> None:
    password = str(saved_state(stack)["redis_password"])
    sentinel_port = int(service(stack, "sentinel-1")["port"])  # type: ignore[call-overload]
    master = service(stack, "redis-master")
    old = redis.sentinel_master(sentinel_port, password)
    assert old == ("127.0.0.1", master["port"])
    os.kill(int(master["pid"]), signal.SIGKILL)  # type: ignore[call-overload]
    killed = time.monotonic()
    new = redis.wait_for_new_master(sentinel_port, old, password, 60)
    took = time.monotonic() - killed
    assert new == ("127.0.0.1", service(stack, "redis-replica")["port"]), \
        f"no failover within 60s (Sentinel names {new})"
    print(f"\nSentinel failover: replica promoted {took:.1f}s after the master was killed")
