"""Required fields, JSON types, allowed values, minimums and the timeout rule (each
field type's own check is ``_field_types.py``'s).

These mirror Conductor's bean validation (NF 3.15 ``TaskDef``, ``WorkflowDef``,
``WorkflowTask``, ``SubWorkflowParams``, ``TaskTimeoutConstraint``) and its JSON
parsing: a value Jackson cannot convert is refused by the server with a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from workflow_migrator._field_types import INTEGER_TEXT, plain_cases_of, type_problem
from workflow_migrator._fields import (
    ObjectKind,
    default_of,
    embedded_objects,
    fields_of,
    kind_info,
    object_label,
    required_fields,
)
from workflow_migrator._findings import Finding, Severity
from workflow_migrator._models import Definition
from workflow_migrator._rules.context import Context, finding
from workflow_migrator._task_walk import Path

#: Hibernate Validator's @Email, simplified: a local part, '@', a host name.
# Non-ASCII as [^\x00-\x7f], not a \u0080-\uffff range: the range costs 18 ms to compile,
# on every start of the command.
_NON_ASCII = r"[^\x00-\x7f]"
_ATOM = rf"(?:[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]|{_NON_ASCII})+"
_ALNUM = rf"(?:[A-Za-z0-9]|{_NON_ASCII})"
_LABEL = rf"{_ALNUM}(?:(?:[A-Za-z0-9-]|{_NON_ASCII})*{_ALNUM})?"
EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9.:A-Fa-f]+\])")
UNCHECKED = " (the server does not check tasks inside a DO_WHILE loop; this fails when it runs)"


def structure_rules(context: Context) -> Iterator[Finding]:
    for definition in context.definitions:
        body = definition.body
        if definition.kind == "event_handler":
            continue  # event_handlers.py checks these
        if definition.kind not in ("task", "workflow"):
            yield from _fields_only(definition)
            continue
        if definition.kind == "task":
            yield from check_object(definition, body, "task-def", ())
            yield from _embedded(definition, body, "task-def")
            yield from _required_name(definition, "a task definition")
            yield from _owner_email(definition)
            yield from _timeouts(definition)
            continue
        yield from check_object(definition, body, "workflow-def", ())
        yield from _embedded(definition, body, "workflow-def")
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


def _embedded(definition: Definition, body: dict[str, Any],
              kind: ObjectKind) -> Iterator[Finding]:
    """The objects a definition holds at its top (a task's inputSchema): their fields."""
    for key, child in embedded_objects(kind):
        value = body.get(key)
        if isinstance(value, dict):
            yield from check_object(definition, value, child, (key,))


def check_object(definition: Definition, body: dict[str, Any], kind: ObjectKind,
                 path: Path) -> Iterator[Finding]:
    """Types, allowed values and minimums of the known keys of one object."""
    fields = fields_of(kind)
    plain_cases = plain_cases_of(fields)
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


def _fields_only(definition: Definition) -> Iterator[Finding]:
    """A kind of definition with no rules of its own: the types and limits of its fields,
    and the fields it requires, as the field table states them."""
    kind = kind_info(definition.kind).object_kind
    yield from check_object(definition, definition.body, kind, ())
    for key in required_fields(kind):
        if definition.body.get(key) in (None, "", [], {}):
            yield finding(definition, (key,), f"{object_label(kind)} needs a non-empty '{key}'",
                          "required")




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
