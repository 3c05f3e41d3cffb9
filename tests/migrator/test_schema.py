"""``workflow-migrator schema``: valid draft 2020-12 schemas that accept every valid
fixture and the shipped config, and flag the wrong types and unknown keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.paths import REPO_ROOT
from workflow_migrator._cli import main
from workflow_migrator._schema import event_handler_schema, task_schema, workflow_schema

jsonschema = pytest.importorskip("jsonschema")

FIXTURES = REPO_ROOT / "tests" / "migrator" / "fixtures" / "validation"


def _documents(root: Path, folder: str) -> list[tuple[Path, Any]]:
    files = [p for p in root.rglob("*") if p.is_file() and p.suffix in (".json", ".yaml", ".yml")
             and folder in p.relative_to(root).parts]
    return [(p, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in sorted(files)]


def _errors(schema: dict[str, Any], document: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [error.message for error in validator.iter_errors(document)]


def test_the_schemas_are_valid_draft_2020_12() -> None:
    for schema in (task_schema(), workflow_schema(), event_handler_schema()):
        jsonschema.Draft202012Validator.check_schema(schema)


def test_the_shipped_config_and_valid_fixtures_pass() -> None:
    for root in (REPO_ROOT / "config", FIXTURES / "valid"):
        for path, document in _documents(root, "tasks"):
            assert _errors(task_schema(), document) == [], path
        for path, document in _documents(root, "workflows"):
            assert _errors(workflow_schema(), document) == [], path
        for path, document in _documents(root, "event-handlers"):
            assert _errors(event_handler_schema(), document) == [], path


@pytest.mark.parametrize(("schema", "document"), [
    (task_schema, {"name": "t", "retryCount": "three"}),
    (task_schema, {"name": "t", "retryLogic": "SOMETIMES"}),
    (task_schema, {"name": "t", "timeoutSecond": 30}),
    (task_schema, {"name": "t", "retryCount": -1}),
    (task_schema, {"retryCount": 1}),
    (workflow_schema, {"name": "w", "tasks": {}}),
    (workflow_schema, {"name": "w", "tasks": [{"name": "t"}]}),
    (workflow_schema, {"name": "w", "schemaVersion": 1, "tasks": []}),
    (workflow_schema, [{"name": "w", "tasks": [{"name": "t", "taskReferenceName": "t",
                                               "optional": "yes"}]}]),
])
def test_the_schemas_flag_what_validate_flags(schema: Any, document: Any) -> None:
    assert _errors(schema(), document)


HANDLER = {"name": "h", "event": "conductor:orders", "active": True,
           "actions": [{"action": "start_workflow", "start_workflow": {"name": "w"}}]}


def test_the_event_handler_schema_accepts_a_handler_and_a_list() -> None:
    assert _errors(event_handler_schema(), HANDLER) == []
    assert _errors(event_handler_schema(), [HANDLER, {**HANDLER, "event": "@{QUEUE}"}]) == []


@pytest.mark.parametrize("document", [
    {**HANDLER, "event": "orders"},
    {**HANDLER, "actions": []},
    {**HANDLER, "actions": [{"action": "update_task"}]},
    {**HANDLER, "actions": [{"action": "start_workflow", "start_workflow": {"version": 1}}]},
    {**HANDLER, "actions": [{"action": "complete_task", "condition": "x"}]},
    {key: value for key, value in HANDLER.items() if key != "event"},
])
def test_the_event_handler_schema_flags_what_validate_flags(document: Any) -> None:
    assert _errors(event_handler_schema(), document)


def test_a_placeholder_may_stand_for_any_value() -> None:
    assert _errors(task_schema(), {"name": "t", "retryCount": "@{RETRIES}"}) == []


def test_the_command_writes_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--output", str(tmp_path / "schemas")]) == 0
    written = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert written == ["event-handler.schema.json", "project.schema.json",
                       "task-definition.schema.json",
                       "workflow-definition.schema.json", "workflow-test.schema.json"]
    assert json.loads((tmp_path / "schemas" / written[2]).read_text()) == task_schema()
    assert json.loads((tmp_path / "schemas" / written[0]).read_text()) == event_handler_schema()
    assert "Wrote" in capsys.readouterr().out


def test_an_unwritable_directory_is_a_plain_error(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert main(["schema", "--output", str(blocker / "schemas"), "--log-format", "text"]) == 1
    assert capsys.readouterr().err.startswith(f"Error: cannot write {blocker / 'schemas'}")
    assert main(["schema", "--output", str(blocker / "schemas"), "--log-format", "json"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert json.loads(line)["message"].startswith(f"cannot write {blocker / 'schemas'}")
