"""Where secret values sit in definitions, so that they stay masked after they change.

Masking by value hides the secrets the directory names now; it cannot hide the value a
server still holds after a secret was rotated, its header renamed, or retired (header and
value removed together): the directory no longer knows that value. So the loader notes,
for each definition, the JSON path of every value that holds a secret placeholder, with
the file's text there (``Bearer @{API_TOKEN}``): paths and placeholders, never a value.
A deploy keeps them in its record (``_record``), merged with what earlier deploys noted,
because the server may still hold an old value there (an older workflow version).

Every plan masks, in what it shows of the server (a field's live value, the live
definition it draws), whatever sits at such a path, whether the directory still names a
secret there or not (``mask_plan``); ``export`` writes the placeholder text at such a
path instead of the value (``with_placeholders``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from workflow_migrator._mask import MASK
from workflow_migrator._models import DEPLOY_RECORD_TASK, DefinitionSet, JSONObject, Kind

#: Written by ``export`` where a secret sat whose placeholder is not known.
UNKNOWN_PLACEHOLDER = "@{UNKNOWN_SECRET}"

JSONPath = tuple[str | int, ...]
#: For one definition: each JSON path that held a secret placeholder, with the file's text.
Placeholders = Mapping[JSONPath, str]
#: For every definition, by ``key(kind, name)`` (all versions of a workflow share one).
SecretPaths = Mapping[str, Placeholders]


def key(kind: Kind, name: str) -> str:
    return f"{kind}:{name}"


def of_definitions(definitions: DefinitionSet) -> dict[str, dict[JSONPath, str]]:
    """The secret paths the directory's definitions hold now."""
    paths: dict[str, dict[JSONPath, str]] = {}
    for definition in definitions:
        if definition.secret_paths:
            paths.setdefault(key(definition.kind, definition.name), {}).update(
                definition.secret_paths)
    return paths


def merged(*sources: SecretPaths) -> dict[str, dict[JSONPath, str]]:
    """Every path of every source; a later source's text wins for the same path."""
    result: dict[str, dict[JSONPath, str]] = {}
    for source in sources:
        for name, placeholders in source.items():
            result.setdefault(name, {}).update(placeholders)
    return result


def to_json(paths: SecretPaths) -> dict[str, list[list[Any]]]:
    """The form a deploy record stores: ``{"task:NAME": [[["path", 0, "key"], "text"]]}``."""
    return {name: [[list(path), text] for path, text in sorted(
        placeholders.items(), key=lambda item: json.dumps(item[0]))]
        for name, placeholders in sorted(paths.items()) if placeholders}


def from_json(data: Any) -> dict[str, dict[JSONPath, str]]:
    """What ``to_json`` stored; what cannot be read is left out, a missing text is ''."""
    paths: dict[str, dict[JSONPath, str]] = {}
    if not isinstance(data, dict):
        return paths
    for name, entries in data.items():
        for entry in entries if isinstance(entries, list) else []:
            path, text = (entry + [""])[:2] if isinstance(entry, list) and entry else ([], "")
            if isinstance(path, list) and path and all(
                    isinstance(p, (str, int)) and not isinstance(p, bool) for p in path):
                paths.setdefault(str(name), {})[tuple(path)] = text if isinstance(text, str) else ""
    return paths


def recorded(record_task: JSONObject | None) -> dict[str, dict[JSONPath, str]]:
    """The secret paths in the deploy record a task definition carries (none when it is
    absent or unreadable). Read here, not in ``_record``, so that planning needs no record."""
    if not record_task or record_task.get("name") != DEPLOY_RECORD_TASK:
        return {}
    try:
        data = json.loads(str(record_task.get("description") or ""))
    except ValueError:
        return {}
    return from_json(data.get("secret_paths") if isinstance(data, dict) else None)


def masked(value: Any, at: JSONPath, paths: Collection[JSONPath]) -> Any:
    """``value``, found at ``at`` in a definition, with whatever sits at one of ``paths``
    replaced by ``***``: all of it when a path leads to it or above it."""
    if value is None:
        return None
    for path in paths:
        if at[:len(path)] == path:
            return MASK
    inner = [path[len(at):] for path in paths if path[:len(at)] == at]
    return _replaced(value, inner, lambda path: MASK) if inner else value


def with_placeholders(body: JSONObject, placeholders: Placeholders) -> tuple[JSONObject, int, int]:
    """``body`` with each path that holds a value given the placeholder text noted there
    (``UNKNOWN_PLACEHOLDER`` when none was), and how many paths were written, and how
    many of them with ``UNKNOWN_PLACEHOLDER``."""
    present = [path for path in placeholders if _holds(body, path)]
    unknown = sum(1 for path in present if "@{" not in placeholders[path])
    result = _replaced(body, present,
                       lambda path: placeholders[path] if "@{" in placeholders[path]
                       else UNKNOWN_PLACEHOLDER)
    return result, len(present), unknown


def after_deploy(previous: SecretPaths, definitions: DefinitionSet,
                 deleted: Iterable[str]) -> dict[str, dict[JSONPath, str]]:
    """The paths at which the server may hold a secret once ``definitions`` are deployed:
    a task definition's or event handler's, exactly those of its file now (it is
    replaced in place); a workflow's, those of every earlier deploy too (its older
    versions stay, with their values); a definition deleted (``deleted`` keys), none."""
    now = of_definitions(definitions)
    defined = {key(d.kind, d.name) for d in definitions}
    gone = set(deleted)
    result: dict[str, dict[JSONPath, str]] = {}
    for name, placeholders in previous.items():
        replaced = name in defined and not name.startswith("workflow:")
        if name not in gone and not replaced:
            result[name] = dict(placeholders)
    return merged(result, now)


def _holds(value: Any, path: JSONPath) -> bool:
    for part in path:
        if isinstance(value, dict) and isinstance(part, str) and part in value:
            value = value[part]
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            return False
    return value is not None


def _replaced(value: Any, paths: Iterable[JSONPath], replacement: Any) -> Any:
    """A copy of ``value`` with the value at each of ``paths`` that exists replaced by
    ``replacement(path)``; the original is not changed."""
    result = value
    for path in paths:
        if path and _holds(value, path):
            result = _set(result, path, replacement(path), 0)
    return result


def _set(value: Any, path: JSONPath, new: Any, depth: int) -> Any:
    if depth == len(path):
        return new
    part = path[depth]
    if isinstance(value, dict):
        return {**value, part: _set(value[part], path, new, depth + 1)}
    copy = list(value)
    copy[part] = _set(copy[part], path, new, depth + 1)  # type: ignore[index]
    return copy
