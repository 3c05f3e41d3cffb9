"""What each type of field accepts, and how a JSON Schema says it: one row per
``FieldType`` of the field table (``_field_table.py``), holding its check and its schema.

The validator (``_rules/structure.py``) asks ``type_problem``; the JSON Schemas
(``_schema.py``) ask ``value_schema``. A check mirrors the server's JSON parsing
(Jackson): a value it refuses is an error, and so is one it silently converts (the
server would then hold another value than the file, so every deploy would write it
again). A field's limits (allowed values, minimum, size) apply on top of its type.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Literal

from workflow_migrator._field_table import Field, FieldType, ObjectKind
from workflow_migrator._findings import Severity

#: Why a value does not fit a field, or None when it does.
Problem = tuple[Severity, str] | None
#: How a schema refers to the definition of an object kind (``{"$ref": ...}``).
Ref = Callable[[ObjectKind], dict[str, Any]]
#: What a value is, for a walk over a definition: an object of a kind, a list or a map of
#: values of one shape, or None for a free-form value (an input template: any key may be
#: there).
Shape = ObjectKind | tuple[Literal["list", "map"], "Shape"] | None
#: A whole number written as text, as Jackson converts it to a number.
INTEGER_TEXT = re.compile(r"[+-]?\d+")


def describe(value: Any) -> str:
    """The JSON type of ``value``, as a person names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


@dataclasses.dataclass(frozen=True)
class FieldTypeRules:
    """One type of field: what it accepts, and its JSON Schema."""

    check: Callable[[Any, Field], Problem]
    schema: Callable[[Field, Ref], dict[str, Any]]
    #: what a container holds (a list of workflow tasks...); None for any other value
    holds: Shape = None


def _any(value: Any, field: Field) -> Problem:
    return None


def _string(value: Any, field: Field) -> Problem:
    if isinstance(value, str):
        if field.enum and value not in field.enum:
            return "error", f"is '{value}', which is not one of {', '.join(field.enum)}"
        return None
    if isinstance(value, (bool, int, float)):
        return "error", (f"should be a string, not {describe(value)}: the server would "
                         f"store {json.dumps(str(value))}, so quote it")
    return "error", f"should be a string, not {describe(value)}"


def _integer(value: Any, field: Field) -> Problem:
    if isinstance(value, bool):
        return "error", f"should be a whole number, not {describe(value)}"
    # (NaN and the infinities are not numbers JSON carries: the loader's concern)
    if (isinstance(value, int) or isinstance(value, float) and math.isfinite(value)) \
            and not field.lowest <= value <= field.maximum:
        return "error", (f"is {value}, beyond what the server holds (a {field.bits}-bit "
                         f"integer, {field.lowest} to {field.maximum})")
    if isinstance(value, int):
        return None
    if isinstance(value, float):
        return None if value.is_integer() else (
            "error", f"should be a whole number; the server would truncate {value}")
    if isinstance(value, str) and INTEGER_TEXT.fullmatch(value.strip()):
        return "error", (f"should be a number, not a string: the server would convert "
                         f"'{value}', so write it without quotes")
    return "error", f"should be a whole number, not {describe(value)}"


def _boolean(value: Any, field: Field) -> Problem:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return "error", ("should be true or false, not a string: the server would convert "
                         "it, so write it without quotes")
    return "error", f"should be true or false, not {describe(value)}"


def _object(value: Any, field: Field) -> Problem:
    return None if isinstance(value, dict) else (
        "error", f"should be an object, not {describe(value)}")


def _string_list(value: Any, field: Field) -> Problem:
    if not isinstance(value, list):
        return "error", f"should be a list of strings, not {describe(value)}"
    if any(isinstance(item, (dict, list)) for item in value):
        return "error", "should be a list of strings, but holds an object or a list"
    if any(not isinstance(item, str) for item in value):
        return "error", ("should be a list of strings: the server would convert the "
                         "other values to text, so quote them")
    return None


def _tasks(value: Any, field: Field | None = None) -> Problem:
    if not isinstance(value, list):
        return "error", f"should be a list of tasks, not {describe(value)}"
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            return "error", (f"should be a list of tasks (objects), but item {index} is "
                             f"{describe(item)}")
    return None


def _task_lists(value: Any, field: Field) -> Problem:
    if not isinstance(value, list):
        return "error", f"should be a list of task lists, not {describe(value)}"
    for branch in value:
        problem = _tasks(branch)
        if problem:
            return problem[0], "should be a list of task lists; " + problem[1]
    return None


def _task_map(value: Any, field: Field) -> Problem:
    if not isinstance(value, dict):
        return "error", ("should be an object mapping each case to a task list, not "
                         f"{describe(value)}")
    for case, items in value.items():
        problem = _tasks(items)
        if problem:
            return problem[0], f"case '{case}' {problem[1]}"
    return None


