"""Names a stock server gives its boot-time samples are ordinary names: the samples
themselves, and a workflow calling one as a sub-workflow, deploy to a server that loads
no samples, with a warning and no error, and a second deploy writes nothing.

These names are fixed, unlike the unique prefixes other tests use on the shared server,
so the content is the same on every run: a re-run finds it deployed and changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.migrator import RunMigrator
from workflow_migrator import ConductorClient, deploy
from workflow_migrator._export import stock_samples
from workflow_migrator._models import BOOT_SAMPLE_TASKS, BOOT_SAMPLE_WORKFLOWS

pytestmark = pytest.mark.server

CALLER = "calls_the_http_sample"


def _sample(kind: str) -> list[dict[str, Any]]:
    """The stock samples as the migrator ships them (to recognise them on export)."""
    stock_tasks, stock_workflows = stock_samples()
    return [dict(item) for item in (stock_tasks if kind == "tasks" else stock_workflows).values()]


def _simple_task_names(tasks: list[dict[str, Any]]) -> set[str]:
    names = set()
    for task in tasks:
        if task.get("type", "SIMPLE") == "SIMPLE" and task.get("name"):
            names.add(task["name"])
        for nested in (task.get("decisionCases") or {}).values():
            names |= _simple_task_names(nested)
        for key in ("defaultCase", "loopOver"):
            names |= _simple_task_names(task.get(key) or [])
        for branch in task.get("forkTasks") or []:
            names |= _simple_task_names(branch)
    return names


def write_samples(config: Path) -> set[str]:
    """The stock server's sample workflows and tasks as definitions under their own names,
    every task they run defined, and a workflow that runs ``http`` as a sub-workflow."""
    workflows, tasks = _sample("workflows"), _sample("tasks")
    defined = {t["name"] for t in tasks}
    needed = set().union(*(_simple_task_names(w["tasks"]) for w in workflows)) - defined
    tasks += [{"name": name, "ownerEmail": "team@example.com", "retryCount": 1,
               "timeoutSeconds": 300, "responseTimeoutSeconds": 120} for name in sorted(needed)]
    caller = {"name": CALLER, "version": 1, "schemaVersion": 2,
              "ownerEmail": "team@example.com",
              "tasks": [{"name": "http", "taskReferenceName": "run_http", "type": "SUB_WORKFLOW",
                         "subWorkflowParam": {"name": "http", "version": 1}}]}
    (config / "tasks").mkdir(parents=True)
    (config / "workflows").mkdir()
    (config / "tasks" / "samples.json").write_text(json.dumps(tasks))
    (config / "workflows" / "samples.json").write_text(json.dumps(workflows))
    (config / "workflows" / f"{CALLER}.json").write_text(json.dumps(caller))
    return {w["name"] for w in workflows} | {t["name"] for t in tasks}


def test_boot_sample_names_deploy_like_any_other(run_migrator: RunMigrator,
                                                  client: ConductorClient,
                                                  tmp_path: Path) -> None:
    names = write_samples(tmp_path)
    assert BOOT_SAMPLE_WORKFLOWS <= names and BOOT_SAMPLE_TASKS <= names

    code, out, _ = run_migrator("validate", "--config-dir", str(tmp_path), "--format", "json")
    findings = json.loads(out)
    assert code == 0, findings
    assert [f for f in findings if f["severity"] == "error"] == []
    warned = {f["message"].split("'")[1] for f in findings if f["rule"] == "boot-sample"}
    assert warned == BOOT_SAMPLE_WORKFLOWS | BOOT_SAMPLE_TASKS
    assert all("sample loading on" in f["message"] for f in findings
               if f["rule"] == "boot-sample")

    code, out, err = run_migrator("deploy", "--config-dir", str(tmp_path))
    assert code == 0, out + err
    live_workflows = {(w["name"], w["version"]) for w in client.list_workflow_defs()}
    assert {(name, 1) for name in BOOT_SAMPLE_WORKFLOWS | {CALLER}} <= live_workflows
    assert BOOT_SAMPLE_TASKS <= {t["name"] for t in client.list_task_defs()}

    _, result = deploy(tmp_path, client, app_env="test", wait_timeout=30)
    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert client.write_count == 0
