"""Plan exit codes, versioning that loses nothing, prune, and per-environment values,
against a real server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.support.configs import unique_prefix
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server
from workflow_migrator import ConductorClient, RetryPolicy, deploy
from workflow_migrator._models import JSONObject

pytestmark = pytest.mark.server


def write_workflow(config: Path, name: str, *, version: int | None = None,
                   description: str = "first", task: str = "") -> Path:
    body: dict[str, object] = {
        "name": name,
        "description": description,
        "tasks": [{"name": task or f"{name}_work", "taskReferenceName": "work", "type": "SIMPLE"}],
    }
    if version is not None:
        body["version"] = version
    path = config / "workflows" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body))
    return path


def write_task(config: Path, name: str, **fields: object) -> None:
    path = config / "tasks" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"name": name, **fields}))


def versions(client: ConductorClient, name: str) -> dict[int, JSONObject]:
    return {w["version"]: w for w in client.list_workflow_defs() if w["name"] == name}


def test_plan_exit_codes(run_migrator: RunMigrator, tmp_path: Path) -> None:
    name = unique_prefix()
    write_workflow(tmp_path, name)
    code, out, _ = run_migrator("plan", "--config-dir", str(tmp_path), "--detailed-exitcode")
    assert code == 2
    assert f"+ workflow {name} v1 will be created" in out
    assert run_migrator("plan", "--config-dir", str(tmp_path))[0] == 0  # without the flag

    assert run_migrator("deploy", "--config-dir", str(tmp_path))[0] == 0
    code, out, _ = run_migrator("plan", "--config-dir", str(tmp_path), "--detailed-exitcode")
    assert code == 0
    assert "No changes." in out

    (tmp_path / "workflows" / f"{name}.json").write_text("{ not json")
    code, _, err = run_migrator("plan", "--config-dir", str(tmp_path), "--detailed-exitcode")
    assert code == 1
    assert f"workflows/{name}.json" in err and "invalid JSON at line 1" in err


def test_plan_json_is_the_documented_document(run_migrator: RunMigrator, tmp_path: Path) -> None:
    name = unique_prefix()
    write_workflow(tmp_path, name)
    code, out, _ = run_migrator("plan", "--config-dir", str(tmp_path), "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["format_version"] == "1.1"
    assert document["summary"] == {"delete": 0, "create": 1, "update": 0, "unchanged": 0}
    assert document["changes"][0]["actions"] == ["create"]
    assert document["changes"][0]["address"] == f"workflow {name} v1"


def test_dry_run_is_plan_and_writes_nothing(run_migrator: RunMigrator, client: ConductorClient,
                                            tmp_path: Path) -> None:
    name = unique_prefix()
    write_workflow(tmp_path, name)
    code, dry_out, _ = run_migrator("deploy", "--dry-run", "--config-dir", str(tmp_path))
    _, plan_out, _ = run_migrator("plan", "--config-dir", str(tmp_path))
    assert code == 0 and dry_out == plan_out
    assert versions(client, name) == {}


def test_explicit_version_changed_is_refused_and_nothing_written(
        run_migrator: RunMigrator, server: Server, client: ConductorClient,
        tmp_path: Path) -> None:
    name = unique_prefix()
    write_workflow(tmp_path, name, version=3)
    assert run_migrator("deploy", "--config-dir", str(tmp_path))[0] == 0
    write_workflow(tmp_path, name, version=3, description="second")
    write_task(tmp_path, f"{name}_new_task")  # a change that would be allowed on its own

    code, _, err = run_migrator("deploy", "--config-dir", str(tmp_path))
    assert code == 1
    assert f"workflow {name} v3 exists on the server with different content" in err
    assert "Bump 'version' to 4" in err and "--allow-overwrite" in err
    with ConductorClient(server.base_url) as counting:
        with pytest.raises(Exception, match="different content"):
            deploy(tmp_path, counting, wait_timeout=10)
        assert counting.write_count == 0
    assert versions(client, name)[3]["description"] == "first"
    assert f"{name}_new_task" not in {t["name"] for t in client.list_task_defs()}

    code, _, err = run_migrator("deploy", "--config-dir", str(tmp_path), "--allow-overwrite")
    assert code == 0, err
    assert versions(client, name)[3]["description"] == "second"


def test_automatic_version_change_registers_a_new_version(run_migrator: RunMigrator,
                                                          client: ConductorClient,
                                                          tmp_path: Path) -> None:
    name = unique_prefix()
    write_workflow(tmp_path, name)
    assert run_migrator("deploy", "--config-dir", str(tmp_path))[0] == 0
    assert run_migrator("deploy", "--config-dir", str(tmp_path))[0] == 0
    assert set(versions(client, name)) == {1}

    write_workflow(tmp_path, name, description="second")
    code, out, _ = run_migrator("deploy", "--config-dir", str(tmp_path), "--log-format", "text")
    assert code == 0
    assert f"+ workflow {name} v2 will be created" in out
    assert "~ description: \"first\" -> \"second\"" in out
    live = versions(client, name)
    assert live[1]["description"] == "first" and live[2]["description"] == "second"

    code, out, _ = run_migrator("deploy", "--config-dir", str(tmp_path), "--log-format", "text")
    assert code == 0 and "No changes." in out
    assert set(versions(client, name)) == {1, 2}


def test_task_update_keeps_create_time(run_migrator: RunMigrator, client: ConductorClient,
                                       tmp_path: Path) -> None:
    name = unique_prefix()
    write_task(tmp_path, name, retryCount=1)
    assert run_migrator("deploy", "--config-dir", str(tmp_path))[0] == 0
    created = next(t for t in client.list_task_defs() if t["name"] == name)["createTime"]
    write_task(tmp_path, name, retryCount=2)
    assert run_migrator("deploy", "--config-dir", str(tmp_path))[0] == 0
    updated = next(t for t in client.list_task_defs() if t["name"] == name)
    assert updated["retryCount"] == 2
    assert updated["createTime"] == created


def test_prune_never_deletes_a_version_with_running_executions(
        run_migrator: RunMigrator, server: Server, client: ConductorClient,
        tmp_path: Path) -> None:
    # Names start with "z" so that "--keep '[!z]*'" leaves other tests' definitions alone.
    prefix = "z" + unique_prefix()
    keep, running, gone, kept_by_pattern = (f"{prefix}_{n}" for n in
                                            ("keep", "running", "gone", "pinned"))
    for name in (keep, running, gone, kept_by_pattern):
        write_workflow(tmp_path, name)
    write_task(tmp_path, f"{gone}_task")
    assert run_migrator("deploy", "--config-dir", str(tmp_path))[0] == 0
    started = httpx.post(f"{server.base_url}/api/workflow/{running}", params={"version": 1},
                         json={}, timeout=10)
    assert started.status_code == 200, started.text

    for name in (running, gone, kept_by_pattern):
        (tmp_path / "workflows" / f"{name}.json").unlink()
    (tmp_path / "tasks" / f"{gone}_task.json").unlink()

    code, out, _ = run_migrator("deploy", "--config-dir", str(tmp_path))
    assert code == 0 and "will be deleted" not in out  # prune is opt-in
    assert set(versions(client, gone)) == {1}

    code, out, err = run_migrator("plan", "--config-dir", str(tmp_path), "--prune",
                                  "--keep", f"{prefix}_pin*", "--keep", "[!z]*")
    assert code == 0
    assert f"- workflow {gone} v1 will be deleted" in out
    assert f"- task {gone}_task will be deleted" in out
    assert f"Kept: workflow {running} v1: has running executions" in out
    assert out.index("will be deleted") < out.index("Plan:")

    code, _, err = run_migrator("deploy", "--config-dir", str(tmp_path), "--prune",
                                "--keep", f"{prefix}_pin*", "--keep", "[!z]*")
    assert code == 0, err
    assert versions(client, gone) == {}
    assert set(versions(client, running)) == {1}
    assert set(versions(client, kept_by_pattern)) == {1}
    assert set(versions(client, keep)) == {1}
    assert f"{gone}_task" not in {t["name"] for t in client.list_task_defs()}


def test_environment_values_are_substituted_and_secrets_never_shown(
        run_migrator: RunMigrator, client: ConductorClient, tmp_path: Path) -> None:
    name = unique_prefix()
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "staging.yaml").write_text(
        "values:\n  AUDIT_URL: http://audit.staging.internal\n"
        "  AUDIT_TOKEN: {env: TEST_AUDIT_TOKEN}\n"
        "  RETRIES: 4\nsecret: [AUDIT_TOKEN]\n")
    write_task(tmp_path, name, retryCount="@{RETRIES}")
    workflow: JSONObject = {
        "name": name,
        "tasks": [{
            "name": f"{name}_call", "taskReferenceName": "call", "type": "HTTP",
            "inputParameters": {"http_request": {
                "uri": "@{AUDIT_URL}/events?source=${workflow.input.source}", "method": "POST",
                "headers": {"Authorization": "Bearer @{AUDIT_TOKEN}"}}},
        }],
    }
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "w.json").write_text(json.dumps(workflow))

    code, out, err = run_migrator("deploy", "--config-dir", str(tmp_path), "--log-format", "json",
                                  app_env="staging", TEST_AUDIT_TOKEN="s3cr3t-t0ken")
    assert code == 0, err
    assert "s3cr3t-t0ken" not in out + err
    live = next(w for w in client.list_workflow_defs() if w["name"] == name)
    request = live["tasks"][0]["inputParameters"]["http_request"]
    assert request["uri"] == "http://audit.staging.internal/events?source=${workflow.input.source}"
    assert request["headers"]["Authorization"] == "Bearer s3cr3t-t0ken"
    assert next(t for t in client.list_task_defs() if t["name"] == name)["retryCount"] == 4

    workflow["tasks"][0]["inputParameters"]["http_request"]["method"] = "PUT"
    (tmp_path / "workflows" / "w.json").write_text(json.dumps(workflow))
    code, out, err = run_migrator("plan", "--config-dir", str(tmp_path), app_env="staging",
                                  TEST_AUDIT_TOKEN="s3cr3t-t0ken")
    assert code == 0 and "***" not in err
    assert "s3cr3t-t0ken" not in out + err


def test_unknown_placeholder_is_an_error_and_nothing_is_written(
        run_migrator: RunMigrator, server: Server, client: ConductorClient,
        tmp_path: Path) -> None:
    name = unique_prefix()
    write_task(tmp_path, f"{name}_fine")
    workflow_file = write_workflow(tmp_path, name)
    body = json.loads(workflow_file.read_text())
    body["tasks"][0]["inputParameters"] = {"url": "@{MISSING_URL}"}
    workflow_file.write_text(json.dumps(body))

    code, _, err = run_migrator("deploy", "--config-dir", str(tmp_path), app_env="prod")
    assert code == 1
    assert f"workflows/{name}.json: tasks[0].inputParameters.url: unknown placeholder " \
           "@{MISSING_URL}" in err
    with ConductorClient(server.base_url, retry=RetryPolicy(attempts=1)) as counting:
        with pytest.raises(Exception, match="MISSING_URL"):
            deploy(tmp_path, counting, app_env="prod", wait_timeout=5)
        assert counting.requests == []
    assert f"{name}_fine" not in {t["name"] for t in client.list_task_defs()}


def test_deploy_refuses_a_sub_workflow_neither_defined_nor_on_the_server(
        run_migrator: RunMigrator, client: ConductorClient, tmp_path: Path) -> None:
    name = unique_prefix()
    path = write_workflow(tmp_path, name)
    body = json.loads(path.read_text())
    body["tasks"] = [{"name": "child", "taskReferenceName": "child", "type": "SUB_WORKFLOW",
                      "subWorkflowParam": {"name": f"{name}_nowhere"}}]
    path.write_text(json.dumps(body))
    code, out, _ = run_migrator("validate", "--config-dir", str(tmp_path))
    assert code == 0 and f"{name}_nowhere" in out  # offline it can only warn

    code, _, err = run_migrator("deploy", "--config-dir", str(tmp_path))
    assert code == 1
    assert f"workflows/{name}.json: tasks[0].subWorkflowParam.name" in err
    assert versions(client, name) == {}
