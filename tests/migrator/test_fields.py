"""The field table (``_fields.py``) is the only description of a definition's fields:
the comparison, the validator and the JSON Schemas each say what it says, for every
field of every kind of object, and a field added to it reaches all three."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from workflow_migrator import _fields
from workflow_migrator._compare import normalise
from workflow_migrator._fields import (
    KINDS,
    NO_DEFAULT,
    TABLE,
    Field,
    FieldType,
    ObjectKind,
    comparison_defaults,
    fields_of,
)
from workflow_migrator._findings import Finding, json_path
from workflow_migrator._loader import definition_folders
from workflow_migrator._models import Definition, DefinitionSet, Kind, Source
from workflow_migrator._schema import event_handler_schema, task_schema, workflow_schema
from workflow_migrator._validate import validate

jsonschema = pytest.importorskip("jsonschema")

Path = tuple[str | int, ...]
SET_VARIABLE = {"name": "sv", "taskReferenceName": "sv", "type": "SET_VARIABLE"}
#: A value of each type, and a value of the wrong JSON type that the server refuses.
GOOD: dict[FieldType, Any] = {
    "string": "text", "integer": 5, "boolean": True, "object": {"a": 1},
    "string-list": ["a"], "string-map": {"a": "b"}, "any": 1, "tasks": [dict(SET_VARIABLE)],
    "task-lists": [[dict(SET_VARIABLE)]], "task-map": {"a": [dict(SET_VARIABLE)]},
    "actions": [{"action": "complete_task", "complete_task": {"taskId": "x"}}],
    "task-def": {"name": "t"}, "workflow-def": {"name": "w", "tasks": [dict(SET_VARIABLE)]},
    "sub-workflow": {"name": "w"}, "start-workflow": {"name": "w"},
    "task-details": {"taskId": "x"}, "schema-def": {"name": "s", "type": "JSON"},
}
BAD: dict[FieldType, Any] = {
    "string": {"an": "object"}, "integer": {"an": "object"}, "boolean": [1], "object": [1],
    "string-list": 7, "string-map": [1], "tasks": 7, "task-lists": 7, "task-map": 7,
    "actions": 7, "task-def": 7, "workflow-def": 7, "sub-workflow": 7, "start-workflow": 7,
    "task-details": 7, "schema-def": 7,
}
#: Values the schema holds to more than the table says (a pattern) take this value.
GOOD_OVERRIDES: dict[tuple[ObjectKind, str], Any] = {("event-handler", "event"): "conductor:q"}
SCHEMAS = {"task-def": (task_schema, "taskDef"), "workflow-def": (workflow_schema, "workflowDef"),
           "workflow-task": (workflow_schema, "workflowTask"),
           "sub-workflow": (workflow_schema, "subWorkflow"),
           "event-handler": (event_handler_schema, "eventHandler"),
           "event-action": (event_handler_schema, "eventAction"),
           "start-workflow": (event_handler_schema, "startWorkflow"),
           "task-details": (event_handler_schema, "taskDetails"),
           "schema-def": (task_schema, "schemaDef")}


def good(kind: ObjectKind, key: str, field: Field) -> Any:
    """A value of the field that the server accepts."""
    if (kind, key) in GOOD_OVERRIDES:
        return GOOD_OVERRIDES[(kind, key)]
    if field.has_default:
        return field.default
    return field.enum[0] if field.enum else GOOD[field.type]


def place(kind: ObjectKind, obj: dict[str, Any]) -> tuple[Kind, dict[str, Any], Path]:
    """A definition holding ``obj`` as an object of ``kind``, and the path to it."""
    action = {"action": "complete_task", "complete_task": {"taskId": "x"}}
    handler = {"name": "h", "event": "conductor:q", "active": True, "actions": [action]}
    workflow: dict[str, Any] = {"name": "w", "tasks": [dict(SET_VARIABLE)]}
    if kind == "task-def":
        return "task", {"name": "t", **obj}, ()
    if kind == "workflow-def":
        return "workflow", {**workflow, **obj}, ()
    if kind == "workflow-task":
        return "workflow", {**workflow, "tasks": [{**SET_VARIABLE, **obj}]}, ("tasks", 0)
    if kind == "sub-workflow":
        task = {"name": "s", "taskReferenceName": "s", "type": "SUB_WORKFLOW",
                "subWorkflowParam": {"name": "w", "version": 1, **obj}}
        return "workflow", {"name": "p", "tasks": [task]}, ("tasks", 0, "subWorkflowParam")
    if kind == "event-handler":
        return "event_handler", {**handler, **obj}, ()
    if kind == "event-action":
        return "event_handler", {**handler, "actions": [{**action, **obj}]}, ("actions", 0)
    if kind == "start-workflow":
        start = {"action": "start_workflow", "start_workflow": {"name": "w", "version": 1, **obj}}
        return "event_handler", {**handler, "actions": [start]}, ("actions", 0, "start_workflow")
    if kind == "schema-def":
        return "task", {"name": "t", "inputSchema": obj}, ("inputSchema",)
    details = {"action": "complete_task", "complete_task": {"taskId": "x", **obj}}
    return "event_handler", {**handler, "actions": [details]}, ("actions", 0, "complete_task")


def at(body: Any, path: Path) -> Any:
    for part in path:
        body = body[part]
    return body


def normalised(kind: ObjectKind, obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` as the comparison sees it, in its place."""
    definition_kind, body, path = place(kind, obj)
    normal = normalise(definition_kind, body)
    if path and path[0] not in normal:  # an object left empty is dropped whole
        return {}
    result: dict[str, Any] = at(normal, path)
    return result


