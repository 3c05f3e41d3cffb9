"""Task definitions written in bulk, against a real server behind
tests/support/faultproxy.py: changed ones one per request (Conductor updates one per
request), new ones in batches of ``TASK_BATCH``, at most ``PARALLEL_WRITES`` requests in
flight; a batch the server refuses is sent item by item, so that the others are written;
when some fail for good, every failure is reported and the next deploy completes the rest.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.configs import FAST_RETRY, server_client, unique_prefix
from tests.support.faultproxy import FaultProxy, Rule, iter_counts
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server, wait_for
from workflow_migrator import (
    ConductorClient,
    Definition,
    DefinitionSet,
    Source,
    WritesFailedError,
    _apply,
    apply_plan,
    compute_plan,
    deploy,
    load_valid,
    read_live,
)
from workflow_migrator._apply import PARALLEL_WRITES

pytestmark = pytest.mark.server

TASKDEFS = "/api/metadata/taskdefs"
TASKS = 24


def write_tasks(config: Path, prefix: str, revision: str) -> Path:
    """``TASKS`` task definitions ``<prefix>_task_<i>``, one per file, whose description
    carries ``revision``: a new revision changes every one of them."""
    (config / "tasks").mkdir(parents=True, exist_ok=True)
    for i in range(TASKS):
        (config / "tasks" / f"task_{i:03}.json").write_text(json.dumps({
            "name": f"{prefix}_task_{i}", "description": f"step {i}, revision {revision}",
            "retryCount": 2, "timeoutSeconds": 600, "responseTimeoutSeconds": 300,
            "ownerEmail": "t@example.com"}))
    return config


def descriptions(base_url: str, prefix: str) -> dict[str, str]:
    with server_client(base_url) as client:
        return {t["name"]: t.get("description", "") for t in client.list_task_defs()
                if t["name"].startswith(f"{prefix}_")}


def pending(base_url: str, config: Path) -> list[str]:
    with server_client(base_url) as client:
        plan = compute_plan(load_valid(config)[0], read_live(client, 10))
    return [c.address for c in plan.changes if c.action != "unchanged"]


def assert_reported(err: str, prefix: str, failing: tuple[int, ...], request: str) -> None:
    """The deploy's error counts the failures, names the file and definition of each (in
    the plan's order, by name) and then the request and status they share, once."""
    assert f"{len(failing)} of {TASKS} task definition write(s) failed" in err, err
    assert ", ".join(f"tasks/task_{i:03}.json: task {prefix}_task_{i}"
                     for i in sorted(failing, key=str)) + f": {request}" in err, err


