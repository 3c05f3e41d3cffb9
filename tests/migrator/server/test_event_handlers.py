"""Event handlers as code, on both servers: created, updated in place, left alone when
unchanged, pruned, written after the workflows they start and deleted before them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.configs import keep_all_but, server_client, unique_prefix
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server
from workflow_migrator import (
    ConductorClient,
    DefinitionError,
    PlanOptions,
    deploy,
    differences,
)

pytestmark = pytest.mark.server


def _write(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False) if path.suffix == ".yaml"
                    else json.dumps(document, indent=2))


def _config(root: Path, prefix: str) -> Path:
    _write(root / "workflows" / "order.json", {
        "name": f"{prefix}_order", "version": 1,
        "tasks": [{"name": f"{prefix}_wait", "taskReferenceName": "wait", "type": "WAIT"}]})
    _write(root / "event-handlers" / "orders.yaml", [
        {"name": f"{prefix}_received", "event": "conductor:@{QUEUE}", "active": True,
         "condition": "$.kind == 'order'",
         "actions": [{"action": "start_workflow",
                      "start_workflow": {"name": f"{prefix}_order", "version": 1,
                                         "input": {"orderId": "${orderId}"}}}]},
        {"name": f"{prefix}_paid", "event": f"conductor:{prefix}_paid", "active": True,
         "actions": [{"action": "complete_task",
                      "complete_task": {"workflowId": "${workflowId}", "taskRefName": "wait"}},
                     {"action": "fail_task", "expandInlineJSON": True,
                      "fail_task": {"taskId": "${failedTaskId}"}}]},
    ])
    _write(root / "environments" / "test.yaml", {"values": {"QUEUE": f"{prefix}_orders"}})
    return root


def _handlers(client: ConductorClient, prefix: str) -> dict[str, dict[str, Any]]:
    return {h["name"]: h for h in client.list_event_handlers()
            if str(h.get("name", "")).startswith(prefix)}


def _writes(client: ConductorClient) -> list[str]:
    """The writes of a deploy but the last one: the deploy record, which follows any change
    (its own tests are in test_deploy_record.py)."""
    writes = [f"{r.method} {r.path}" for r in client.requests if r.is_write]
    assert not writes or writes[-1].endswith(" /api/metadata/taskdefs"), writes
    return writes[:-1]


def test_handlers_are_created_after_their_workflow_then_left_alone(server: Server,
                                                                    tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = _config(tmp_path, prefix)
    with server_client(server.base_url) as client:
        deploy(config, client, app_env="test", wait_timeout=30)
        writes = _writes(client)
        handlers = _handlers(client, prefix)
    assert writes.index("PUT /api/metadata/workflow") < writes.index("POST /api/event")
    assert writes.count("POST /api/event") == 2
    assert handlers[f"{prefix}_received"]["event"] == f"conductor:{prefix}_orders"
    written = yaml.safe_load((config / "event-handlers" / "orders.yaml").read_text())
    written[0]["event"] = f"conductor:{prefix}_orders"
    for desired in written:
        assert differences("event_handler", handlers[desired["name"]], desired) == []

    with server_client(server.base_url) as client:
        plan, _ = deploy(config, client, app_env="test", wait_timeout=30)
        assert client.write_count == 0
    assert not plan.has_changes


def test_a_changed_handler_is_updated_in_place(server: Server, tmp_path: Path,
                                               run_migrator: RunMigrator) -> None:
    prefix = unique_prefix()
    config = _config(tmp_path, prefix)
    assert run_migrator("deploy", "--config-dir", str(config))[0] == 0
    handlers = yaml.safe_load((config / "event-handlers" / "orders.yaml").read_text())
    handlers[1]["active"] = False
    handlers[1]["actions"][0]["complete_task"]["output"] = {"paid": True}
    _write(config / "event-handlers" / "orders.yaml", handlers)

    code, out, _ = run_migrator("plan", "--config-dir", str(config), "--detailed-exitcode")
    assert code == 2
    assert f"~ event handler {prefix}_paid will be updated in place" in out
    assert "- active: true" in out  # false is the server's default
    assert '+ actions[0].complete_task.output: {"paid": true}' in out
    assert "Plan: 0 to add, 1 to change, 0 to delete" in out

    with server_client(server.base_url) as client:
        deploy(config, client, app_env="test", wait_timeout=30)
        assert _writes(client) == ["PUT /api/event"]
        live = _handlers(client, prefix)[f"{prefix}_paid"]
    assert live["active"] is False
    assert live["actions"][0]["complete_task"]["output"] == {"paid": True}


def test_prune_deletes_a_handler_before_the_workflow_it_starts(server: Server,
                                                               tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = _config(tmp_path, prefix)
    with server_client(server.base_url) as client:
        deploy(config, client, app_env="test", wait_timeout=30)
    (config / "workflows" / "order.json").unlink()
    handlers = yaml.safe_load((config / "event-handlers" / "orders.yaml").read_text())
    _write(config / "event-handlers" / "orders.yaml", handlers[1:])
    options = PlanOptions(prune=True, keep=tuple(keep_all_but(prefix)[1::2]))

    with server_client(server.base_url) as client:
        plan, _ = deploy(config, client, options=options, app_env="test", wait_timeout=30)
        writes = _writes(client)
        remaining = _handlers(client, prefix)
    assert [c.address for c in plan.changes if c.action == "delete"] == [
        f"event handler {prefix}_received", f"workflow {prefix}_order v1"]
    assert writes == [f"DELETE /api/event/{prefix}_received",
                      f"DELETE /api/metadata/workflow/{prefix}_order/1"]
    assert set(remaining) == {f"{prefix}_paid"}


def test_starting_a_workflow_that_exists_nowhere_is_refused(server: Server,
                                                            tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = _config(tmp_path, prefix)
    (config / "workflows" / "order.json").unlink()
    with server_client(server.base_url) as client:
        with pytest.raises(DefinitionError) as caught:
            deploy(config, client, app_env="test", wait_timeout=30)
        assert client.write_count == 0
        assert _handlers(client, prefix) == {}
    [missing] = [f for f in caught.value.findings if f.rule == "start-workflow-missing"]
    assert missing.severity == "error"
    assert (missing.file, missing.path) == ("event-handlers/orders.yaml",
                                            "[0].actions[0].start_workflow.name")