def _actions(value: Any, field: Field) -> Problem:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return "error", "should be a list of actions (objects)"
    return None


def _fixed(schema: dict[str, Any]) -> Callable[[Field, Ref], dict[str, Any]]:
    return lambda field, ref: dict(schema)


def _one_object(field: Field, ref: Ref) -> dict[str, Any]:
    assert field.object_kind is not None  # noqa: S101 - only object kinds have this row
    return ref(field.object_kind)


def _task_list_schema(ref: Ref) -> dict[str, Any]:
    return {"type": "array", "items": ref("workflow-task")}


_OBJECT_OF_A_KIND = FieldTypeRules(_object, _one_object)
_TASK_LIST: Shape = ("list", "workflow-task")

#: Every type of field, with its check and its schema.
FIELD_TYPES: Mapping[FieldType, FieldTypeRules] = MappingProxyType({
    "string": FieldTypeRules(_string, _fixed({"type": "string"})),
    "integer": FieldTypeRules(_integer, lambda field, ref: {"type": "integer",
                                                            "maximum": field.maximum}),
    "boolean": FieldTypeRules(_boolean, _fixed({"type": "boolean"})),
    "object": FieldTypeRules(_object, _fixed({"type": "object"})),
    "string-map": FieldTypeRules(_object, _fixed({"type": "object",
                                                  "additionalProperties": {"type": "string"}})),
    "string-list": FieldTypeRules(_string_list, _fixed({"type": "array",
                                                        "items": {"type": "string"}})),
    "any": FieldTypeRules(_any, _fixed({})),
    "tasks": FieldTypeRules(_tasks, lambda field, ref: _task_list_schema(ref), _TASK_LIST),
    "task-lists": FieldTypeRules(_task_lists, lambda field, ref: {
        "type": "array", "items": _task_list_schema(ref)}, ("list", _TASK_LIST)),
    "task-map": FieldTypeRules(_task_map, lambda field, ref: {
        "type": "object", "additionalProperties": _task_list_schema(ref)}, ("map", _TASK_LIST)),
    "actions": FieldTypeRules(_actions, lambda field, ref: {
        "type": "array", "items": ref("event-action"), "minItems": 1}, ("list", "event-action")),
    "task-def": _OBJECT_OF_A_KIND,
    "workflow-def": _OBJECT_OF_A_KIND,
    "sub-workflow": _OBJECT_OF_A_KIND,
    "start-workflow": _OBJECT_OF_A_KIND,
    "task-details": _OBJECT_OF_A_KIND,
    "schema-def": _OBJECT_OF_A_KIND,
})


#: The plain case of each field of a kind's fields (by the id of the fields' mapping; the
#: entry keeps the mapping, so no other takes its id): the exact Python type of a value
#: with nothing to report (``object``: any value; None: no such shortcut) and, for an
#: integer, the range it must fall in, its minimum included. Checking the 35,000 values
#: of 1,300 definitions spent most of its time on messages it never made.
_PLAIN: dict[int, tuple[Mapping[str, Field], dict[str, tuple[type | None, int, int]]]] = {}


def plain_cases_of(fields: Mapping[str, Field]) -> dict[str, tuple[type | None, int, int]]:
    """Each field's plain case, for a check to pass a value with nothing to report
    before asking ``type_problem``."""
    entry = _PLAIN.get(id(fields))
    if entry is None or entry[0] is not fields:
        entry = _PLAIN[id(fields)] = (fields, {key: _plain(f) for key, f in fields.items()})
    return entry[1]


def _plain(field: Field) -> tuple[type | None, int, int]:
    plain: type | None = None
    if field.type == "integer":
        plain = int
    elif field.minimum is not None:
        plain = None
    elif field.type == "any":
        plain = object
    elif field.type == "string" and not field.enum:
        plain = str
    elif field.type == "boolean":
        plain = bool
    elif field.type in ("object", "string-map") or field.object_kind is not None:
        plain = dict
    low = field.lowest if field.minimum is None else max(field.lowest, field.minimum)
    return plain, low, field.maximum


def type_problem(value: Any, field: Field) -> Problem:
    """Why ``value`` does not fit ``field``'s type (and allowed values, and size)."""
    return FIELD_TYPES[field.type].check(value, field)


def value_schema(field: Field, ref: Ref) -> dict[str, Any]:
    """The JSON Schema of a value of ``field``: its type's, with the field's limits."""
    schema = FIELD_TYPES[field.type].schema(field, ref)
    if field.enum:
        schema["enum"] = list(field.enum)
    if field.minimum is not None:
        schema["minimum"] = field.minimum
    return schema


def shape_of(field: Field) -> Shape:
    """What a value of ``field`` is, for a walk: its object kind, or what its type holds."""
    return field.object_kind or FIELD_TYPES[field.type].holds
