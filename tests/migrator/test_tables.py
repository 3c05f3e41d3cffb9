"""The field table and the task-type table are the one place a kind of definition and a
task type are stated: a kind and a task type added to them (a ``schedule`` kept under
``schedules/``, a ``PARALLEL`` task running the tasks of ``parallelTasks``) show up in
the loader, the validator, the comparison, the JSON Schemas, the walker over nested
tasks, the Markdown diagram, the workflow-test runner, the drift metrics and the chart's
check of its folders, with no other code changed. Each test also states what the code
does without the addition, so it cannot pass by accident."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest

from tests.support.charts import chart_process_folders
from tests.support.metrics import drift, parse_metrics
from workflow_migrator import _fields, _task_types
from workflow_migrator._compare import differences
from workflow_migrator._field_table import FieldType
from workflow_migrator._field_types import FIELD_TYPES
from workflow_migrator._fields import Field, KindInfo
from workflow_migrator._loader import load_directory, process_folders
from workflow_migrator._models import Definition, DefinitionSet, Source
from workflow_migrator._plan import Change, Plan
from workflow_migrator._schema import definition_schema, workflow_schema, write_schemas
from workflow_migrator._task_types import ChildKey, TaskType, engine_types, task_types
from workflow_migrator._task_walk import walk
from workflow_migrator._validate import validate
from workflow_migrator._views.drift import drift_metrics
from workflow_migrator._views.plan_markdown import task_styles
from workflow_migrator._workflow_tests import mockable

SCHEDULE = KindInfo("schedule", "schedules", "schedule", "Schedules",  # type: ignore[arg-type]
                    "schedule")  # type: ignore[arg-type]
SCHEDULE_FIELDS = {"name": Field("string", required=True), "cron": Field("string", required=True),
                   "paused": Field("boolean", default=False)}
PARALLEL = TaskType("PARALLEL", "engine", ("parallelTasks",))
PARALLEL_TASKS = ChildKey("parallelTasks", "branch")

CHILD = {"name": "child", "taskReferenceName": "child", "type": "SET_VARIABLE",
         "inputParameters": {"x": 1}}


def _workflow(child: dict[str, Any] | None = None, parent_type: str = "PARALLEL") -> Definition:
    parent = {"name": "fan_out", "taskReferenceName": "fan_out", "type": parent_type,
              "parallelTasks": [dict(child or CHILD)]}
    after = {"name": "after", "taskReferenceName": "after", "type": "SET_VARIABLE",
             "inputParameters": {"y": "${child.output.x}"}}
    return Definition("workflow", {"name": "w", "version": 1, "tasks": [parent, after]},
                      Source("workflows/w.json"))


@pytest.fixture
def added(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The tables with the schedule kind and the PARALLEL task type added."""
    table = _fields.TABLE.with_object("schedule", SCHEDULE_FIELDS).with_field(
        "workflow-task", "parallelTasks", Field("tasks", default=[]))
    monkeypatch.setattr(_fields, "TABLE", table)
    monkeypatch.setattr(_fields, "KINDS", (*_fields.KINDS, SCHEDULE))
    monkeypatch.setattr(_task_types, "TABLE",
                        _task_types.TABLE.with_type(PARALLEL, PARALLEL_TASKS))
    yield


def _rules_at(findings: list[Any], path: str) -> set[str]:
    return {f.rule for f in findings if f.path == path}


# ------------------------------------------------------------------------ validator


def test_the_validator_knows_the_new_task_type_and_checks_its_children(added: None) -> None:
    findings = validate(DefinitionSet(workflows=(_workflow(),)))
    assert not [f for f in findings if f.severity == "error"], findings
    assert "unknown-type" not in _rules_at(findings, "tasks[0].type")
    assert not _rules_at(findings, "tasks[0].parallelTasks")  # a known key
    # a child under the new key is walked: its missing reference is reported where it sits
    broken = validate(DefinitionSet(workflows=(_workflow({"name": "child"}),)))
    assert "required" in _rules_at(broken, "tasks[0].parallelTasks[0].taskReferenceName")


def test_without_the_additions_the_type_and_key_are_unknown() -> None:
    findings = validate(DefinitionSet(workflows=(_workflow(),)))
    assert "unknown-type" in _rules_at(findings, "tasks[0].type")
    assert "unknown-key" in _rules_at(findings, "tasks[0].parallelTasks")
    assert not _rules_at(findings, "tasks[0].parallelTasks[0].taskReferenceName")


def test_a_folder_of_the_new_kind_is_loaded_and_checked(added: None, tmp_path: Path) -> None:
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "nightly.json").write_text(
        json.dumps([{"name": "nightly", "cron": "0 2 * * *"}, {"name": "bad", "paused": "yes"}]))
    definitions, findings = load_directory(tmp_path)
    assert findings == []
    assert [d.name for d in definitions.of_kind("schedule")] == ["nightly", "bad"]
    assert [d.label for d in definitions] == ["schedule nightly", "schedule bad"]
    found = {(f.path, f.rule) for f in validate(definitions)}
    assert found == {("[1].paused", "type"), ("[1].cron", "required")}