def findings_at(kind: ObjectKind, key: str, value: Any) -> Iterator[Finding]:
    definition_kind, body, path = place(kind, {key: value})
    where = json_path(*path, key)
    yield from (f for f in validated(definition_kind, body) if f.path == where)


def validated(kind: Kind, body: dict[str, Any]) -> list[Finding]:
    """What ``validate`` finds in one definition."""
    definition = Definition(kind, body, Source("f.json"))
    return validate(DefinitionSet.of_kinds({kind: [definition]}))


def every_field() -> list[tuple[ObjectKind, str, Field]]:
    return [(kind, key, field) for kind in _fields.OBJECT_LABELS
            for key, field in fields_of(kind).items()]


FIELD_IDS = [f"{kind}.{key}" for kind, key, _ in every_field()]


@pytest.mark.parametrize(("kind", "key", "field"), every_field(), ids=FIELD_IDS)
def test_the_comparison_treats_each_field_as_the_table_says(kind: ObjectKind, key: str,
                                                             field: Field) -> None:
    value = good(kind, key, field)
    kept = key in normalised(kind, {key: value})
    if (kind, key) == ("workflow-def", "version"):  # kept: it says which version to compare
        assert normalise("workflow", {"name": "w"})[key] == field.default
    elif field.server_managed or field.has_default:
        assert not kept  # a managed field, or one holding the server's default, is no change
    elif kind != "sub-workflow":  # compared as the file states it, no field dropped
        assert kept
    assert comparison_defaults(kind).get(key, NO_DEFAULT) == field.default


@pytest.mark.parametrize(("kind", "key", "field"), every_field(), ids=FIELD_IDS)
def test_the_validator_checks_each_field_as_the_table_says(kind: ObjectKind, key: str,
                                                           field: Field) -> None:
    unknown = [f for f in findings_at(kind, key, good(kind, key, field))
               if f.rule == "unknown-key"]
    assert [f.severity for f in unknown] == (["warning"] if field.oss_only else [])
    if field.type in BAD:
        assert ("type", "error") in {(f.rule, f.severity)
                                     for f in findings_at(kind, key, BAD[field.type])}
    if field.enum:
        assert "type" in {f.rule for f in findings_at(kind, key, "NOT_ONE_OF_THEM")}
    if field.minimum is not None:
        assert "min-value" in {f.rule for f in findings_at(kind, key, field.minimum - 1)}
        assert "min-value" not in {f.rule for f in findings_at(kind, key, field.minimum)}
    if field.required:
        definition_kind, body, path = place(kind, {})
        del at(body, path)[key]
        found = validated(definition_kind, body)
        assert any(f.path == json_path(*path, key) and f.severity == "error" for f in found)


