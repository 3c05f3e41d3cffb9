"""Config directories a test owns on a server other tests share: copies of the shipped
processes, or generated ones of any size; and what a server must hold after deploying one."""

from __future__ import annotations

import json
import shutil
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

import yaml

from tests.support.paths import CONFIG_DIR
from workflow_migrator import (
    ConductorClient,
    RetryPolicy,
    compute_plan,
    deploy,
    load_valid,
    read_live,
)

#: Fast retries for the tests that call the library; the CLI keeps its own default.
FAST_RETRY = RetryPolicy(attempts=4, initial_wait=0.05, max_wait=0.2)


def server_client(base_url: str) -> ConductorClient:
    """A client for a test to read or write a server with, retrying briefly."""
    return ConductorClient(base_url, retry=FAST_RETRY)


def write_definition(config: Path, folder: str, body: Mapping[str, object]) -> None:
    """Writes one definition as ``<config>/<folder>/<name>.json``."""
    path = config / folder / f"{body['name']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body))


def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


def copy_config(destination: Path, prefix: str) -> Path:
    """A copy of the shipped processes whose names all start with ``prefix`` instead of
    ``ol``, so that a test owns its definitions on a server other tests share."""
    shutil.copytree(CONFIG_DIR, destination)
    for file in destination.rglob("*"):
        if file.is_file():
            file.write_text(file.read_text().replace("ol_", f"{prefix}_"))
    return destination


def keep_all_but(prefix: str) -> list[str]:
    """``--keep`` options that protect every name not starting with ``prefix``, so that a
    prune on a server other tests share deletes only this test's definitions."""
    patterns = [f"{prefix[:i]}[!{prefix[i]}]*" for i in range(len(prefix))]
    patterns += [prefix[:i] for i in range(1, len(prefix))]
    return [option for pattern in patterns for option in ("--keep", pattern)]


def definition_names(directory: Path) -> set[str]:
    """Names of the definitions in a config directory (JSON or YAML; one object or a list)."""
    names: set[str] = set()
    for path in sorted(directory.rglob("*")):
        if path.suffix not in (".json", ".yaml", ".yml"):
            continue
        text = path.read_text()
        loaded = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        for item in loaded if isinstance(loaded, list) else [loaded]:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                names.add(item["name"])
    return names


def names_on_server(base_url: str) -> set[str]:
    """Names of every workflow and task definition a server holds."""
    names: set[str] = set()
    for endpoint in ("/api/metadata/workflow", "/api/metadata/taskdefs"):
        url = base_url.rstrip("/") + endpoint
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (local server)
            names |= {definition["name"] for definition in json.load(response)}
    return names
def write_config(config: Path, prefix: str, *, revision: str = "a", tasks: int = 12,
                 workflows: int = 4) -> Path:
    """Task definitions ``<prefix>_task_<i>`` and automatically versioned workflows
    ``<prefix>_flow_<j>`` (SIMPLE, SWITCH, FORK_JOIN/JOIN); ``revision`` changes the
    workflows' content, so a new revision is a new version of each."""
    (config / "tasks").mkdir(parents=True, exist_ok=True)
    (config / "workflows").mkdir(parents=True, exist_ok=True)
    for i in range(tasks):
        (config / "tasks" / f"task_{i:03}.json").write_text(json.dumps({
            "name": f"{prefix}_task_{i}", "description": f"step {i}", "retryCount": 2,
            "timeoutSeconds": 600, "responseTimeoutSeconds": 300, "ownerEmail": "t@example.com",
        }))
    for j in range(workflows):
        names = [f"{prefix}_task_{(j + k) % tasks}" for k in range(4)]
        (config / "workflows" / f"flow_{j:03}.json").write_text(json.dumps({
            "name": f"{prefix}_flow_{j}",
            "description": f"flow {j}, revision {revision}",
            "ownerEmail": "t@example.com",
            "schemaVersion": 2,
            "inputParameters": ["orderId"],
            "tasks": [
                {"name": names[0], "taskReferenceName": "first", "type": "SIMPLE",
                 "inputParameters": {"orderId": "${workflow.input.orderId}"}},
                {"name": "route", "taskReferenceName": "route", "type": "SWITCH",
                 "evaluatorType": "value-param", "expression": "kind",
                 "inputParameters": {"kind": "${first.output.kind}"},
                 "decisionCases": {"express": [
                     {"name": names[1], "taskReferenceName": "express", "type": "SIMPLE"}]},
                 "defaultCase": [
                     {"name": names[2], "taskReferenceName": "standard", "type": "SIMPLE"}]},
                {"name": "fan_out", "taskReferenceName": "fan_out", "type": "FORK_JOIN",
                 "forkTasks": [
                     [{"name": names[3], "taskReferenceName": "left", "type": "SIMPLE"}],
                     [{"name": names[0], "taskReferenceName": "right", "type": "SIMPLE"}]]},
                {"name": "join", "taskReferenceName": "join", "type": "JOIN",
                 "joinOn": ["left", "right"]},
            ],
        }))
    return config


def server_state(client: ConductorClient, prefix: str) -> tuple[list[str], dict[str, list[int]]]:
    """The prefix's task names, and every registered version of each of its workflows."""
    tasks = sorted(t["name"] for t in client.list_task_defs() if t["name"].startswith(prefix))
    versions: dict[str, list[int]] = defaultdict(list)
    for workflow in client.list_workflow_defs():
        if workflow["name"].startswith(prefix):
            versions[workflow["name"]].append(int(workflow.get("version", 1)))
    return tasks, {name: sorted(v) for name, v in sorted(versions.items())}


def expected_state(prefix: str, *, tasks: int = 12, workflows: int = 4,
                   versions: tuple[int, ...] = (1,)) -> tuple[list[str], dict[str, list[int]]]:
    return (sorted(f"{prefix}_task_{i}" for i in range(tasks)),
            {f"{prefix}_flow_{j}": list(versions) for j in range(workflows)})


def assert_converged(base_url: str, config: Path, prefix: str, *, tasks: int = 12,
                     workflows: int = 4, versions: tuple[int, ...] = (1,)) -> None:
    """The server holds exactly the directory: the expected names and versions, and a
    fresh plan has nothing to do."""
    expected = expected_state(prefix, tasks=tasks, workflows=workflows, versions=versions)
    with ConductorClient(base_url, retry=FAST_RETRY) as client:
        assert server_state(client, prefix) == expected
        plan = compute_plan(load_valid(config)[0], read_live(client, 10))
    assert not plan.has_changes, [c.address for c in plan.changes if c.action != "unchanged"]


def deploy_directly(base_url: str, config: Path) -> None:
    """Deploys ``config`` straight to the server, without faults: where a test starts from."""
    with ConductorClient(base_url, retry=FAST_RETRY) as client:
        deploy(config, client, wait_timeout=10)
