"""Decides whether a desired and a live definition differ, and how.

Both sides are normalised the same way before they are compared: fields the
server manages are dropped, and so is every field that holds the server's default
(or an empty value), so a field a file leaves out equals the server's default and
an empty collection equals an omitted one (Conductor 3.15 omits some that later
servers return as ``{}`` or ``[]``). Both the defaults and the managed fields come
from the field table (``_fields.py``).

A key a server does not keep is compared as the server keeps it: where the live object
lacks a key that its server drops (a typo such as ``timeoutSecond``, or a key only newer
servers know), the desired key is no difference, since writing it again would change
nothing. Which keys a server keeps is an input (``ServerKeys``); the walk knows, from the
field table, what kind of object each value is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

from workflow_migrator._fields import (
    KIND,
    ObjectKind,
    ServerKeys,
    action_details,
    comparison_defaults,
    default_of,
    fields_of,
    kept_keys,
    server_managed_fields,
)
from workflow_migrator._findings import json_path
from workflow_migrator._models import JSONObject, Kind
from workflow_migrator._task_walk import inline_workflow, map_nested


@dataclasses.dataclass(frozen=True)
class FieldChange:
    """One field that differs: ``before`` is live, ``after`` desired; None when absent."""

    path: str
    before: Any
    after: Any
    #: the path's keys and indexes, as ``path`` joins them
    parts: tuple[str | int, ...] = dataclasses.field(default=(), compare=False)

    @property
    def symbol(self) -> str:
        if self.before is None:
            return "+"
        if self.after is None:
            return "-"
        return "~"


def normalise(kind: Kind, body: JSONObject, *, keep_version: bool = True) -> JSONObject:
    """The comparable form of a definition."""
    if kind == "task":
        return _strip(body, "task-def")
    if kind == "event_handler":
        return _event_handler(body)
    normal = _strip(body, "workflow-def")
    normal.pop("version", None)
    if keep_version:
        normal["version"] = body.get("version", default_of("workflow-def", "version"))
    if "tasks" in normal:
        normal["tasks"] = [_workflow_task(t) for t in normal["tasks"]]
    return normal


def differences(kind: Kind, live: JSONObject, desired: JSONObject, *,
                keep_version: bool = True, keeps: ServerKeys | None = None) -> list[FieldChange]:
    """Every field that differs between the live and the desired definition.

    :param keeps: the keys the live definition's server keeps; by default every key any
        server knows (a key no server knows is dropped by all of them).
    """
    changes: list[FieldChange] = []
    _Walk(keeps if keeps is not None else kept_keys(), changes).walk(
        normalise(kind, live, keep_version=keep_version),
        normalise(kind, desired, keep_version=keep_version), (), KIND[kind].object_kind)
    return changes


def _strip(body: JSONObject, kind: ObjectKind) -> JSONObject:
    # A plain loop, cheap tests first: it runs for every object of every definition, on
    # both sides, on every plan.
    defaults: Mapping[str, Any] = comparison_defaults(kind)
    managed = server_managed_fields()
    kept: JSONObject = {}
    for key, value in body.items():
        if key in managed or _is_empty(value):
            continue
        if key in defaults and defaults[key] == value:
            continue
        kept[key] = value
    return kept


def _is_empty(value: Any) -> bool:
    return value is None or (not value and isinstance(value, (dict, list)))


def _workflow_task(task: Any) -> Any:
    if not isinstance(task, dict):
        return task
    normal = map_nested(_strip(task, "workflow-task"), _workflow_task)
    if isinstance(normal.get("taskDefinition"), dict):
        normal["taskDefinition"] = normalise("task", normal["taskDefinition"])
    inline = inline_workflow(normal)
    if inline is not None:
        normal["subWorkflowParam"] = {
            **normal["subWorkflowParam"], "workflowDefinition": normalise("workflow", inline)
        }
    return normal


def _event_handler(body: JSONObject) -> JSONObject:
    normal = _strip(body, "event-handler")
    if isinstance(normal.get("actions"), list):
        normal["actions"] = [_event_action(a) for a in normal["actions"]]
    return normal


def _event_action(action: Any) -> Any:
    if not isinstance(action, dict):
        return action
    normal = _strip(action, "event-action")
    for key, kind in action_details().items():
        if isinstance(normal.get(key), dict):
            normal[key] = _strip(normal[key], kind)
    return normal


#: What a value is, for the walk: an object of a kind, a list or a map of values of one
#: shape, or None for a free-form value (an input template: any key may be there).
Shape = ObjectKind | tuple[Literal["list", "map"], "Shape"] | None
_CONTAINERS: dict[str, Shape] = {
    "tasks": ("list", "workflow-task"),
    "task-lists": ("list", ("list", "workflow-task")),
    "task-map": ("map", ("list", "workflow-task")),
    "actions": ("list", "event-action"),
}


def _shape_of(kind: ObjectKind, key: str) -> Shape:
    field = fields_of(kind).get(key)
    if field is None:
        return None
    return field.object_kind or _CONTAINERS.get(field.type)


@dataclasses.dataclass(frozen=True)
class _Walk:
    keeps: ServerKeys
    changes: list[FieldChange]

    def walk(self, before: Any, after: Any, path: tuple[str | int, ...], shape: Shape) -> None:
        if before == after:
            return
        if isinstance(before, dict) and isinstance(after, dict):
            kept = self.keeps.get(shape) if isinstance(shape, str) else None
            for key in sorted(set(before) | set(after), key=str):
                if kept is not None and key not in before and key not in kept:
                    continue  # the server drops it: writing it again would change nothing
                child = (_shape_of(shape, key) if isinstance(shape, str)
                         else shape[1] if shape is not None and shape[0] == "map" else None)
                self.walk(before.get(key), after.get(key), (*path, key), child)
            return
        if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
            child = shape[1] if isinstance(shape, tuple) and shape[0] == "list" else None
            for index, (b, a) in enumerate(zip(before, after, strict=True)):
                self.walk(b, a, (*path, index), child)
            return
        self.changes.append(FieldChange(json_path(*path), before, after, path))
