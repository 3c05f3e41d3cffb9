"""Impact analysis against real servers: the endpoints it reads, in-flight executions in
the plan, a breaking change for a caller only the server holds, and workers (a real poller)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.configs import keep_all_but, unique_prefix, write_definition
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server
from tests.support.workers import Poller
from workflow_migrator import ConductorClient

pytestmark = pytest.mark.server


def child(name: str, *, outputs: dict[str, str], description: str = "") -> dict[str, object]:
    return {"name": name, "description": description, "ownerEmail": "t@example.com",
            "outputParameters": outputs,
            "tasks": [{"name": f"{name}_work", "taskReferenceName": "work", "type": "SIMPLE"}]}


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        yield client


@pytest.fixture
def started(http: httpx.Client) -> Iterator[list[str]]:
    """Executions a test starts, terminated afterwards."""
    ids: list[str] = []
    yield ids
    for execution in ids:
        http.delete(f"/api/workflow/{execution}", params={"reason": "test over"})


def start(http: httpx.Client, started: list[str], name: str, version: int) -> str:
    answer = http.post("/api/workflow", json={"name": name, "version": version, "input": {}})
    answer.raise_for_status()
    started.append(answer.text.strip('"'))
    return started[-1]


def register(http: httpx.Client, *workflows: dict[str, object]) -> None:
    http.put("/api/metadata/workflow", json=list(workflows)).raise_for_status()


def test_running_endpoint_ignores_version_and_search_depends_on_the_index(
        server: Server, http: httpx.Client, started: list[str]) -> None:
    """Pins what the impact analysis relies on: the running endpoint lists every
    version's RUNNING and PAUSED executions whatever version is asked; only the
    embedded server's search holds them (3.15 here runs without an index)."""
    name = unique_prefix()
    register(http, {**child(name, outputs={}), "version": 1}, {**child(name, outputs={}),
                                                              "version": 2})
    on_v1, on_v2 = start(http, started, name, 1), start(http, started, name, 2)
    http.put(f"/api/workflow/{on_v1}/pause").raise_for_status()
    for version in (1, 2):
        ids = http.get(f"/api/workflow/running/{name}", params={"version": version}).json()
        assert sorted(ids) == sorted([on_v1, on_v2])
    hits = http.get("/api/workflow/search", params={
        "query": f"workflowType IN ({name}) AND status IN (RUNNING,PAUSED)"}).json()
    states = {r["workflowId"]: (r["version"], r["status"]) for r in hits["results"]}
    if server.build == "oss":
        assert states == {on_v1: (1, "PAUSED"), on_v2: (2, "RUNNING")}
    else:
        assert hits["totalHits"] == 0 and states == {}
    summary = http.get(f"/api/workflow/{on_v1}", params={"includeTasks": False}).json()
    assert (summary["workflowVersion"], summary["status"]) == (1, "PAUSED")