@pytest.mark.parametrize(("kind", "key", "field"), every_field(), ids=FIELD_IDS)
def test_the_schema_describes_each_field_as_the_table_says(kind: ObjectKind, key: str,
                                                           field: Field) -> None:
    schema_of, name = SCHEMAS[kind]
    file_schema = schema_of()
    definition = file_schema["$defs"][name]
    prop = definition["properties"][key]
    assert prop.get("default", NO_DEFAULT) == field.default
    assert (key in definition["required"]) == field.required
    assert definition["additionalProperties"] is False
    validator = jsonschema.Draft202012Validator(
        {"$defs": file_schema["$defs"], "type": "object", "properties": {key: prop}})
    assert not list(validator.iter_errors({key: good(kind, key, field)}))
    if field.type in BAD:
        assert list(validator.iter_errors({key: BAD[field.type]}))
    if field.enum:
        assert list(validator.iter_errors({key: "NOT_ONE_OF_THEM"}))
        assert not list(validator.iter_errors({key: field.enum[0]}))
    if field.minimum is not None:
        assert list(validator.iter_errors({key: field.minimum - 1}))
    assert set(definition["properties"]) == set(fields_of(kind))


def test_no_field_is_known_only_to_newer_servers_yet_defaulted_on_3_15() -> None:
    for kind, key, field in every_field():
        core, oss = field.default_on("core"), field.default_on("oss")
        assert oss == field.default, (kind, key)
        assert core == (NO_DEFAULT if field.oss_only else field.default), (kind, key)
        assert TABLE.defaults(kind, "core").get(key, NO_DEFAULT) == core
        assert TABLE.defaults(kind, "oss").get(key, NO_DEFAULT) == oss


def test_the_kinds_table_gives_the_folders_and_labels() -> None:
    assert definition_folders() == {"task": "tasks", "workflow": "workflows",
                                  "event_handler": "event-handlers"}
    labels = [Definition(info.kind, {"name": "n", "version": 2}, Source("f")).label
              for info in KINDS]
    assert labels == ["task n", "workflow n v2", "event handler n"]


# A field added to the table, and nowhere else, reaches every derived view.

NEW = Field("integer", default=7, minimum=0)


@pytest.fixture
def with_new_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    table = TABLE.with_field("task-def", "brandNewKnob", NEW)
    table = table.with_field("event-action", "brandNewKnob", NEW)
    monkeypatch.setattr(_fields, "TABLE", table)


@pytest.mark.parametrize("kind", ["task-def", "event-action"])
def test_a_field_added_to_the_table_is_unknown_before(kind: ObjectKind) -> None:
    assert "brandNewKnob" in normalised(kind, {"brandNewKnob": 7})
    assert {f.rule for f in findings_at(kind, "brandNewKnob", 7)} == {"unknown-key"}
    schema_of, name = SCHEMAS[kind]
    assert "brandNewKnob" not in schema_of()["$defs"][name]["properties"]


@pytest.mark.usefixtures("with_new_fields")
@pytest.mark.parametrize("kind", ["task-def", "event-action"])
def test_a_field_added_to_the_table_reaches_comparison_validator_and_schema(
        kind: ObjectKind) -> None:
    assert "brandNewKnob" not in normalised(kind, {"brandNewKnob": 7})
    assert normalised(kind, {"brandNewKnob": 8})["brandNewKnob"] == 8
    assert list(findings_at(kind, "brandNewKnob", 7)) == []
    assert {(f.rule, f.severity) for f in findings_at(kind, "brandNewKnob", "seven")} == \
        {("type", "error")}
    assert {f.rule for f in findings_at(kind, "brandNewKnob", -1)} == {"min-value"}
    schema_of, name = SCHEMAS[kind]
    prop = schema_of()["$defs"][name]["properties"]["brandNewKnob"]
    assert prop["default"] == 7
    assert {"type": "integer", "minimum": 0}.items() <= prop["anyOf"][0].items()
