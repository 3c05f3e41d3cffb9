"""JSON Schemas (draft 2020-12) for task, workflow and event handler files and for workflow
test files, for editors.

They are generated from the one field table (``_fields.py``), which the validator
and the comparison also read (each field type's schema is ``_field_types.py``'s): types,
allowed values, minimums, required fields and defaults, so they cannot drift from what
``validate`` checks. A file may hold one definition or a list of them; any value may instead be an
``@{NAME}`` placeholder, which the loader fills in from ``environments/``. The workflow
test files' schema follows the cases ``_workflow_tests.py`` loads (its statuses).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from workflow_migrator._exceptions import MigratorError
from workflow_migrator._field_types import value_schema
from workflow_migrator._fields import ObjectKind, comparison_defaults, fields_of
from workflow_migrator._grammar import EVENT_FORM, PLACEHOLDER_PATTERN
from workflow_migrator._task_types import task_types
from workflow_migrator._workflow_tests import OUTCOME_STATUSES, WORKFLOW_STATUSES

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://ol-workflow-orchestrator.invalid/schemas/"
TASK_SCHEMA_FILE = "task-definition.schema.json"
WORKFLOW_SCHEMA_FILE = "workflow-definition.schema.json"
WORKFLOW_TEST_SCHEMA_FILE = "workflow-test.schema.json"
EVENT_HANDLER_SCHEMA_FILE = "event-handler.schema.json"
PROJECT_SCHEMA_FILE = "project.schema.json"
PLACEHOLDER = {"type": "string", "pattern": PLACEHOLDER_PATTERN,
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


def _object_schema(kind: ObjectKind) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    defaults = comparison_defaults(kind)
    fields = fields_of(kind)
    for key, field in sorted(fields.items()):
        schema = value_schema(field, _ref)
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
            schema["examples"] = sorted(task_types())
        if kind == "workflow-def" and key == "schemaVersion":
            schema["const"] = 2
        if kind == "event-handler" and key == "event":
            schema = {"anyOf": [{"type": "string", "pattern": f"^{EVENT_FORM}$",
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


def workflow_test_schema() -> dict[str, Any]:
    """The schema of a workflow test file, under ``tests/`` (``_workflow_tests.py``)."""
    outcome = {
        "type": "object", "additionalProperties": False, "required": ["status"],
        "properties": {
            "status": {"enum": list(OUTCOME_STATUSES)},
            "output": {"type": "object", "description": "the task's output"},
            "reason": {"type": "string", "description": "why it failed"},
        },
    }
    ref_list = {"type": "array", "items": {"type": "string"}}
    case = {
        "type": "object", "additionalProperties": False, "required": ["name", "expect"],
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "input": {"type": "object", "description": "the workflow's input"},
            "tasks": {
                "type": "object",
                "description": "per task reference (sub_ref/child_ref in a sub-workflow), what "
                               "the mocked worker answers: one outcome for every execution, or "
                               "a list, one per execution",
                "additionalProperties": {"oneOf": [
                    {"$ref": "#/$defs/outcome"},
                    {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/outcome"}}]},
            },
            "run": {**ref_list, "description": "HTTP/KAFKA_PUBLISH tasks to run for real"},
            "redacted": {"type": "array", "items": {"type": "string"},
                         "description": "where test capture replaced a secret (a note)"},
            "expect": {
                "type": "object", "additionalProperties": False, "required": ["status"],
                "properties": {
                    "status": {"enum": list(WORKFLOW_STATUSES)},
                    "output": {"type": "object", "description": "a subset of the output"},
                    "path": {**ref_list, "description": "every task executed, in order, one "
                                                        "entry per attempt"},
                    "inputs": {"type": "object", "description": "per task reference, a subset "
                               "of its input (first execution), or a list, one per execution",
                               "additionalProperties": {"oneOf": [
                                   {"type": "object"},
                                   {"type": "array", "items": {"type": "object"}}]}},
                },
            },
        },
    }
    test_file = {
        "type": "object", "additionalProperties": False, "required": ["workflow", "cases"],
        "properties": {
            "workflow": {"type": "string", "description": "a workflow of the directory"},
            "version": {"type": "integer", "minimum": 1},
            "cases": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/case"}},
        },
    }
    return {
        "$schema": DRAFT,
        "$id": BASE_ID + WORKFLOW_TEST_SCHEMA_FILE,
        "title": "Workflow test file",
        "description": "Cases that run a workflow of the directory with mocked workers "
                       "(workflow-migrator test).",
        "oneOf": [{"$ref": "#/$defs/testFile"},
                  {"type": "array", "items": {"$ref": "#/$defs/testFile"}}],
        "$defs": {"testFile": test_file, "case": case, "outcome": outcome},
    }


def write_schemas(output_dir: Path) -> list[Path]:
    """Writes the schemas into ``output_dir`` (created if missing).

    :param output_dir: where to write ``task-definition.schema.json``,
        ``workflow-definition.schema.json``, ``event-handler.schema.json``,
        ``workflow-test.schema.json`` (files under ``tests/``) and
        ``project.schema.json`` (``workflow-migrator.yaml``).
    :returns: the files written.
    """
    from workflow_migrator._project import project_schema

    written = []
    schemas = ((TASK_SCHEMA_FILE, task_schema()), (WORKFLOW_SCHEMA_FILE, workflow_schema()),
               (EVENT_HANDLER_SCHEMA_FILE, event_handler_schema()),
               (WORKFLOW_TEST_SCHEMA_FILE, workflow_test_schema()),
               (PROJECT_SCHEMA_FILE, project_schema()))
    for name, schema in schemas:
        path = output_dir / name
        try:
            output_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise MigratorError(f"cannot write {path}: {exc.strerror or exc}") from exc
        written.append(path)
    return written
