"""Faults between the migrator and a real server, injected by tests/support/faultproxy.py: 503s
and delays, a server that is not up yet, connections dropped after the server acted,
and deploys killed mid-way. After every fault the next run must converge: the server
holds exactly the directory's definitions, and no workflow version is registered twice.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.configs import (
    FAST_RETRY,
    assert_converged,
    deploy_directly,
    expected_state,
    keep_all_but,
    server_state,
    unique_prefix,
    write_config,
)
from tests.support.faultproxy import MAX_STALL_SECONDS, FaultProxy, Rule, iter_counts
from tests.support.migrator import RUN_TIMEOUT, RunMigrator, finish, kill, start_cli
from tests.support.stacks import Server, free_port, wait_for
from workflow_migrator import (
    ConductorClient,
    ServerUnavailableError,
    WritesFailedError,
    deploy,
)

pytestmark = pytest.mark.server

BULK_WORKFLOWS = "/api/metadata/workflow"
TASKDEFS = "/api/metadata/taskdefs"



def kill_when_stalled(process: subprocess.Popen[str], stall: Rule, never_reached: str) -> None:
    """Kills ``process`` once one of its requests is held at ``stall``, then lets it go."""
    try:
        assert stall.entered.wait(RUN_TIMEOUT), never_reached
    finally:
        kill(process)
        stall.release()


@pytest.fixture
def proxy(server: Server) -> Iterator[FaultProxy]:
    with FaultProxy(server.base_url) as running:
        yield running


# -- 503s, delays, dropped connections: retries ----------------------------------------


def test_deploy_converges_through_503s_and_delays(proxy: FaultProxy, server: Server,
                                                  tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = write_config(tmp_path, prefix)
    proxy.fail(2, method="GET", path=TASKDEFS)
    proxy.fail(2, status=502, method="POST", path=TASKDEFS)
    proxy.fail(3, method="PUT", path=BULK_WORKFLOWS)
    proxy.delay(0.2, count=6, path="/api/metadata/*")

    with ConductorClient(proxy.url, retry=FAST_RETRY) as client:
        plan, result = deploy(config, client, wait_timeout=10)

    assert result.created == 16
    counts = "\n".join(iter_counts(proxy))
    assert proxy.count("GET", TASKDEFS) == 3, counts
    # two refused, then the definitions; the deploy record goes in by PUT when another
    # test's deploy already created it on this shared server, else by one more POST
    assert proxy.count("POST", TASKDEFS) + proxy.count("PUT", TASKDEFS) == 4, counts
    assert proxy.count("PUT", BULK_WORKFLOWS) == 4, counts
    assert_converged(server.base_url, config, prefix)


def test_a_request_that_times_out_is_retried(proxy: FaultProxy, server: Server,
                                             tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = write_config(tmp_path, prefix)
    proxy.delay(3.0, count=1, method="GET", path=BULK_WORKFLOWS)
    proxy.delay(3.0, count=1, method="PUT", path=BULK_WORKFLOWS)  # the server acts, late

    with ConductorClient(proxy.url, retry=FAST_RETRY, timeout=1.0) as client:
        deploy(config, client, wait_timeout=10)
        timed_out = [r for r in client.requests if r.status is None]

    assert [(r.method, r.path) for r in timed_out] == [("GET", BULK_WORKFLOWS),
                                                       ("PUT", BULK_WORKFLOWS)]
    assert_converged(server.base_url, config, prefix)


def test_cli_deploy_retries_503s_then_succeeds(proxy: FaultProxy, server: Server,
                                               run_migrator: RunMigrator, tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = write_config(tmp_path, prefix)
    proxy.fail(2, method="PUT", path=BULK_WORKFLOWS)

    code, _, err = run_migrator("deploy", "--config-dir", str(config), base_url=proxy.url)

    assert code == 0, err
    assert proxy.count("PUT", BULK_WORKFLOWS) == 3
    assert_converged(server.base_url, config, prefix)


@pytest.mark.slow  # the CLI's own retry policy: 5 attempts, 7.5 s of back-off
def test_cli_deploy_fails_clearly_when_retries_run_out(proxy: FaultProxy, server: Server,
                                                       run_migrator: RunMigrator,
                                                       tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = write_config(tmp_path, prefix)
    proxy.fail(None, method="PUT", path=BULK_WORKFLOWS)

    code, _, err = run_migrator("deploy", "--config-dir", str(config), base_url=proxy.url)

    assert code == 1
    assert f"PUT {proxy.url}{BULK_WORKFLOWS} -> 503" in err
    assert "after 5 attempts" in err
    assert proxy.count("PUT", BULK_WORKFLOWS) == 5
    # What was written before the failure stays, and the next run completes the rest.
    proxy.clear()
    code, _, err = run_migrator("deploy", "--config-dir", str(config), base_url=proxy.url)
    assert code == 0, err
    assert_converged(server.base_url, config, prefix)


def test_library_names_method_and_url_when_connections_keep_dropping(
        proxy: FaultProxy, tmp_path: Path) -> None:
    config = write_config(tmp_path, unique_prefix())
    proxy.drop(None, method="POST", path=TASKDEFS)

    with ConductorClient(proxy.url, retry=FAST_RETRY) as client:
        with pytest.raises(WritesFailedError) as caught:
            deploy(config, client, wait_timeout=10)

    assert caught.value.done == 0
    for _, error in caught.value.failures:
        assert isinstance(error, ServerUnavailableError)
        assert str(error).startswith(f"POST {proxy.url}{TASKDEFS}: RemoteProtocolError")
        assert "after 4 attempts" in str(error)
    assert proxy.count("POST", TASKDEFS) == 4


def test_answer_lost_after_the_server_acted_registers_no_version_twice(
        proxy: FaultProxy, server: Server, tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = write_config(tmp_path, prefix, revision="a")
    deploy_directly(server.base_url, config)
    write_config(tmp_path, prefix, revision="b")  # every workflow changes: v2 of each
    # A new version is registered create-only (POST): the first one's answer is lost.
    proxy.drop(1, method="POST", path=BULK_WORKFLOWS, after_forward=True)
    proxy.drop(1, method="GET", path=BULK_WORKFLOWS, after_forward=True)

    with ConductorClient(proxy.url, retry=FAST_RETRY) as client:
        plan, _ = deploy(config, client, wait_timeout=10)

    assert {c.version for c in plan.changes if c.kind == "workflow"} == {2}
    # 4 workflows, one retried: its 409 shows v2 already holds this content, so it stops.
    assert proxy.count("POST", BULK_WORKFLOWS) == 5
    assert_converged(server.base_url, config, prefix, versions=(1, 2))


def test_a_delete_whose_answer_was_lost_is_retried_into_success(
        proxy: FaultProxy, server: Server, tmp_path: Path) -> None:
    prefix = unique_prefix()
    deploy_directly(server.base_url, write_config(tmp_path / "before", prefix))
    config = write_config(tmp_path / "after", prefix, tasks=8, workflows=2)
    proxy.drop(1, method="DELETE", path="/api/metadata/workflow/*", after_forward=True)
    proxy.drop(1, method="DELETE", path="/api/metadata/taskdefs/*", after_forward=True)

    code, _, err = finish(start_cli(config, proxy.url, "--prune", *keep_all_but(prefix)))

    assert code == 0, err
    assert proxy.count("DELETE") == 2 + 4 + 2  # two retries found their target gone
    assert_converged(server.base_url, config, prefix, tasks=8, workflows=2)


# -- a server that is not up yet ---------------------------------------------------------


def test_deploy_waits_for_a_server_that_is_not_up_yet(server: Server,
                                                      tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = write_config(tmp_path, prefix)
    port = free_port()
    process = start_cli(config, f"http://127.0.0.1:{port}", "--wait-timeout", "60")
    log: list[str] = []

    def read_log() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()

    def logged(text: str) -> bool:
        return any(text in line for line in list(log))

    try:
        # Nothing listens yet: connections are refused, and the deploy waits.
        assert wait_for(lambda: logged("ConnectError"), RUN_TIMEOUT), log
        assert process.poll() is None, "deploy gave up on a server that was not up yet"
        # The port opens, but the server is still starting: its health check answers 503.
        with FaultProxy(server.base_url, port=port) as starting:
            starting.fail(None, path="/health")
            assert wait_for(lambda: logged("health answered 503"), RUN_TIMEOUT), log
            assert process.poll() is None
            starting.clear()
            process.wait(timeout=RUN_TIMEOUT)
            reader.join(timeout=10)
            assert starting.count("POST", TASKDEFS) == 1
    finally:
        if process.poll() is None:
            kill(process)
        else:
            process.communicate()
    assert process.returncode == 0, "".join(log)
    waits = [json.loads(line) for line in log if "waiting for" in line]
    assert waits and all(w["app_env"] == "test" for w in waits)
    assert_converged(server.base_url, config, prefix)


def test_deploy_times_out_clearly_when_nothing_listens(tmp_path: Path) -> None:
    config = write_config(tmp_path, unique_prefix())
    url = f"http://127.0.0.1:{free_port()}"
    # Without --wait-timeout the deploy would wait 300 s: ending at all within the bound
    # (finish fails the test otherwise) shows the 2 s were honoured.
    code, _, err = finish(start_cli(config, url, "--wait-timeout", "2"), timeout=60)
    assert code == 1
    assert f"GET {url}/health: server not ready after 2s (ConnectError" in err


def test_deploy_times_out_clearly_when_the_health_check_hangs(proxy: FaultProxy,
                                                              tmp_path: Path) -> None:
    config = write_config(tmp_path, unique_prefix())
    hang = proxy.stall(count=None, path="/health")
    # The proxy holds each health check for MAX_STALL_SECONDS; a deploy that ends while the
    # stall still holds gave up on its own, as --wait-timeout asks.
    code, _, err = finish(start_cli(config, proxy.url, "--wait-timeout", "3"),
                          timeout=MAX_STALL_SECONDS * 0.75)
    hang.release()
    assert code == 1
    assert f"GET {proxy.url}/health: server not ready after 3s" in err


# -- killed mid-way ----------------------------------------------------------------------


def test_killed_before_the_workflows_were_sent_next_run_converges(
        proxy: FaultProxy, server: Server, tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = write_config(tmp_path, prefix)
    stall = proxy.stall(method="PUT", path=BULK_WORKFLOWS)
    process = start_cli(config, proxy.url)
    kill_when_stalled(process, stall, "deploy never reached the bulk workflow PUT")
    assert process.returncode == -signal.SIGKILL

    with ConductorClient(server.base_url, retry=FAST_RETRY) as client:
        tasks, workflows = server_state(client, prefix)
    assert tasks == expected_state(prefix)[0] and workflows == {}  # half-way: tasks only

    code, _, err = finish(start_cli(config, server.base_url))
    assert code == 0, err
    assert_converged(server.base_url, config, prefix)


def test_killed_after_the_server_registered_new_versions_next_run_adds_none(
        proxy: FaultProxy, server: Server, tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = write_config(tmp_path, prefix, revision="a")
    code, _, err = finish(start_cli(config, server.base_url))
    assert code == 0, err
    write_config(tmp_path, prefix, revision="b")
    stall = proxy.stall(method="POST", path=BULK_WORKFLOWS, after_forward=True)
    process = start_cli(config, proxy.url)
    kill_when_stalled(process, stall, "deploy never registered a new version")
    assert proxy.count("POST", BULK_WORKFLOWS) == 1  # killed after the first new version

    code, _, err = finish(start_cli(config, proxy.url))
    assert code == 0, err
    # The next run registers the 3 versions still missing, and not the first one again.
    assert proxy.count("POST", BULK_WORKFLOWS) == 1 + 3
    assert_converged(server.base_url, config, prefix, versions=(1, 2))


def test_killed_after_the_connection_dropped_mid_deploy_next_run_converges(
        proxy: FaultProxy, server: Server, tmp_path: Path) -> None:
    """The server took the task definitions, the answer never came, the process died."""
    prefix = unique_prefix()
    config = write_config(tmp_path, prefix)
    proxy.drop(1, method="POST", path=TASKDEFS, after_forward=True)
    stall = proxy.stall(method="POST", path=TASKDEFS, after_forward=True)  # the retry
    process = start_cli(config, proxy.url)
    kill_when_stalled(process, stall, "deploy never retried the task definitions")
    assert proxy.count("POST", TASKDEFS) == 2
    proxy.clear()

    code, _, err = finish(start_cli(config, proxy.url))
    assert code == 0, err
    assert_converged(server.base_url, config, prefix)


def test_killed_while_pruning_next_run_converges(proxy: FaultProxy, server: Server,
                                                  tmp_path: Path) -> None:
    prefix = unique_prefix()
    deploy_directly(server.base_url, write_config(tmp_path / "before", prefix))
    config = write_config(tmp_path / "after", prefix, tasks=8, workflows=2)
    stall = proxy.stall(method="DELETE", path="/api/metadata/*", after_forward=True)
    process = start_cli(config, proxy.url, "--prune", *keep_all_but(prefix))
    kill_when_stalled(process, stall, "deploy never deleted anything")
    with ConductorClient(server.base_url, retry=FAST_RETRY) as client:
        tasks, workflows = server_state(client, prefix)
    assert len(tasks) + len(workflows) == 12 + 4 - 1  # killed after the first deletion

    code, _, err = finish(start_cli(config, proxy.url, "--prune", *keep_all_but(prefix)))
    assert code == 0, err
    assert_converged(server.base_url, config, prefix, tasks=8, workflows=2)


# -- two deploys at the same time ---------------------------------------------------------


def hold_writes_until_both_read(proxy: FaultProxy) -> None:
    """Lines two deploys up: writes wait until the server has answered both reads of the
    workflows (not merely received them), so both plan from the same state, and both apply
    what they planned."""
    gates = [proxy.hold(method=method) for method in ("POST", "PUT", "DELETE")]

    def open_when_both_read() -> None:
        wait_for(lambda: proxy.count("GET", BULK_WORKFLOWS, answered=True) >= 2, RUN_TIMEOUT)
        for gate in gates:
            gate.release()

    threading.Thread(target=open_when_both_read, daemon=True).start()


def race(config: Path, proxy: FaultProxy, *args: str) -> list[tuple[int, str, str]]:
    """Two deploys of ``config`` at once, both planning from the same state."""
    hold_writes_until_both_read(proxy)
    processes = [start_cli(config, proxy.url, *args), start_cli(config, proxy.url, *args)]
    try:
        return [finish(p) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                kill(p)


def test_two_deploys_at_once_end_as_one(proxy: FaultProxy, server: Server,
                                        tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = write_config(tmp_path, prefix)

    outcomes = race(config, proxy)

    assert [code for code, _, _ in outcomes] == [0, 0], [err for _, _, err in outcomes]
    assert proxy.count("PUT", BULK_WORKFLOWS) == 2, "the deploys did not overlap"
    assert_converged(server.base_url, config, prefix)


def test_two_deploys_of_a_change_at_once_register_one_new_version(
        proxy: FaultProxy, server: Server, tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = write_config(tmp_path, prefix, revision="a")
    deploy_directly(server.base_url, config)
    write_config(tmp_path, prefix, revision="b")

    outcomes = race(config, proxy)

    assert [code for code, _, _ in outcomes] == [0, 0], [err for _, _, err in outcomes]
    # Both planned v2 of the 4 workflows: one registered each, the other met 409 and
    # found its content already there. (More than 8 when the server answered a POST
    # with a 5xx under the concurrent load and it was retried.)
    assert proxy.count("POST", BULK_WORKFLOWS) >= 8, "the deploys did not overlap"
    assert_converged(server.base_url, config, prefix, versions=(1, 2))


def test_two_prunes_at_once_end_as_one(proxy: FaultProxy, server: Server,
                                       tmp_path: Path) -> None:
    prefix = unique_prefix()
    deploy_directly(server.base_url, write_config(tmp_path / "before", prefix))
    config = write_config(tmp_path / "after", prefix, tasks=8, workflows=2)

    outcomes = race(config, proxy, "--prune", *keep_all_but(prefix))

    assert [code for code, _, _ in outcomes] == [0, 0], [err for _, _, err in outcomes]
    # Both deleted the same 4 tasks and 2 workflow versions; the later one of each pair
    # found it gone (404), which is success.
    assert proxy.count("DELETE") == 2 * (4 + 2), "\n".join(iter_counts(proxy))
    assert_converged(server.base_url, config, prefix, tasks=8, workflows=2)


def test_two_deploys_of_different_changes_at_once_lose_neither(
        proxy: FaultProxy, server: Server, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Not the same directory (two releases overlapping): each deploy that succeeds must
    leave its content on the server as some version, never overwrite another's."""
    if server.is_core:
        # 3.15.0 checks the version is free, then writes it, as two steps: both POSTs of v2
        # can succeed and the later content replace the earlier. The migrator reads each new
        # version back and moves on when it is not its own, which narrows the window but
        # cannot close it (a read-back before the other's write), so this is not strict.
        request.applymarker(pytest.mark.xfail(
            strict=False, reason="Conductor 3.15.0 registers a workflow version with a "
                                 "check-then-write: two POSTs of one version at once may both "
                                 "succeed"))
    prefix = unique_prefix()
    deploy_directly(server.base_url, write_config(tmp_path / "a", prefix, revision="a",
                                                    workflows=1))
    releases = {revision: write_config(tmp_path / revision, prefix, revision=revision,
                                       workflows=1) for revision in ("b", "c")}
    hold_writes_until_both_read(proxy)
    processes = {revision: start_cli(config, proxy.url) for revision, config in releases.items()}
    codes = {revision: finish(process)[0] for revision, process in processes.items()}

    with ConductorClient(server.base_url, retry=FAST_RETRY) as client:
        held = {w["description"] for w in client.list_workflow_defs()
                if w["name"] == f"{prefix}_flow_0"}
    for revision, code in codes.items():
        if code == 0:
            assert f"flow 0, revision {revision}" in held, (codes, held)
