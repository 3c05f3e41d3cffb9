"""JSON Schemas (draft 2020-12) for task, workflow and event handler files, for editors.

They are generated from the one field table (``_fields.py``), which the validator
and the comparison also read: types, allowed values, minimums, required fields and
defaults, so they cannot drift from what ``validate`` checks. A
file may hold one definition or a list of them; any value may instead be an
``@{NAME}`` placeholder, which the loader fills in from ``environments/``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from workflow_migrator._exceptions import MigratorError
from workflow_migrator._fields import TASK_TYPES, Field, ObjectKind, comparison_defaults, fields_of
from workflow_migrator._workflow_tests import workflow_test_schema

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://ol-workflow-orchestrator.invalid/schemas/"
TASK_SCHEMA_FILE = "task-definition.schema.json"
WORKFLOW_SCHEMA_FILE = "workflow-definition.schema.json"
WORKFLOW_TEST_SCHEMA_FILE = "workflow-test.schema.json"
EVENT_HANDLER_SCHEMA_FILE = "event-handler.schema.json"
PLACEHOLDER = {"type": "string", "pattern": r"^@\{[A-Za-z_][A-Za-z0-9_.-]*\}$",
               "description": "an @{NAME} placeholder, filled from environments/<APP_ENV>.yaml"}
DEF_NAMES: dict[ObjectKind, str] = {"task-def": "taskDef", "workflow-def": "workflowDef",
                                    "workflow-task": "workflowTask",
                                    "sub-workflow": "subWorkflowParams",
                                    "event-handler": "eventHandler", "event-action": "eventAction",
                                    "start-workflow": "startWorkflow",
                                    "task-details": "taskDetails"}
#: The objects each file's schema describes.
WORKFLOW_OBJECTS: tuple[ObjectKind, ...] = ("task-def", "workflow-def", "workflow-task",
                                            "sub-workflow")
EVENT_HANDLER_OBJECTS: tuple[ObjectKind, ...] = ("event-handler", "event-action",
                                                 "start-workflow", "task-details")


def _ref(kind: ObjectKind) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{DEF_NAMES[kind]}"}


def _value_schema(field: Field) -> dict[str, Any]:
    task = _ref("workflow-task")
    schemas: dict[str, dict[str, Any]] = {
        "string": {"type": "string"},
        "integer": {"type": "integer"},
        "boolean": {"type": "boolean"},
        "object": {"type": "object"},
        "string-map": {"type": "object", "additionalProperties": {"type": "string"}},
        "string-list": {"type": "array", "items": {"type": "string"}},
        "any": {},
        "tasks": {"type": "array", "items": task},
        "task-lists": {"type": "array", "items": {"type": "array", "items": task}},
        "task-map": {"type": "object", "additionalProperties": {"type": "array", "items": task}},
        "actions": {"type": "array", "items": _ref("event-action"), "minItems": 1},
    }
    kind = field.object_kind
    schema = _ref(kind) if kind is not None else dict(schemas[field.type])
    if field.enum:
        schema["enum"] = list(field.enum)
    if field.minimum is not None:
        schema["minimum"] = field.minimum
    if field.type == "integer":
        schema["maximum"] = field.maximum
    return schema


def _object_schema(kind: ObjectKind) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    defaults = comparison_defaults(kind)
    fields = fields_of(kind)
    for key, field in sorted(fields.items()):
        schema = _value_schema(field)
        notes = []
        if field.oss_only:
            notes.append("conductor-oss 3.2x and later only; Conductor 3.15 drops it")
        if field.server_managed:
            notes.append("set by the server; ignored when deploying")
        if notes:
            schema["description"] = "; ".join(notes)
        if key in defaults:
            schema["default"] = copy.deepcopy(defaults[key])
        if kind == "workflow-task" and key == "type":
            schema["examples"] = sorted(TASK_TYPES)
        if kind == "workflow-def" and key == "schemaVersion":
            schema["const"] = 2
        if kind == "event-handler" and key == "event":
            schema = {"anyOf": [{"type": "string", "pattern": r"^[A-Za-z0-9_.-]+:\S+$",
                                 "description": "type:queue, e.g. conductor:orders"},
                                PLACEHOLDER]}
        if field.type not in ("string", "any"):
            schema = {"anyOf": [schema, PLACEHOLDER], **{k: v for k, v in schema.items()
                                                         if k in ("description", "default")}}
        properties[key] = schema
    required = [key for key, field in fields.items() if field.required]
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False}


def _file_schema(kind: ObjectKind, file_name: str, title: str,
                 objects: tuple[ObjectKind, ...] = WORKFLOW_OBJECTS) -> dict[str, Any]:
    return {
        "$schema": DRAFT,
        "$id": BASE_ID + file_name,
        "title": title,
        "description": "One definition, or a list of them (workflow-migrator config directory).",
        "oneOf": [_ref(kind), {"type": "array", "items": _ref(kind)}],
        "$defs": {DEF_NAMES[k]: _object_schema(k) for k in objects},
    }


def task_schema() -> dict[str, Any]:
    """The schema of a file under ``tasks/``."""
    return _file_schema("task-def", TASK_SCHEMA_FILE, "Conductor task definition file")


def workflow_schema() -> dict[str, Any]:
    """The schema of a file under ``workflows/``."""
    return _file_schema("workflow-def", WORKFLOW_SCHEMA_FILE, "Conductor workflow definition file")


def event_handler_schema() -> dict[str, Any]:
    """The schema of a file under ``event-handlers/``."""
    return _file_schema("event-handler", EVENT_HANDLER_SCHEMA_FILE, "Conductor event handler file",
                        EVENT_HANDLER_OBJECTS)


def write_schemas(output_dir: Path) -> list[Path]:
    """Writes the schemas into ``output_dir`` (created if missing).

    :param output_dir: where to write ``task-definition.schema.json``,
        ``workflow-definition.schema.json``, ``event-handler.schema.json`` and
        ``workflow-test.schema.json`` (files under ``tests/``).
    :returns: the files written.
    """
    written = []
    schemas = ((TASK_SCHEMA_FILE, task_schema()), (WORKFLOW_SCHEMA_FILE, workflow_schema()),
               (EVENT_HANDLER_SCHEMA_FILE, event_handler_schema()),
               (WORKFLOW_TEST_SCHEMA_FILE, workflow_test_schema()))
    for name, schema in schemas:
        path = output_dir / name
        try:
            output_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise MigratorError(f"cannot write {path}: {exc.strerror or exc}") from exc
        written.append(path)
    return written