def test_plan_shows_running_and_paused_executions_per_version(
        run_migrator: RunMigrator, http: httpx.Client, started: list[str],
        tmp_path: Path) -> None:
    name = unique_prefix()
    write_definition(tmp_path, "workflows", child(name, outputs={"total": "${work.output.total}"}))
    assert run_migrator("deploy", "--config-dir", str(tmp_path))[0] == 0
    start(http, started, name, 1)
    paused = start(http, started, name, 1)
    http.put(f"/api/workflow/{paused}/pause").raise_for_status()
    write_definition(tmp_path, "workflows", child(name, outputs={"total": "${work.output.total}"},
                                       description="second"))

    code, out, _ = run_migrator("plan", "--config-dir", str(tmp_path), "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["format_version"] == "1.1"
    assert document["risk"]["executions"] == [
        {"workflow": name, "version": 1, "running": 1, "paused": 1}]

    code, out, _ = run_migrator("plan", "--config-dir", str(tmp_path))
    assert f"workflow {name} v1: 1 running, 1 paused" in out
    code, out, _ = run_migrator("plan", "--config-dir", str(tmp_path), "--format", "markdown")
    assert "#### Risk" in out and f"| `workflow {name} v1` | 1 | 1 |" in out

    code, out, _ = run_migrator("plan", "--config-dir", str(tmp_path), "--format", "json",
                                "--no-impact")
    assert json.loads(out)["risk"] is None


@pytest.mark.parametrize("analysis", [(), ("--no-impact",)], ids=["impact", "no-impact"])
def test_prune_keeps_only_the_versions_with_executions(
        run_migrator: RunMigrator, client: ConductorClient, http: httpx.Client,
        started: list[str], tmp_path: Path, analysis: tuple[str, ...]) -> None:
    """The running endpoint answers for the name, not the version: the plan (and so
    deploy, which plans without the analysis) keeps v1, which runs, and deletes v2."""
    name = unique_prefix()
    register(http, {**child(name, outputs={}), "version": 1}, {**child(name, outputs={}),
                                                              "version": 2})
    start(http, started, name, 1)
    write_definition(tmp_path, "workflows", {**child(f"{name}x", outputs={}), "version": 1})
    code, out, _ = run_migrator("plan", "--config-dir", str(tmp_path), "--format", "json",
                                "--prune", *analysis, *keep_all_but(name))
    document = json.loads(out)
    deleted = {c["address"] for c in document["changes"] if c["actions"] == ["delete"]}
    assert f"workflow {name} v2" in deleted and f"workflow {name} v1" not in deleted
    assert f"workflow {name} v1: has running executions" in document["retained"]
    assert client.workflow_def(name, 2) is not None  # a plan writes nothing


def test_output_removed_breaks_a_parent_only_the_server_holds(
        run_migrator: RunMigrator, http: httpx.Client, tmp_path: Path) -> None:
    name = unique_prefix()
    write_definition(tmp_path, "workflows", child(name, outputs={"total": "${work.output.total}"}))
    assert run_migrator("deploy", "--config-dir", str(tmp_path))[0] == 0
    parent = {"name": f"{name}_parent", "version": 1, "ownerEmail": "t@example.com",
              "schemaVersion": 2,
              "tasks": [{"name": name, "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
                         "subWorkflowParam": {"name": name}},
                        {"name": f"{name}_work", "taskReferenceName": "use", "type": "SIMPLE",
                         "inputParameters": {"total": "${sub.output.total}"}}]}
    register(http, parent)
    write_definition(tmp_path, "workflows", child(name, outputs={}))

    code, out, err = run_migrator("plan", "--config-dir", str(tmp_path), "--format", "json",
                                  "--fail-on", "breaking", "--detailed-exitcode")
    assert code == 1, err
    (concern,) = [c for c in json.loads(out)["risk"]["concerns"] if c["rule"] == "output-removed"]
    assert concern["severity"] == "breaking"
    assert concern["callers"] == [f"workflow {name}_parent v1 (on the server, not in the "
                                  "directory)"]
    assert "output 'total'" in err
    code, _, _ = run_migrator("plan", "--config-dir", str(tmp_path), "--detailed-exitcode")
    assert code == 2


def test_a_worker_task_without_and_with_a_polling_worker(
        run_migrator: RunMigrator, server: Server, tmp_path: Path) -> None:
    name = unique_prefix()
    write_definition(tmp_path, "tasks", {"name": f"{name}_work", "ownerEmail": "t@example.com"})
    write_definition(tmp_path, "workflows", child(name, outputs={}))

    code, out, _ = run_migrator("plan", "--config-dir", str(tmp_path), "--format", "json")
    (worker,) = json.loads(out)["risk"]["workers"]
    assert (worker["task_type"], worker["ready"], worker["last_poll_seconds"]) == \
        (f"{name}_work", False, None)
    code, out, _ = run_migrator("plan", "--config-dir", str(tmp_path))
    assert code == 0
    assert f"Warning: task {name}_work (used by workflow {name} v1): no worker polled" in out
    code, out, err = run_migrator("plan", "--config-dir", str(tmp_path), "--require-workers")
    assert code == 1 and f"no worker polls {name}_work" in err

    with Poller(server.base_url, f"{name}_work") as poller:
        poller.wait_for_polls(1)
        code, out, err = run_migrator("plan", "--config-dir", str(tmp_path), "--format", "json",
                                      "--require-workers")
    assert code == 0, err
    (worker,) = json.loads(out)["risk"]["workers"]
    assert worker["ready"] is True and worker["last_poll_seconds"] < 60
    code, out, _ = run_migrator("plan", "--config-dir", str(tmp_path), "--format", "json",
                                "--worker-window", "0s", "--require-workers")
    assert code == 1  # polled, but not within a window of nothing
