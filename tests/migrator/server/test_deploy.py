"""The first deploy, the round trip of real definitions, and idempotence, on both profiles."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.configs import copy_config, server_client, unique_prefix
from tests.support.corpus import OWN_CORPUS, sample_files
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server
from workflow_migrator import (
    ConductorClient,
    DefinitionError,
    DefinitionSet,
    ServerRejectedError,
    apply_plan,
    compute_plan,
    deploy,
    differences,
    load_directory,
    read_live,
    validate_directory,
)

pytestmark = pytest.mark.server


def _samples_config(config_dir: Path) -> Path:
    """Every sample laid out as a config directory: task definitions and workflows."""
    for sample in sample_files():
        document = json.loads(sample.read_text())
        items = document if isinstance(document, list) else [document]
        folder = "workflows" if all("tasks" in item for item in items) else "tasks"
        (config_dir / folder).mkdir(parents=True, exist_ok=True)
        (config_dir / folder / sample.name).write_text(sample.read_text())
    return config_dir


#: The samples the validator refuses for Conductor 3.15, and why: the rest must deploy as
#: they are. For conductor-oss, the GraalJS INLINE task is valid and deploys too.
REFUSED_SAMPLES = {
    "workflows/nf3.15.0__rest__src__main__resources__kitchensink__wf1.json": "schema-version",
    "workflows/osshead__docs__quickstart__workflow.json": "evaluator",
}
#: The generation of each server under test, the samples' target there.
TARGETS = {"core": "conductor-3.15", "oss": "conductor-oss-3.2x"}
#: The samples that call a workflow no sample defines.
DANGLING_SAMPLES = {
    "workflows/nf3.15.0__rest__src__main__resources__kitchensink__kitchensink.json":
        "sub-workflow-missing",
    "workflows/orkes1.1.12__persistence__src__test__resources__wf.json": "sub-workflow-missing",
    "workflows/orkes1.1.12__test-harness__src__test__resources__metadata__fail.json":
        "failure-workflow-missing",
}


def test_all_samples_deploy_round_trip_and_redeploy_writes_nothing(server: Server,
                                                                   tmp_path: Path) -> None:
    """Conductor's own sample definitions, boot samples' names included, through the
    migrator's whole path: validate, plan, apply; then a second deploy writes nothing."""
    config = _samples_config(tmp_path)
    (config / "workflow-migrator.yaml").write_text(f"target: {TARGETS[server.build]}\n")
    _, findings = validate_directory(config)
    refused = {f.file: f.rule for f in findings if f.severity == "error"}
    assert refused == {file: rule for file, rule in REFUSED_SAMPLES.items()
                       if server.is_core or rule != "evaluator"}
    for file in refused:
        (config / file).unlink()
    # Three samples call definitions that no sample defines (the kitchen sink's sub_flow_1
    # lives in wf1): once the server has been read, each is an error unless the server
    # happens to hold the callee, and then nothing at all is written.
    with server_client(server.base_url) as client:
        try:
            deploy(config, client, wait_timeout=30)
        except DefinitionError as missing:
            assert client.write_count == 0
            dangling = {(f.file, f.rule) for f in missing.findings if f.severity == "error"}
            assert dangling and dangling <= set(DANGLING_SAMPLES.items())
        else:
            raise AssertionError("the samples' dangling references were not refused")
    for file in DANGLING_SAMPLES:
        (config / file).unlink()

    assert len(_assert_round_trip(server, config)) >= 20


def test_the_own_corpus_of_every_task_type_deploys_round_trips_and_redeploys_nothing(
        server: Server, tmp_path: Path) -> None:
    """Every task type, nested as real workflows nest them, through validate, plan and apply."""
    config = tmp_path / "corpus"
    shutil.copytree(OWN_CORPUS, config)
    _, findings = validate_directory(config)
    assert [f for f in findings if f.severity == "error"] == []
    assert len(_assert_round_trip(server, config)) == 4


def _assert_round_trip(server: Server, config: Path) -> DefinitionSet:
    """Deploys ``config``: the server then holds each definition as the file says, and a
    second deploy writes nothing. Returns what was deployed."""
    with server_client(server.base_url) as client:
        first, _ = deploy(config, client, wait_timeout=30)
    assert not first.conflicts
    desired, _ = load_directory(config)
    with server_client(server.base_url) as client:
        live = read_live(client, 30)
    tasks = {t["name"]: t for t in live.tasks}
    workflows = {(w["name"], w.get("version", 1)): w for w in live.workflows}
    for definition in desired:
        if definition.kind == "task":
            current = tasks[definition.name]
        else:
            current = workflows[(definition.name, definition.version or 1)]
        assert differences(definition.kind, current, definition.body) == [], definition.label

    with server_client(server.base_url) as client:
        second, _ = deploy(config, client, wait_timeout=30)
        assert not second.has_changes
        assert client.write_count == 0
    return desired


