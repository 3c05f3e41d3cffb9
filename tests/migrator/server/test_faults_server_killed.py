"""The production core's JVM killed (SIGKILL) in the middle of a deploy, then restarted on
the same Redis: the next deploy converges and the one after it writes nothing.

The test runs a stack of its own (scripts/conductor-stack, profile production-core), since
it kills that stack's server; Redis keeps running, and ``run-server`` starts Netflix
Conductor 3.15.0 again on the same port with the environment ``up`` gave the first one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.configs import (
    FAST_RETRY,
    assert_converged,
    deploy_directly,
    server_state,
    unique_prefix,
    write_config,
)
from tests.support.faultproxy import FaultProxy, iter_counts
from tests.support.migrator import MIGRATOR
from tests.support.stacks import STACK_SCRIPT, Stack, clean_env, running_stack, wait_for
from workflow_migrator import ConductorClient, deploy

pytestmark = [pytest.mark.server, pytest.mark.slow]

TASKS, WORKFLOWS = 500, 150
NEW_VERSIONS = "/api/metadata/workflow"
#: Seconds a restarted 3.15.0 may take to answer its health check (it starts in ~30 s).
RESTART_TIMEOUT = 300


@pytest.fixture
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A production-core stack this test alone uses, so that it may kill its server."""
    yield from running_stack("production-core", tmp_path_factory.mktemp("stack-killed"))


def healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def kill_server(stack: Stack) -> None:
    """SIGKILL to the JVM: no shutdown hook runs, as when the node dies; Redis lives on."""
    pid = int(stack.status["SERVER_PID"])
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: not healthy(stack.base_url), 30), "the server still answers"


def restart_server(stack: Stack) -> subprocess.Popen[bytes]:
    """The same server build on the same port and the same Redis, as `up` configured it."""
    port = stack.base_url.rsplit(":", 1)[1]
    log = stack.state_dir / "logs" / "server-restarted.log"
    with log.open("wb") as output:  # the server writes to its own copy of the descriptor
        process = subprocess.Popen(
            [str(STACK_SCRIPT), "run-server", "--port", port, "--profile", "production-core",
             "--state-dir", str(stack.state_dir)],
            env={**os.environ, **stack.server_env()}, stdout=output, stderr=subprocess.STDOUT)
    if not wait_for(lambda: healthy(stack.base_url) or process.poll() is not None,
                    RESTART_TIMEOUT, interval=1) or process.poll() is not None:
        process.kill()
        pytest.fail(f"the restarted server did not come up; see {log}")
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.wait(timeout=60)


def test_server_killed_mid_deploy_then_restarted_on_the_same_redis_converges(
        core: Stack, tmp_path: Path) -> None:
    prefix = unique_prefix()
    started = time.monotonic()
    deploy_directly(core.base_url, write_config(tmp_path, prefix, revision="a", tasks=TASKS,
                                                workflows=WORKFLOWS))
    # Revision b changes every workflow: 150 new versions, each registered create-only
    # (POST) and read back, one by one. Slowed down, so that the kill lands among them.
    config = write_config(tmp_path, prefix, revision="b", tasks=TASKS, workflows=WORKFLOWS)
    with FaultProxy(core.base_url) as proxy:
        proxy.delay(0.05, method="POST", path=NEW_VERSIONS)
        # Its output goes to a file: a plan of 650 definitions fills a pipe nobody reads yet.
        with (tmp_path / "deploy.log").open("w") as output:
            process = subprocess.Popen(
                [str(MIGRATOR), "deploy", "--config-dir", str(config), "--log-format", "json"],
                env=clean_env(CONDUCTOR_BASE_URL=proxy.url, APP_ENV="test"), stdout=output,
                stderr=subprocess.STDOUT, text=True)
        try:
            assert wait_for(lambda: proxy.count("POST", NEW_VERSIONS) >= WORKFLOWS // 3, 120), \
                "\n".join(iter_counts(proxy))
            kill_server(core)
            registered_before_kill = proxy.count("POST", NEW_VERSIONS, answered=True)
        finally:
            code = process.wait(timeout=180)
        log = (tmp_path / "deploy.log").read_text()
        print(f"\nkilled after {registered_before_kill} of {WORKFLOWS} new versions")
        assert 0 < registered_before_kill < WORKFLOWS, "the kill did not land mid-way"
        assert code == 1, log[-2000:]  # a clear failure, not a crash

    server = restart_server(core)
    try:
        with ConductorClient(core.base_url, retry=FAST_RETRY) as client:
            tasks, workflows = server_state(client, prefix)
            assert len(tasks) == TASKS, "the restarted server lost what Redis held"
            print(f"after the restart: {sum(v == [1, 2] for v in workflows.values())} of "
                  f"{WORKFLOWS} workflows hold v2")
            deploy(config, client, wait_timeout=60)
        # Every definition once; every workflow at v1 (revision a) and v2 (revision b),
        # no version registered twice with the same content.
        assert_converged(core.base_url, config, prefix, tasks=TASKS, workflows=WORKFLOWS,
                         versions=(1, 2))
        with ConductorClient(core.base_url, retry=FAST_RETRY) as client:
            revisions = Counter((w["name"], w["description"]) for w in client.list_workflow_defs()
                                if w["name"].startswith(prefix))
            assert set(revisions.values()) == {1}, "a content registered as two versions"
        with ConductorClient(core.base_url, retry=FAST_RETRY) as client:
            plan, _ = deploy(config, client, wait_timeout=60)
            assert not plan.has_changes
            assert client.write_count == 0, [r for r in client.requests if r.is_write]
    finally:
        stop(server)
    print(f"server killed mid-deploy and restarted: {time.monotonic() - started:.0f} s")
