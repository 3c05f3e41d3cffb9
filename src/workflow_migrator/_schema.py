"""JSON Schemas (draft 2020-12) for the files of every kind of definition (task, workflow,
event handler: one per ``KINDS`` entry of the field table) and for workflow test files, for
editors.

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
from workflow_migrator._field_types import Shape, shape_of, value_schema
from workflow_migrator._fields import (
    Kind,
    ObjectKind,
    comparison_defaults,
    fields_of,
    kind_info,
    kinds,
    object_label,
)
from workflow_migrator._grammar import EVENT_FORM, PLACEHOLDER_PATTERN
from workflow_migrator._task_types import task_types
from workflow_migrator._workflow_tests import OUTCOME_STATUSES, WORKFLOW_STATUSES

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://ol-workflow-orchestrator.invalid/schemas/"
WORKFLOW_TEST_SCHEMA_FILE = "workflow-test.schema.json"
PROJECT_SCHEMA_FILE = "project.schema.json"
PLACEHOLDER = {"type": "string", "pattern": PLACEHOLDER_PATTERN,
               "description": "an @{NAME} placeholder, filled from environments/<APP_ENV>.yaml"}


def _def_name(kind: ObjectKind) -> str:
    """The name of an object kind under ``$defs``: ``workflow-task`` -> ``workflowTask``."""
    head, *rest = kind.split("-")
    return head + "".join(word.capitalize() for word in rest)


def _ref(kind: ObjectKind) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{_def_name(kind)}"}


def _objects(kind: ObjectKind) -> list[ObjectKind]:
    """``kind`` and every kind of object that may sit inside one, as the field table's
    shapes say (a workflow's tasks, their task definitions...): what a file's schema
    describes."""
    found: list[ObjectKind] = []

    def visit(shape: Shape) -> None:
        if isinstance(shape, tuple):
            visit(shape[1])
        elif shape is not None and shape not in found:
            found.append(shape)
            for field in fields_of(shape).values():
                visit(shape_of(field))

    visit(kind)
    return found


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


def _label(kind: Kind) -> str:
    """How a schema names a file of ``kind``: ``task definition``, ``event handler``."""
    info = kind_info(kind)
    label = object_label(info.object_kind)
    return label.removeprefix("an ").removeprefix("a ")


def schema_file(kind: Kind) -> str:
    """The file name of the schema of ``kind``'s files: ``task-definition.schema.json``."""
    return _label(kind).replace(" ", "-") + ".schema.json"


def definition_schema(kind: Kind) -> dict[str, Any]:
    """The schema of a file in the folder of ``kind`` (``tasks/``, ``workflows/``...)."""
    object_kind = kind_info(kind).object_kind
    return {
        "$schema": DRAFT,
        "$id": BASE_ID + schema_file(kind),
        "title": f"Conductor {_label(kind)} file",
        "description": "One definition, or a list of them (workflow-migrator config directory).",
        "oneOf": [_ref(object_kind), {"type": "array", "items": _ref(object_kind)}],
        "$defs": {_def_name(k): _object_schema(k) for k in _objects(object_kind)},
    }


def task_schema() -> dict[str, Any]:
    """The schema of a file under ``tasks/``."""
    return definition_schema("task")


def workflow_schema() -> dict[str, Any]:
    """The schema of a file under ``workflows/``."""
    return definition_schema("workflow")


def event_handler_schema() -> dict[str, Any]:
    """The schema of a file under ``event-handlers/``."""
    return definition_schema("event_handler")


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

    :param output_dir: where to write one schema per kind of definition
        (``task-definition.schema.json``, ``workflow-definition.schema.json``,
        ``event-handler.schema.json``), ``workflow-test.schema.json`` (files under ``tests/``) and
        ``project.schema.json`` (``workflow-migrator.yaml``).
    :returns: the files written.
    """
    from workflow_migrator._project import project_schema

    written = []
    schemas = (*((schema_file(info.kind), definition_schema(info.kind)) for info in kinds()),
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
