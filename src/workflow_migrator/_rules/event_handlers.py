"""Event handlers: what Conductor 3.15 needs to run one, and what it would drop.

The server itself checks only that a handler has a name, an event and an action
(``EventHandler`` bean validation); it stores a handler whose event has no queue
part, or whose ``start_workflow`` action names no workflow, and the handler then
fails on every message. These rules catch that before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from workflow_migrator._field_types import describe
from workflow_migrator._fields import ObjectKind, action_details, event_actions
from workflow_migrator._findings import Finding
from workflow_migrator._grammar import EVENT, is_expression
from workflow_migrator._models import Definition
from workflow_migrator._rules.context import Context, finding
from workflow_migrator._rules.graph import _missing as missing_workflow
from workflow_migrator._rules.structure import check_object
from workflow_migrator._rules.unknown_keys import check_keys
from workflow_migrator._targets import DEFAULT_TARGET
from workflow_migrator._task_walk import Path


def event_handler_rules(context: Context) -> Iterator[Finding]:
    for definition in context.definitions.event_handlers:
        yield from _check(definition, definition.body, "event-handler", ())
        yield from _handler(definition)
        actions = definition.body.get("actions")
        if isinstance(actions, list):
            for index, action in enumerate(actions):
                if isinstance(action, dict):
                    yield from _action(definition, action, ("actions", index))


def started_workflow_rules(context: Context) -> Iterator[Finding]:
    """A ``start_workflow`` action naming a workflow defined neither here nor on the
    server: a warning offline, an error once the server is known."""
    for definition, path, params in start_workflow_actions(context.definitions.event_handlers):
        name = params.get("name")
        if isinstance(name, str) and name and not is_expression(name):
            yield from missing_workflow(context, definition, (*path, "name"), name,
                                        params.get("version"), "the workflow to start,",
                                        "start-workflow-missing")


def start_workflow_actions(
        handlers: tuple[Definition, ...]) -> Iterator[tuple[Definition, Path, dict[str, Any]]]:
    """Every ``start_workflow`` object of every handler, with its path."""
    for definition in handlers:
        actions = definition.body.get("actions")
        if not isinstance(actions, list):
            continue
        for index, action in enumerate(actions):
            if isinstance(action, dict) and action.get("action") == "start_workflow" and \
                    isinstance(action.get("start_workflow"), dict):
                yield definition, ("actions", index, "start_workflow"), action["start_workflow"]


def _check(definition: Definition, body: dict[str, Any], kind: ObjectKind,
           path: Path) -> Iterator[Finding]:
    yield from check_object(definition, body, kind, path)
    # Every generation keeps the same keys of an event handler (no oss-only field).
    yield from check_keys(DEFAULT_TARGET, definition, body, kind, path)


def _handler(definition: Definition) -> Iterator[Finding]:
    body = definition.body
    name = body.get("name")
    if name is None or name == "":
        yield finding(definition, ("name",), "an event handler needs a non-empty 'name'",
                      "required")
    event = body.get("event")
    if event is None or event == "":
        yield finding(definition, ("event",), "an event handler needs an 'event' to listen to, "
                      "as type:queue (e.g. conductor:orders)", "required")
    elif isinstance(event, str) and not EVENT.fullmatch(event):
        yield finding(definition, ("event",), f"event '{event}' is not in Conductor's type:queue "
                      "form (e.g. conductor:orders, sqs:my-queue): the server stores it but never "
                      "listens to it", "event-format")
    actions = body.get("actions")
    if actions is None or actions == []:
        yield finding(definition, ("actions",), "an event handler needs at least one action",
                      "required")
    if body.get("active") is not True:
        yield finding(definition, ("active",), "the handler is inactive (the server's default): "
                      "it ignores every event until 'active' is true", "inactive-handler",
                      "warning")


def _action(definition: Definition, action: dict[str, Any], path: Path) -> Iterator[Finding]:
    yield from _check(definition, action, "event-action", path)
    kind = action.get("action")
    if kind is None or kind == "":
        yield finding(definition, (*path, "action"), "every action needs 'action': one of "
                      f"{', '.join(event_actions())}", "required")
        return
    details_kinds = action_details()
    if not isinstance(kind, str) or kind not in details_kinds:
        return  # the type rule reports the value
    details = action.get(kind)
    if not isinstance(details, dict):
        what = "missing" if details is None else describe(details)
        yield finding(definition, (*path, kind), f"a {kind} action needs a '{kind}' object "
                      f"(it is {what})", "event-action")
        return
    yield from _check(definition, details, details_kinds[kind], (*path, kind))
    if kind == "start_workflow":
        name = details.get("name")
        if not isinstance(name, str) or not name:
            yield finding(definition, (*path, kind, "name"), "a start_workflow action needs the "
                          "'name' of the workflow to start", "event-action")
        return
    has_task = isinstance(details.get("taskId"), str) and details["taskId"]
    has_ref = all(isinstance(details.get(k), str) and details[k]
                  for k in ("workflowId", "taskRefName"))
    if not has_task and not has_ref:
        yield finding(definition, (*path, kind), f"a {kind} action needs 'workflowId' and "
                      "'taskRefName' (usually ${...} expressions over the event's payload), or "
                      "'taskId'", "event-action")