def most_in_flight(proxy: FaultProxy, config: Path, gate: Rule, method: str) -> int:
    """Deploys ``config`` through ``proxy`` while ``gate`` holds the requests it matches,
    and returns how many of them (``method`` on the task definitions) were in flight at
    once: every request sent is held at the gate, so the bound is what arrives there.
    The deploy then completes; it must not fail."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with server_client(proxy.url) as client:
                deploy(config, client, wait_timeout=10)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            errors.append(exc)

    deploying = threading.Thread(target=run)
    deploying.start()
    try:
        assert wait_for(lambda: proxy.count(method, TASKDEFS) >= PARALLEL_WRITES, 30), \
            "\n".join(iter_counts(proxy))
        in_flight = proxy.count(method, TASKDEFS)
    finally:
        gate.release()
        deploying.join(60)
    assert not errors, errors
    return in_flight


@pytest.fixture
def proxy(server: Server) -> Iterator[FaultProxy]:
    with FaultProxy(server.base_url) as running:
        yield running


@pytest.fixture
def deployed(server: Server, tmp_path: Path) -> tuple[Path, str]:
    """A config directory of ``TASKS`` task definitions, deployed, then all changed."""
    prefix = unique_prefix()
    config = write_tasks(tmp_path / "config", prefix, "a")
    with server_client(server.base_url) as client:
        deploy(config, client, wait_timeout=10)
    return write_tasks(config, prefix, "b"), prefix


def test_updates_are_sent_several_at_once_never_more_than_the_bound(
        proxy: FaultProxy, server: Server, deployed: tuple[Path, str]) -> None:
    config, prefix = deployed
    gate = proxy.hold(method="PUT", path=TASKDEFS)
    assert most_in_flight(proxy, config, gate, "PUT") == PARALLEL_WRITES, \
        "\n".join(iter_counts(proxy))
    # One PUT per changed definition, and the deploy record's own.
    assert proxy.count("PUT", TASKDEFS) == TASKS + 1, "\n".join(iter_counts(proxy))
    assert set(descriptions(server.base_url, prefix).values()) == {
        f"step {i}, revision b" for i in range(TASKS)}


def test_updates_that_fail_for_good_are_reported_the_rest_written_and_the_next_deploy_repairs(
        proxy: FaultProxy, server: Server, deployed: tuple[Path, str],
        run_migrator: RunMigrator) -> None:
    config, prefix = deployed
    failing = (3, 11, 20)
    for i in failing:  # 503 to every attempt of these, whatever order they are sent in
        proxy.fail(None, method="PUT", path=TASKDEFS, containing=f'"name":"{prefix}_task_{i}"')

    code, _, err = run_migrator("deploy", "--config-dir", str(config), "--log-format", "text",
                                base_url=proxy.url)

    assert code == 1, err
    assert_reported(err, prefix, failing, f"PUT {proxy.url}{TASKDEFS} -> 503")
    written = descriptions(server.base_url, prefix)
    assert {name for name, text in written.items() if text.endswith("revision a")} == {
        f"{prefix}_task_{i}" for i in failing}, written
    assert sorted(pending(server.base_url, config)) == sorted(
        f"task {prefix}_task_{i}" for i in failing)

    proxy.clear()
    code, _, err = run_migrator("deploy", "--config-dir", str(config), "--log-format", "text",
                                base_url=proxy.url)

    assert code == 0, err
    assert pending(server.base_url, config) == []
    assert set(descriptions(server.base_url, prefix).values()) == {
        f"step {i}, revision b" for i in range(TASKS)}


# -- new task definitions: in batches -------------------------------------------------


@pytest.fixture
def new_tasks(tmp_path: Path) -> tuple[Path, str]:
    """A config directory of ``TASKS`` task definitions the server does not hold."""
    prefix = unique_prefix()
    return write_tasks(tmp_path / "config", prefix, "a"), prefix


def test_new_tasks_go_in_batches_several_at_once_never_more_than_the_bound(
        proxy: FaultProxy, server: Server, new_tasks: tuple[Path, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    config, prefix = new_tasks
    monkeypatch.setattr(_apply, "TASK_BATCH", 2)  # 12 batches: more than the bound
    gate = proxy.hold(method="POST", path=TASKDEFS,
                      containing=f'"name":"{prefix}_task_')  # not the deploy record
    assert most_in_flight(proxy, config, gate, "POST") == PARALLEL_WRITES, \
        "\n".join(iter_counts(proxy))
    batches = proxy.count("POST", TASKDEFS, containing=f'"name":"{prefix}_task_')
    assert batches == TASKS // 2, "\n".join(iter_counts(proxy))
    assert set(descriptions(server.base_url, prefix).values()) == {
        f"step {i}, revision a" for i in range(TASKS)}


def test_a_refused_batch_is_sent_item_by_item_the_refused_ones_named_and_repaired_next(
        proxy: FaultProxy, server: Server, new_tasks: tuple[Path, str],
        run_migrator: RunMigrator) -> None:
    config, prefix = new_tasks
    refused = (3, 11, 20)
    for i in refused:  # 400 to every request that carries one of these, alone or not
        proxy.fail(None, status=400, method="POST", path=TASKDEFS,
                   containing=f'"name":"{prefix}_task_{i}"')

    code, _, err = run_migrator("deploy", "--config-dir", str(config), "--log-format", "text",
                                base_url=proxy.url)

    assert code == 1, err
    assert_reported(err, prefix, refused, f"POST {proxy.url}{TASKDEFS} -> 400")
    # The one batch of all 24, refused; then each alone.
    assert proxy.count("POST", TASKDEFS, containing=f'"name":"{prefix}_task_') == 1 + TASKS, \
        "\n".join(iter_counts(proxy))
    assert set(descriptions(server.base_url, prefix)) == {
        f"{prefix}_task_{i}" for i in range(TASKS) if i not in refused}
    assert sorted(pending(server.base_url, config)) == sorted(
        f"task {prefix}_task_{i}" for i in refused)

    proxy.clear()
    code, _, err = run_migrator("deploy", "--config-dir", str(config), "--log-format", "text",
                                base_url=proxy.url)

    assert code == 0, err
    assert pending(server.base_url, config) == []


def test_the_items_a_refusal_names_fail_and_the_rest_go_again_as_one_batch(
        proxy: FaultProxy, server: Server, new_tasks: tuple[Path, str]) -> None:
    config, prefix = new_tasks
    # What Conductor answers when its validation refuses two items of a list: each problem
    # with the item's index in the request (the plan sends new definitions by name).
    in_order = sorted(f"{prefix}_task_{i}" for i in range(TASKS))
    proxy.answer(json.dumps({"status": 400, "message": "Validation failed", "validationErrors": [
        {"path": "registerTaskDef.taskDefinitions[0].ownerEmail",
         "message": "ownerEmail cannot be empty"},
        {"path": "registerTaskDef.taskDefinitions[2].retryCount",
         "message": "TaskDef retryCount: -1 must be >= 0"}]}),
        status=400, method="POST", path=TASKDEFS, count=1)

    with ConductorClient(proxy.url, retry=FAST_RETRY) as client:
        with pytest.raises(WritesFailedError) as caught:
            deploy(config, client, wait_timeout=10)

    assert [(where.split(": task ")[1], str(error).split(" -> 400: ")[1])
            for where, error in caught.value.failures] == [
        (in_order[0], "ownerEmail: ownerEmail cannot be empty"),
        (in_order[2], "retryCount: TaskDef retryCount: -1 must be >= 0")]
    assert caught.value.done == TASKS - 2
    # The batch, then the 22 it did not name in one more: not one request each.
    assert proxy.count("POST", TASKDEFS, containing=f'"name":"{prefix}_task_') == 2, \
        "\n".join(iter_counts(proxy))
    assert set(descriptions(server.base_url, prefix)) == set(in_order) - {in_order[0],
                                                                          in_order[2]}


def test_the_real_servers_refusal_of_one_item_names_it_and_the_others_are_written(
        server: Server) -> None:
    """The server's own validation (not the migrator's, bypassed here) refuses one item
    of a list: both generations name it by its index, so it alone fails."""
    prefix = unique_prefix()
    bodies = [{"name": f"{prefix}_task_{i}", "ownerEmail": "t@example.com",
               "responseTimeoutSeconds": 10, "retryCount": -1 if i == 1 else 1}
              for i in range(3)]
    desired = DefinitionSet(tuple(Definition("task", body, Source(f"tasks/{i}.json"))
                                  for i, body in enumerate(bodies)))
    with server_client(server.base_url) as client:
        plan = compute_plan(desired, read_live(client, 10))
        with pytest.raises(WritesFailedError) as caught:
            apply_plan(plan, client)

    [(where, error)] = caught.value.failures
    assert where == f"tasks/1.json: task {prefix}_task_1"
    assert str(error).endswith("retryCount: TaskDef retryCount: 0 must be >= 0"), error
    assert set(descriptions(server.base_url, prefix)) == {f"{prefix}_task_0",
                                                          f"{prefix}_task_2"}


def test_a_batch_that_fails_for_good_stops_none_of_the_others(
        proxy: FaultProxy, server: Server, new_tasks: tuple[Path, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    config, prefix = new_tasks
    monkeypatch.setattr(_apply, "TASK_BATCH", 4)
    # 503 to every attempt of the batch that holds task 5, whenever it is sent
    proxy.fail(None, method="POST", path=TASKDEFS, containing=f'"name":"{prefix}_task_5"')

    with ConductorClient(proxy.url, retry=FAST_RETRY) as client:
        with pytest.raises(WritesFailedError) as caught:
            deploy(config, client, wait_timeout=10)

    # The four of that batch failed, with the one error, said once for the four.
    failed = {where.split(": task ")[1] for where, _ in caught.value.failures}
    assert len(failed) == 4 and f"{prefix}_task_5" in failed, caught.value
    assert caught.value.done == TASKS - 4
    assert str(caught.value).count("-> 503") == 1, caught.value
    assert set(descriptions(server.base_url, prefix)) == {
        f"{prefix}_task_{i}" for i in range(TASKS)} - failed
    assert sorted(pending(server.base_url, config)) == sorted(f"task {n}" for n in failed)

    proxy.clear()
    with server_client(proxy.url) as client:
        deploy(config, client, wait_timeout=10)
    assert pending(server.base_url, config) == []