def test_without_the_kind_its_folder_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "schedules").mkdir()
    _, findings = load_directory(tmp_path)
    assert any("unknown folder schedules/" in f.message for f in findings)


# ------------------------------------------------------------------------ comparison


def test_the_comparison_knows_the_new_kind_and_the_new_key(added: None) -> None:
    live = {"name": "nightly", "cron": "0 2 * * *"}
    assert differences("schedule", live, {**live, "paused": False}) == []  # type: ignore[arg-type]
    (change,) = differences("schedule", live, {**live, "cron": "0 3 * * *"})  # type: ignore[arg-type]
    assert change.path == "cron"
    # a nested task holding its defaults equals one without them, under the new key too
    body = _workflow().body
    defaulted = json.loads(json.dumps(body))
    defaulted["tasks"][0]["parallelTasks"][0]["optional"] = False
    assert differences("workflow", body, defaulted) == []


def test_without_the_key_a_nested_default_is_a_difference() -> None:
    body = _workflow().body
    defaulted = json.loads(json.dumps(body))
    defaulted["tasks"][0]["parallelTasks"][0]["optional"] = False
    assert differences("workflow", body, defaulted) != []


# ------------------------------------------------------------------------ schemas


def test_the_schemas_describe_the_new_kind_type_and_key(added: None, tmp_path: Path) -> None:
    written = {p.name for p in write_schemas(tmp_path)}
    assert "schedule.schema.json" in written
    schedule = definition_schema("schedule")  # type: ignore[arg-type]
    jsonschema.validate({"name": "n", "cron": "@{CRON}"}, schedule)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "n", "cron": "c", "paused": "yes"}, schedule)
    workflow = workflow_schema()
    task = workflow["$defs"]["workflowTask"]["properties"]
    assert "PARALLEL" in task["type"]["examples"]
    jsonschema.validate(_workflow().body, workflow)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_workflow({"name": 7}).body, workflow)


def test_without_the_additions_the_schemas_refuse_the_key() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_workflow().body, workflow_schema())
    assert "PARALLEL" not in workflow_schema()["$defs"]["workflowTask"]["properties"]["type"][
        "examples"]


# ------------------------------------------------------------------------ walker and users


def test_the_walker_visits_the_children_under_the_new_key(added: None) -> None:
    sites = {s.task["taskReferenceName"]: s for s in walk(_workflow())}
    assert sites["child"].path == ("tasks", 0, "parallelTasks", 0)
    assert sites["child"].collected  # PARALLEL runs parallelTasks: its refs count
    assert not sites["child"].conditional
    # under a type that does not run the key, the child is walked but not collected
    (child,) = [s for s in walk(_workflow(parent_type="SIMPLE")) if s.name == "child"]
    assert not child.collected


def test_without_the_key_the_walker_does_not_see_the_children() -> None:
    assert "child" not in {s.name for s in walk(_workflow())}


def test_the_diagram_and_the_test_runner_know_the_new_type(added: None) -> None:
    desired = _workflow().body
    previous = json.loads(json.dumps(desired))
    previous["tasks"][0]["parallelTasks"][0]["inputParameters"] = {"x": 2}
    assert task_styles(desired, previous) == {"child": "changed"}
    assert "PARALLEL" in task_types() and "PARALLEL" in engine_types()
    assert not mockable("PARALLEL")


# ------------------------------------------------------------------------ drift and chart


def test_the_drift_metrics_count_the_new_kind(added: None) -> None:
    plan = Plan((Change("create", "schedule", "nightly", None, "new"),))  # type: ignore[arg-type]
    samples = parse_metrics(drift_metrics(plan))
    assert drift(samples, kind="schedule", action="create") == 1
    assert drift(samples, kind="schedule", action="delete") == 0


def test_the_chart_check_demands_the_new_kinds_folder(added: None) -> None:
    """The chart's list of folders is values, not Python: the test that compares it with
    the folders a deploy reads (test_workflow_migrator) fails until the chart ships the
    new kind's folder."""
    assert "schedules" in process_folders()
    for where, folders in chart_process_folders().items():
        assert set(process_folders()) - folders == {"schedules"}, where


# ------------------------------------------------------------------------ the tables themselves


def test_every_field_type_has_its_check_and_schema() -> None:
    assert set(FIELD_TYPES) == set(get_args(FieldType))


def test_every_child_key_is_a_task_holding_field_and_every_type_runs_known_keys() -> None:
    fields = _fields.fields_of("workflow-task")
    for key in _task_types.child_keys():
        assert fields[key].type in ("tasks", "task-lists", "task-map"), key
    for task_type in _task_types.TABLE.types.values():
        assert set(task_type.children) <= set(_task_types.child_keys()), task_type.name
    assert {key for key, field in fields.items()
            if field.type in ("tasks", "task-lists", "task-map")} == set(_task_types.child_keys())
