"""Required fields, JSON types, allowed values, minimums and the timeout rule.

These mirror Conductor's bean validation (NF 3.15 ``TaskDef``, ``WorkflowDef``,
``WorkflowTask``, ``SubWorkflowParams``, ``TaskTimeoutConstraint``) and its JSON
parsing: a value Jackson cannot convert is refused by the server with a 500.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from workflow_migrator._fields import Field, ObjectKind, default_of, fields_of
from workflow_migrator._findings import Finding, Severity
from workflow_migrator._models import Definition
from workflow_migrator._rules.context import Context, describe, finding
from workflow_migrator._rules.walk import Path

#: Hibernate Validator's @Email, simplified: a local part, '@', a host name.
# Non-ASCII as [^\x00-\x7f], not a \u0080-\uffff range: the range costs 18 ms to compile,
# on every start of the command.
_NON_ASCII = r"[^\x00-\x7f]"
_ATOM = rf"(?:[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]|{_NON_ASCII})+"
_ALNUM = rf"(?:[A-Za-z0-9]|{_NON_ASCII})"
_LABEL = rf"{_ALNUM}(?:(?:[A-Za-z0-9-]|{_NON_ASCII})*{_ALNUM})?"
EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9.:A-Fa-f]+\])")
INTEGER_TEXT = re.compile(r"[+-]?\d+")
UNCHECKED = " (the server does not check tasks inside a DO_WHILE loop; this fails when it runs)"


def structure_rules(context: Context) -> Iterator[Finding]:
    for definition in context.definitions:
        body = definition.body
        if definition.kind == "event_handler":
            continue  # event_handlers.py checks these
        if definition.kind == "task":
            yield from check_object(definition, body, "task-def", ())
            yield from _required_name(definition, "a task definition")
            yield from _owner_email(definition)
            yield from _timeouts(definition)
            continue
        yield from check_object(definition, body, "workflow-def", ())
        yield from _required_name(definition, "a workflow definition")
        name = body.get("name")
        if isinstance(name, str) and ":" in name:
            yield finding(definition, ("name",), f"workflow name '{name}' contains ':', which "
                          "Conductor 3.15 refuses in workflow names", "name-chars")
        tasks = body.get("tasks")
        if tasks is None or tasks == []:
            yield finding(definition, ("tasks",), "a workflow needs a non-empty list of 'tasks'",
                          "required")
        schema_version = _integer(body.get("schemaVersion"))
        if schema_version is not None and schema_version != 2:
            yield finding(definition, ("schemaVersion",), f"schemaVersion is {schema_version}; "
                          "the server only accepts 2 (or leave it out)", "schema-version")
        yield from _owner_email(definition)
        for site in context.sites(definition):
            yield from check_object(definition, site.task, "workflow-task", site.path)
            severity: Severity = "error" if site.checked else "warning"
            suffix = "" if site.checked else UNCHECKED
            for key, label in (("name", "name"), ("taskReferenceName", "taskReferenceName")):
                value = site.task.get(key)
                if value is None or value == "":
                    yield finding(definition, (*site.path, key),
                                  f"every workflow task needs a non-empty '{label}'{suffix}",
                                  "required", severity)
            if "type" in site.task and site.task["type"] is None:
                yield finding(definition, (*site.path, "type"), "'type' is null: give a task "
                              "type, or leave the key out for a SIMPLE task", "type", severity)
            for embedded, kind, path in site.embedded_objects():
                yield from check_object(definition, embedded, kind, path)


def check_object(definition: Definition, body: dict[str, Any], kind: ObjectKind,
                 path: Path) -> Iterator[Finding]:
    """Types, allowed values and minimums of the known keys of one object."""
    fields = fields_of(kind)
    plain_cases = _plain_cases(fields)
    for key, value in body.items():
        case = plain_cases.get(key)
        if case is None or value is None:  # a key the table does not know, or null
            continue
        plain, low, high = case
        if plain is object or type(value) is plain and (
                plain is not int or low <= value <= high):  # type: ignore[operator]
            continue  # the common case, with nothing to say: what type_problem would find
        field = fields[key]
        problem = type_problem(value, field)
        if problem:
            severity, message = problem
            yield finding(definition, (*path, key), f"'{key}' {message}", "type", severity)
            continue
        number = _integer(value)
        if field.minimum is not None and number is not None and number < field.minimum:
            yield finding(definition, (*path, key), f"'{key}' must be at least {field.minimum}, "
                          f"not {value}", "min-value")


#: The plain case of each field of a kind's fields (by the id of the fields' mapping; the
#: entry keeps the mapping, so no other takes its id): the exact Python type of a value
#: with nothing to report (``object``: any value; None: no such shortcut) and, for an
#: integer, the range it must fall in, its minimum included. Checking the 35,000 values
#: of 1,300 definitions spent most of its time on messages it never made.
_PLAIN: dict[int, tuple[Mapping[str, Field], dict[str, tuple[type | None, int, int]]]] = {}


def _plain_cases(fields: Mapping[str, Field]) -> dict[str, tuple[type | None, int, int]]:
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


def type_problem(value: Any, field: Field) -> tuple[Severity, str] | None:
    """Why ``value`` does not fit ``field``: an error when the server's JSON parser
    refuses it, and an error too when it silently converts it: the server then holds
    another value than the file, so every later deploy would see a change and register a
    new version (or update the task definition) again."""
    kind = field.type
    if kind == "any":
        return None
    if kind == "string":
        if isinstance(value, str):
            if field.enum and value not in field.enum:
                return "error", f"is '{value}', which is not one of {', '.join(field.enum)}"
            return None
        if isinstance(value, (bool, int, float)):
            return "error", (f"should be a string, not {describe(value)}: the server would "
                             f"store {json.dumps(str(value))}, so quote it")
        return "error", f"should be a string, not {describe(value)}"
    if kind == "integer":
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
    if kind == "boolean":
        if isinstance(value, bool):
            return None
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return "error", ("should be true or false, not a string: the server would convert "
                             "it, so write it without quotes")
        return "error", f"should be true or false, not {describe(value)}"
    if kind in ("object", "string-map") or field.object_kind is not None:
        return None if isinstance(value, dict) else (
            "error", f"should be an object, not {describe(value)}")
    if kind == "string-list":
        if not isinstance(value, list):
            return "error", f"should be a list of strings, not {describe(value)}"
        if any(isinstance(item, (dict, list)) for item in value):
            return "error", "should be a list of strings, but holds an object or a list"
        if any(not isinstance(item, str) for item in value):
            return "error", ("should be a list of strings: the server would convert the "
                             "other values to text, so quote them")
        return None
    if kind == "tasks":
        return _task_list_problem(value)
    if kind == "actions":
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            return "error", "should be a list of actions (objects)"
        return None
    if kind == "task-lists":
        if not isinstance(value, list):
            return "error", f"should be a list of task lists, not {describe(value)}"
        for branch in value:
            problem = _task_list_problem(branch)
            if problem:
                return problem[0], "should be a list of task lists; " + problem[1]
        return None
    if kind == "task-map":
        if not isinstance(value, dict):
            return "error", ("should be an object mapping each case to a task list, not "
                             f"{describe(value)}")
        for case, items in value.items():
            problem = _task_list_problem(items)
            if problem:
                return problem[0], f"case '{case}' {problem[1]}"
        return None
    raise AssertionError(kind)  # pragma: no cover - every FieldType is handled above


def _task_list_problem(value: Any) -> tuple[Severity, str] | None:
    if not isinstance(value, list):
        return "error", f"should be a list of tasks, not {describe(value)}"
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            return "error", (f"should be a list of tasks (objects), but item {index} is "
                             f"{describe(item)}")
    return None


def _required_name(definition: Definition, what: str) -> Iterator[Finding]:
    name = definition.body.get("name")
    if name is None or name == "":
        yield finding(definition, ("name",), f"{what} needs a non-empty 'name'", "required")


def _owner_email(definition: Definition) -> Iterator[Finding]:
    email = definition.body.get("ownerEmail")
    if isinstance(email, str) and email and not EMAIL.fullmatch(email):
        yield finding(definition, ("ownerEmail",), f"ownerEmail '{email}' is not an e-mail "
                      "address; Conductor 3.15 refuses it", "owner-email")


def _timeouts(definition: Definition) -> Iterator[Finding]:
    """TaskTimeoutConstraint: responseTimeoutSeconds must not exceed a set timeoutSeconds."""
    body = definition.body
    timeout = _integer(body.get("timeoutSeconds", default_of("task-def", "timeoutSeconds")))
    default_response = default_of("task-def", "responseTimeoutSeconds")
    response = _integer(body.get("responseTimeoutSeconds", default_response))
    if timeout is not None and response is not None and timeout > 0 and response > timeout:
        if "responseTimeoutSeconds" in body:
            yield finding(definition, ("responseTimeoutSeconds",),
                          f"responseTimeoutSeconds ({response}) must not exceed timeoutSeconds "
                          f"({timeout})", "timeout")
        else:
            yield finding(definition, ("timeoutSeconds",),
                          f"timeoutSeconds is {timeout}, below the default responseTimeoutSeconds "
                          f"of {default_response}: set responseTimeoutSeconds to at most "
                          f"{timeout}", "timeout")
    total = _integer(body.get("totalTimeoutSeconds",
                              default_of("task-def", "totalTimeoutSeconds")))
    if timeout is not None and total is not None and timeout > 0 and 0 < total < timeout:
        yield finding(definition, ("totalTimeoutSeconds",),
                      f"totalTimeoutSeconds ({total}) must be at least timeoutSeconds ({timeout})",
                      "timeout")


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and INTEGER_TEXT.fullmatch(value.strip()):
        return int(value)
    return None
