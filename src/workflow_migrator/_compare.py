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

Most definitions of a re-deploy match the server's: one pass over both raw sides tells
so without normalising copies of them (``_Same``), and only a pair it cannot call equal
is normalised and walked for its differences.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any

from workflow_migrator import _fields
from workflow_migrator._field_table import FieldTable
from workflow_migrator._field_types import Shape, shape_of
from workflow_migrator._fields import (
    ObjectKind,
    ServerKeys,
    comparison_defaults,
    default_of,
    kept_keys,
    kind_info,
    server_managed_fields,
)
from workflow_migrator._findings import json_path
from workflow_migrator._models import JSONObject, Kind


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
    """The comparable form of a definition: every object in it, nested ones included (a
    workflow's tasks, their task definitions and inline sub-workflows, a handler's
    actions), normalised as the field table says what each value is."""
    normal: JSONObject = _normal(body, kind_info(kind).object_kind, keep_version)
    return normal


def differences(kind: Kind, live: JSONObject, desired: JSONObject, *,
                keep_version: bool = True, keeps: ServerKeys | None = None) -> list[FieldChange]:
    """Every field that differs between the live and the desired definition.

    :param keeps: the keys the live definition's server keeps; by default every key any
        server knows (a key no server knows is dropped by all of them).
    """
    keeps = keeps if keeps is not None else kept_keys()
    object_kind = kind_info(kind).object_kind
    if _Same(keeps, keep_version).objects(live, desired, object_kind):
        return []  # the common case of a re-deploy, decided without normalising copies
    changes: list[FieldChange] = []
    _Walk(keeps, changes).walk(
        normalise(kind, live, keep_version=keep_version),
        normalise(kind, desired, keep_version=keep_version), (), object_kind)
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


def _normal(value: Any, shape: Shape, keep_version: bool = True) -> Any:
    if isinstance(shape, str):
        if not isinstance(value, dict):
            return value
        normal = _strip(value, shape)
        for key, child in _shapes(_fields.TABLE, shape).items():
            if key in normal:
                normal[key] = _normal(normal[key], child)
                # An object holding only what the server fills in (conductor-oss stores
                # `inputSchema: {}` as its audit times and version 1) is as empty as `{}`.
                if isinstance(child, str) and _is_empty(normal[key]):
                    del normal[key]
        if shape == "workflow-def":
            normal.pop("version", None)
            if keep_version:  # a version is compared even when it is the default
                normal["version"] = value.get("version", default_of("workflow-def", "version"))
        return normal
    if shape is None:
        return value
    container, items = shape
    if container == "list" and isinstance(value, list):
        return [_normal(item, items) for item in value]
    if container == "map" and isinstance(value, dict):
        return {key: _normal(item, items) for key, item in value.items()}
    return value


def _shape_of(kind: ObjectKind, key: str) -> Shape:
    return _shapes(_fields.TABLE, kind).get(key)


@functools.lru_cache(maxsize=32)
def _shapes(table: FieldTable, kind: ObjectKind) -> dict[str, Shape]:
    # Asked for every key of every object on both sides of every comparison: worked out
    # once per table and kind of object.
    return {key: shape for key, field in table.fields(kind).items()
            if (shape := shape_of(field)) is not None}


_ABSENT = object()


@dataclasses.dataclass(frozen=True)
class _Same:
    """Whether two raw definitions normalise to forms the walk finds no difference in,
    decided in one pass over both, without copying them: equal values are equal once
    normalised, and a key is present once normalised unless it is managed, empty or its
    default. Where it cannot tell cheaply (maps of other keys, lists of other lengths), it answers
    False and the full comparison decides: True only ever means "no difference"."""

    keeps: ServerKeys
    keep_version: bool

    def values(self, live: Any, desired: Any, shape: Shape) -> bool:
        if live is desired or live == desired:
            return True
        if isinstance(shape, str):
            return self.objects(live, desired, shape, keep_version=True)
        if shape is None:
            return False
        container, items = shape
        if container == "list" and isinstance(live, list) and isinstance(desired, list):
            return len(live) == len(desired) and all(
                self.values(have, want, items) for have, want in zip(live, desired, strict=True))
        if container == "map" and isinstance(live, dict) and isinstance(desired, dict):
            return live.keys() == desired.keys() and all(
                self.values(have, desired[key], items) for key, have in live.items())
        return False

    def objects(self, live: Any, desired: Any, kind: ObjectKind,
                keep_version: bool | None = None) -> bool:
        if not (isinstance(live, dict) and isinstance(desired, dict)):
            return live is desired or live == desired
        defaults = comparison_defaults(kind)
        skipped: frozenset[str] | set[str] = server_managed_fields()
        if kind == "workflow-def":  # the version is compared even when it is the default
            if (self.keep_version if keep_version is None else keep_version):
                default = default_of("workflow-def", "version")
                if live.get("version", default) != desired.get("version", default):
                    return False
            skipped = {*skipped, "version"}
        kept = self.keeps.get(kind)
        shapes = _shapes(_fields.TABLE, kind)
        for key, want in desired.items():
            have = live.get(key, _ABSENT)
            if have is want or have == want or key in skipped:
                continue
            default = defaults.get(key, _ABSENT)
            wanted = not _is_empty(want) and default != want
            had = have is not _ABSENT and not _is_empty(have) and default != have
            if not had and (not wanted or (kept is not None and key not in kept)):
                continue  # absent from both once normalised, or a key the server drops
            if not (had and wanted and self.values(have, want, shapes.get(key))):
                return False
        for key in live.keys() - desired.keys() - skipped:  # most are the server's defaults
            have = live[key]
            if have is not None and (have or not isinstance(have, (dict, list))) \
                    and defaults.get(key, _ABSENT) != have:
                return False
        return True


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
