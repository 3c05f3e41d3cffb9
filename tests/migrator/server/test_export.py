"""``export`` on both servers: a server filled by direct API calls (the own corpus of every
task type, the stock boot samples, Conductor's samples when there are any, and this test's
own definitions in several versions) is written out, ``plan`` of the
export shows no change, and a second export changes no byte.

The servers are shared with other tests, which write while this one runs: the
assertions look only at this test's names and the corpus (fixed names, fixed content).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.configs import keep_all_but, server_client, unique_prefix
from tests.support.corpus import OWN_CORPUS, SAMPLES_DIR, sample_files
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server
from workflow_migrator import (
    ConductorClient,
    DefinitionSet,
    ServerRejectedError,
    compute_plan,
    load_directory,
    read_live,
)
from workflow_migrator._export import stock_samples
from workflow_migrator._models import DEPLOY_RECORD_TASK

pytestmark = pytest.mark.server


def _fill_with_corpus(client: ConductorClient) -> set[str]:
    """Registers the own corpus, a stock server's boot samples, and every sample the server
    accepts when there are samples, as they are (upserts: idempotent); returns their names."""
    documents = [json.loads(p.read_text()) if p.suffix == ".json" else yaml.safe_load(
        p.read_text()) for p in sorted(OWN_CORPUS.rglob("*.*"))]
    documents += [list(stock.values()) for stock in stock_samples()]
    if SAMPLES_DIR is not None and SAMPLES_DIR.is_dir():
        documents += [json.loads(sample.read_text()) for sample in sample_files()]
    names: set[str] = set()
    for document in documents:
        items = document if isinstance(document, list) else [document]
        try:
            if all("tasks" in item for item in items):
                client.upsert_workflow_defs(items)
            else:
                client.upsert_task_defs(items)
        except ServerRejectedError:
            continue  # the one sample with schemaVersion 1
        names |= {str(item["name"]) for item in items}
    return names


def _fill_with_own(client: ConductorClient, prefix: str) -> None:
    client.upsert_task_defs([
        {"name": f"{prefix}_charge", "retryCount": 5, "timeoutSeconds": 300,
         "responseTimeoutSeconds": 60, "ownerEmail": "team@example.com",
         "inputTemplate": {"note": "literal @{NOT_A_PLACEHOLDER} and @@{ESCAPED}"}},
        # ('/' would do too, but the server could then never delete it: rule "name")
        {"name": f"{prefix} odd<name", "description": "a name no file system likes"},
        {"name": f"{prefix}_Case"}, {"name": f"{prefix}_case"},
    ])
    client.upsert_workflow_defs([
        {"name": f"{prefix}_flow", "version": version, "description": f"release {version}",
         "tasks": [{"name": f"{prefix}_charge", "taskReferenceName": "charge",
                    "inputParameters": {"amount": "${workflow.input.amount}"}}]}
        for version in (1, 2, 3)])
    handlers: list[dict[str, Any]] = [
        {"name": f"{prefix}_start", "event": f"conductor:{prefix}_q", "active": True,
         "actions": [{"action": "start_workflow",
                      "start_workflow": {"name": f"{prefix}_flow", "version": 3}}]},
        {"name": f"{prefix}_idle", "event": f"sqs:{prefix}_q",
         "actions": [{"action": "fail_task", "expandInlineJSON": True,
                      "fail_task": {"taskId": "${taskId}"}}]}]
    for handler in handlers:
        client.delete_event_handler(handler["name"])
        client.create_event_handler(handler)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _only(definitions: DefinitionSet, names: set[str], prefix: str) -> DefinitionSet:
    def mine(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(d for d in items if d.name in names or d.name.startswith(prefix))
    return DefinitionSet(mine(definitions.tasks), mine(definitions.workflows),
                         event_handlers=mine(definitions.event_handlers))


def test_an_export_of_everything_plans_no_change(server: Server, tmp_path: Path,
                                                 run_migrator: RunMigrator) -> None:
    prefix = unique_prefix()
    with server_client(server.base_url) as client:
        samples = _fill_with_corpus(client)
        _fill_with_own(client, prefix)

    code, out, err = run_migrator("export", "--config-dir", str(tmp_path / "all"),
                                  "--all-versions")
    assert code == 0, err
    files = set(_tree(tmp_path / "all"))
    for version in (1, 2, 3):
        assert f"workflows/{prefix}_flow.v{version}.json" in files
    assert {f"event-handlers/{prefix}_start.json", f"event-handlers/{prefix}_idle.json"} <= files
    odd = [f for f in files if f.startswith(f"tasks/{prefix}_odd_name-")]
    assert len(odd) == 1 and odd[0].endswith(".json")
    assert len([f for f in files if f.lower().startswith(f"tasks/{prefix}_case")]) == 2
    # the stock boot samples are the server's, not the team's: left out
    stock_tasks, stock_workflows = stock_samples()
    assert not {f"tasks/{name}.json" for name in stock_tasks} & files
    assert not {f"workflows/{name}.v1.json" for name in stock_workflows} & files
    assert "Skipped the server's stock boot samples" in out

    charge = json.loads((tmp_path / "all" / "tasks" / f"{prefix}_charge.json").read_text())
    assert charge == {"name": f"{prefix}_charge", "inputTemplate": {
        "note": "literal @@{NOT_A_PLACEHOLDER} and @@@{ESCAPED}"}, "ownerEmail":
        "team@example.com", "responseTimeoutSeconds": 60, "retryCount": 5, "timeoutSeconds": 300}

    desired, _ = load_directory(tmp_path / "all", "test")
    corpus = samples - set(stock_tasks) - set(stock_workflows)
    ours = _only(desired, corpus, prefix)
    assert corpus <= {d.name for d in ours}  # every corpus definition was exported
    assert len([w for w in ours.workflows if w.name.startswith(prefix)]) >= 3
    assert len(ours.event_handlers) == 2
    with server_client(server.base_url) as client:
        plan = compute_plan(ours, read_live(client, 30))
    assert [c.address for c in plan.changes if c.action != "unchanged"] == []
    assert plan.count("unchanged") == len(ours)

    # a second export: the same bytes for everything this test and the samples own
    assert run_migrator("export", "--config-dir", str(tmp_path / "again"),
                        "--all-versions")[0] == 0
    files_of_ours = {d.source.file for d in ours}
    first, again = _tree(tmp_path / "all"), _tree(tmp_path / "again")
    assert {f: first[f] for f in files_of_ours} == {f: again.get(f) for f in files_of_ours}


def test_an_export_is_stable_and_deploy_reads_it_back(server: Server, tmp_path: Path,
                                                      run_migrator: RunMigrator) -> None:
    prefix = unique_prefix()
    with server_client(server.base_url) as client:
        _fill_with_own(client, prefix)
    only_mine = [option.replace("--keep", "--exclude") for option in keep_all_but(prefix)]

    for name, fmt in (("first", "yaml"), ("second", "yaml"), ("json", "json")):
        code, _, err = run_migrator("export", "--config-dir", str(tmp_path / name),
                                    "--format", fmt, *only_mine)
        assert code == 0, err
    assert _tree(tmp_path / "first") == _tree(tmp_path / "second")
    assert set(_tree(tmp_path / "json")) == {
        p.replace(".yaml", ".json") for p in _tree(tmp_path / "first")}
    # without --all-versions: the newest version, with its version explicit
    flow = json.loads((tmp_path / "json" / "workflows" / f"{prefix}_flow.json").read_text())
    assert (flow["version"], flow["description"]) == (3, "release 3")
    assert list(flow)[:3] == ["name", "description", "version"]

    for name in ("first", "json"):
        code, out, err = run_migrator("plan", "--config-dir", str(tmp_path / name),
                                      "--detailed-exitcode")
        assert code == 0, out + err
        assert "No changes." in out


def test_a_non_empty_directory_is_refused_unless_forced(server: Server, tmp_path: Path,
                                                        run_migrator: RunMigrator) -> None:
    prefix = unique_prefix()
    with server_client(server.base_url) as client:
        _fill_with_own(client, prefix)
    only_mine = [option.replace("--keep", "--exclude") for option in keep_all_but(prefix)]
    target = tmp_path / "config"
    (target / "environments").mkdir(parents=True)
    (target / "environments" / "test.yaml").write_text("values: {}\n")
    (target / "tasks").mkdir()
    (target / "tasks" / "stale.json").write_text("{}")

    code, out, err = run_migrator("export", "--config-dir", str(target), "--log-format", "text",
                                  *only_mine)
    assert code == 1 and out == ""
    assert f"Error: {target} is not empty" in err
    assert set(_tree(target)) == {"environments/test.yaml", "tasks/stale.json"}

    code, _, err = run_migrator("export", "--config-dir", str(target), "--force", *only_mine)
    assert code == 0, err
    files = set(_tree(target))
    assert "environments/test.yaml" in files and "tasks/stale.json" not in files
    assert f"workflows/{prefix}_flow.json" in files
    assert [p.name for p in tmp_path.iterdir()] == ["config"]  # no staging left behind


def test_a_server_that_cannot_be_read_leaves_no_directory(tmp_path: Path,
                                                          run_migrator: RunMigrator) -> None:
    code, _, err = run_migrator("export", "--config-dir", str(tmp_path / "config"),
                                "--wait-timeout", "0", base_url="http://127.0.0.1:9")
    assert code == 1 and "server not ready" in err
    assert list(tmp_path.iterdir()) == []


def test_the_readme_adopt_round_trip_after_a_deploy(server: Server, tmp_path: Path,
                                                   run_migrator: RunMigrator) -> None:
    """Deploy with --source-revision (so the server holds the migrator's record), export
    everything to an empty directory, validate, plan: no changes. The record is the
    migrator's own: never exported, so the export deploys no stale copy of it."""
    prefix = unique_prefix()
    config = tmp_path / "config"
    (config / "tasks").mkdir(parents=True)
    (config / "tasks" / "work.json").write_text(json.dumps(
        {"name": f"{prefix}_work", "ownerEmail": "team@example.com", "retryCount": 1,
         "timeoutSeconds": 300, "responseTimeoutSeconds": 60}))
    code, _, err = run_migrator("deploy", "--config-dir", str(config),
                                "--source-revision", "abc1234")
    assert code == 0, err

    adopted = tmp_path / "adopted"
    code, out, err = run_migrator("export", "--config-dir", str(adopted), "--log-format", "text")
    assert code == 0, err
    exported = {p.relative_to(adopted).as_posix(): json.loads(p.read_text())
                for p in adopted.rglob("*.json")}
    assert not [f for f, body in exported.items() if body["name"] == DEPLOY_RECORD_TASK]
    assert exported[f"tasks/{prefix}_work.json"]["retryCount"] == 1
    # The server is shared: what other tests own may change meanwhile. Keep ours.
    for relative, body in exported.items():
        if not str(body["name"]).startswith(prefix):
            (adopted / relative).unlink()

    assert run_migrator("validate", "--config-dir", str(adopted))[0] == 0
    code, out, err = run_migrator("plan", "--config-dir", str(adopted), "--detailed-exitcode",
                                  "--log-format", "text")
    assert code == 0, out + err
    assert "No changes." in out


#: A name the server stores but can neither read back nor delete: fixed, so that reruns on a
#: long-lived server add no more of them.
UNMANAGEABLE = "workflow_migrator_test/unmanageable"


def test_names_no_file_system_takes_are_exported_and_deploy_back(
        server: Server, tmp_path: Path, run_migrator: RunMigrator) -> None:
    """A 200-byte name and one of characters no file name should hold, registered by direct
    API calls: the export names their files safely (short, with a hash, the same each
    time), says so, and the files deploy to the very same names. A name with ``/`` (the
    server cannot read it back) is left out, with the reason."""
    prefix = unique_prefix()
    long_name = f"{prefix}_" + "x" * (200 - len(prefix) - 1)
    odd = f"{prefix} team:charge?#%"
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        http.post("/api/metadata/taskdefs", json=[
            {"name": n, "ownerEmail": "team@example.com", "timeoutSeconds": 300,
             "responseTimeoutSeconds": 60, "description": "by hand"}
            for n in (long_name, odd, UNMANAGEABLE)]).raise_for_status()
        http.put("/api/metadata/workflow", json=[
            {"name": long_name, "version": 1, "ownerEmail": "team@example.com",
             "schemaVersion": 2, "description": "by hand",
             "tasks": [{"name": odd, "taskReferenceName": "charge", "type": "SIMPLE"}]}
        ]).raise_for_status()
    only_mine = [option.replace("--keep", "--exclude") for option in keep_all_but(prefix)]

    trees = []
    for attempt in ("first", "again"):
        code, out, err = run_migrator("export", "--config-dir", str(tmp_path / attempt),
                                      "--log-format", "text", *only_mine)
        assert code == 0, err
        assert "3 name(s) are not safe or short enough as file names" in out, out
        trees.append(_tree(tmp_path / attempt))
    assert trees[0] == trees[1]
    assert len(trees[0]) == 3
    assert all(len(Path(f).name) < 120 for f in trees[0]), list(trees[0])
    code, out, err = run_migrator("export", "--config-dir", str(tmp_path / "all"),
                                  "--log-format", "text")
    assert code == 0, err
    assert f"task '{UNMANAGEABLE}': the name contains '/'" in out, out

    config = tmp_path / "first"
    bodies = {p: json.loads(p.read_text()) for p in config.rglob("*.json")}
    assert sorted(b["name"] for b in bodies.values()) == sorted([long_name, long_name, odd])
    code, out, err = run_migrator("plan", "--config-dir", str(config), "--detailed-exitcode",
                                  "--log-format", "text")
    assert code == 0, out + err
    for path, body in bodies.items():
        path.write_text(json.dumps({**body, "description": "from the export"}))
    code, out, err = run_migrator("deploy", "--config-dir", str(config), "--allow-overwrite",
                                  "--log-format", "text")
    assert code == 0, out + err
    with server_client(server.base_url) as client:
        tasks, workflows = client.list_all_defs()
    described = {(w["name"], w.get("description")) for w in [*tasks, *workflows]
                 if w["name"] in (long_name, odd)}
    assert described == {(long_name, "from the export"), (odd, "from the export")}
