"""The field table's defaults are the server's: a definition with only its required
fields, read back from each server, holds exactly the defaults the table gives for that
server (Conductor 3.15 or conductor-oss), and compares equal to what was sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.configs import unique_prefix
from tests.support.stacks import Server
from workflow_migrator import ConductorClient
from workflow_migrator._compare import normalise
from workflow_migrator._fields import TABLE, ObjectKind, action_details
from workflow_migrator._fields import Server as ServerKind

pytestmark = pytest.mark.server

JSONObject = dict[str, Any]


def objects(kind: ObjectKind, body: JSONObject) -> Iterator[tuple[ObjectKind, JSONObject]]:
    """The object, and the objects inside it the table describes."""
    yield kind, body
    if kind == "workflow-def":
        for task in body.get("tasks", []):
            yield "workflow-task", task
    if kind == "event-handler":
        for action in body.get("actions", []):
            yield "event-action", action
            for key, detail_kind in action_details().items():
                if isinstance(action.get(key), dict):
                    yield detail_kind, action[key]


def check_defaults(kind: ObjectKind, sent: JSONObject, read: JSONObject,
                   server: ServerKind) -> None:
    """Every field the server filled in holds the table's default for ``server``, and every
    default the table gives that the server did not return is an empty one (3.15 leaves
    empty collections out)."""
    managed = TABLE.server_managed()
    for (object_kind, given), (_, returned) in zip(objects(kind, sent), objects(kind, read),
                                                   strict=True):
        defaults = TABLE.defaults(object_kind, server)
        for key, value in returned.items():
            if key in given or key in managed:
                continue
            assert key in defaults, (object_kind, key, value)
            assert defaults[key] == value, (object_kind, key, value)
        for key, default in defaults.items():
            if key not in given and key not in returned:
                assert default in ({}, [], None), (object_kind, key, default)


def _server_kind(server: Server) -> ServerKind:
    return "core" if server.is_core else "oss"


def test_a_task_definition_reads_back_with_the_tables_defaults(
        server: Server, client: ConductorClient) -> None:
    sent: JSONObject = {"name": f"{unique_prefix()}_minimal"}
    client.upsert_task_defs([dict(sent)])
    try:
        (read,) = [t for t in client.list_task_defs() if t.get("name") == sent["name"]]
        check_defaults("task-def", sent, read, _server_kind(server))
        assert normalise("task", read) == normalise("task", sent)
    finally:
        client.delete_task_def(sent["name"])


def test_a_workflow_reads_back_with_the_tables_defaults(
        server: Server, client: ConductorClient) -> None:
    sent: JSONObject = {"name": f"{unique_prefix()}_minimal", "tasks": [
        {"name": "set", "taskReferenceName": "set", "type": "SET_VARIABLE"}]}
    client.upsert_workflow_defs([dict(sent)])
    try:
        read = client.latest_workflow_def(sent["name"])
        assert read is not None
        check_defaults("workflow-def", sent, read, _server_kind(server))
        assert normalise("workflow", read) == normalise("workflow", sent)
    finally:
        client.delete_workflow_def(sent["name"], 1)


def test_an_event_handler_reads_back_with_the_tables_defaults(
        server: Server, client: ConductorClient) -> None:
    prefix = unique_prefix()
    sent: JSONObject = {"name": f"{prefix}_minimal", "event": f"conductor:{prefix}", "actions": [
        {"action": "start_workflow", "start_workflow": {"name": f"{prefix}_any"}},
        {"action": "complete_task", "complete_task": {"taskId": "t"}},
        {"action": "fail_task", "fail_task": {"workflowId": "w", "taskRefName": "r"}}]}
    client.create_event_handler(dict(sent))
    try:
        (read,) = [h for h in client.list_event_handlers() if h.get("name") == sent["name"]]
        check_defaults("event-handler", sent, read, _server_kind(server))
        assert normalise("event_handler", read) == normalise("event_handler", sent)
    finally:
        client.delete_event_handler(sent["name"])