def test_second_deploy_makes_zero_writes_and_one_change_one_write(server: Server,
                                                                  tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = copy_config(tmp_path / "config", prefix)
    with server_client(server.base_url) as client:
        first, _ = deploy(config, client, wait_timeout=30)
    assert first.count("create") == 8

    with server_client(server.base_url) as client:
        second, _ = deploy(config, client, wait_timeout=30)
        assert not second.has_changes
        assert client.write_count == 0
        assert len(client.requests) <= 3, client.requests

    task_file = config / "tasks" / "order_tasks.json"
    task_file.write_text(task_file.read_text().replace('"retryCount": 5', '"retryCount": 6'))
    with server_client(server.base_url) as client:
        third, _ = deploy(config, client, wait_timeout=30)
        assert [c.address for c in third.changes if c.action != "unchanged"] == [
            f"task {prefix}_ship_order"]
        # the change, then the deploy record
        assert [(r.method, r.path) for r in client.requests if r.is_write] == [
            ("PUT", "/api/metadata/taskdefs"), ("PUT", "/api/metadata/taskdefs")]


def test_cli_deploy_leaves_every_workflow_live(run_migrator: RunMigrator, client: ConductorClient,
                                               tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = copy_config(tmp_path / "config", prefix)
    code, out, err = run_migrator("deploy", "--config-dir", str(config), "--log-format", "text")
    assert code == 0, err
    assert "Plan: 8 to add, 0 to change, 0 to delete, 0 unchanged." in out
    live = {w["name"] for w in client.list_workflow_defs()}
    assert {f"{prefix}_order_fulfilment", f"{prefix}_notify_customer",
            f"{prefix}_payment_reconciliation"} <= live
    code, out, _ = run_migrator("deploy", "--config-dir", str(config), "--log-format", "text")
    assert code == 0
    assert "No changes." in out


def test_a_bulk_request_refused_for_one_item_names_its_file_and_stores_nothing(
        server: Server, tmp_path: Path) -> None:
    """Both servers validate a bulk workflow PUT as a whole: one bad item, 400, nothing
    stored (3.15 names the item `workflowDefList[i]`, 3.32 `arg0[i]`). The validator would
    stop this item first, so the plan is applied directly to reach the server's answer."""
    prefix = unique_prefix()
    good = {"name": f"{prefix}_good", "version": 1, "schemaVersion": 2,
            "tasks": [{"name": "set", "taskReferenceName": "set", "type": "SET_VARIABLE",
                       "inputParameters": {"x": 1}}]}
    bad = {"name": f"{prefix}_bad", "version": 1, "schemaVersion": 2, "tasks": []}
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "a_good.json").write_text(json.dumps(good))
    (tmp_path / "workflows" / "b_bad.json").write_text(json.dumps(bad))
    desired, _ = load_directory(tmp_path)
    with server_client(server.base_url) as client:
        planned = compute_plan(desired, read_live(client, 30))
        with pytest.raises(ServerRejectedError) as refused:
            apply_plan(planned, client)
        live = {w["name"] for w in client.list_workflow_defs()}
    assert refused.value.status == 400
    assert refused.value.messages == [
        f"workflows/b_bad.json: workflow {prefix}_bad v1: tasks: WorkflowTask list cannot be empty"]
    assert "stored none" in str(refused.value)
    assert not {good["name"], bad["name"]} & live


def test_deploy_logs_its_plan_as_json_lines_in_a_job(server: Server, tmp_path: Path) -> None:
    """The installed command with stderr not a terminal (CI, a Kubernetes Job) logs JSON by
    default: one line per change with kind, name, version, action and the changed field
    paths, and never a secret's value, old or new."""
    import subprocess
    import uuid

    from tests.support.migrator import MIGRATOR
    from tests.support.stacks import clean_env

    name = unique_prefix()
    old, new = f"old{uuid.uuid4().hex}", f"new{uuid.uuid4().hex}"

    def write(token: str, description: str) -> None:
        for folder in ("tasks", "workflows", "environments"):
            (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / "environments" / "test.yaml").write_text(json.dumps(
            {"values": {"TOKEN": token}, "secret": ["TOKEN"]}))
        (tmp_path / "tasks" / "t.json").write_text(json.dumps(
            {"name": f"{name}_t", "ownerEmail": "team@example.com", "description": description,
             "responseTimeoutSeconds": 60, "timeoutSeconds": 120}))
        (tmp_path / "workflows" / "w.json").write_text(json.dumps(
            {"name": f"{name}_w", "ownerEmail": "team@example.com", "schemaVersion": 2,
             "tasks": [{"name": f"{name}_call", "taskReferenceName": "call", "type": "HTTP",
                        "inputParameters": {"http_request": {
                            "uri": "https://api.example.com/x", "method": "GET",
                            "headers": {"Authorization": "Bearer @{TOKEN}"}}}}]}))

    def deploy_job() -> list[dict[str, object]]:
        done = subprocess.run([str(MIGRATOR), "deploy", "--config-dir", str(tmp_path)],
                              env=clean_env(CONDUCTOR_BASE_URL=server.base_url, APP_ENV="test"),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        for secret in (old, new):
            assert secret not in done.stdout + done.stderr
        return [json.loads(line) for line in done.stderr.splitlines()]

    write(old, "first")
    deploy_job()
    write(new, "second")
    lines = deploy_job()
    planned = {(line["kind"], line["name"]): line for line in lines
               if line.get("event") == "planned"}
    assert set(planned) == {("task", f"{name}_t"), ("workflow", f"{name}_w")}, lines
    task, workflow = planned[("task", f"{name}_t")], planned[("workflow", f"{name}_w")]
    assert (task["action"], task["version"], task["fields"]) == ("update", None, ["description"])
    assert (workflow["action"], workflow["version"]) == ("create", 2)
    assert workflow["fields"] == ["tasks[0].inputParameters.http_request.headers.Authorization"]
    assert "description" in str(task["message"])
    [summary] = [line for line in lines if line.get("event") == "plan"]
    assert (summary["create"], summary["update"], summary["delete"]) == (1, 1, 0)
    applied = {(line["kind"], line["name"]): line for line in lines
               if line.get("event") == "applied"}
    assert applied[("task", f"{name}_t")]["fields"] == ["description"]
    assert applied[("workflow", f"{name}_w")]["version"] == 2
