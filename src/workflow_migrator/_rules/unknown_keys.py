"""Keys the server does not know: it drops them without a word, so a typo such as
``timeoutSecond`` is lost. Keys only conductor-oss 3.2x and later know are dropped the
same way by Conductor 3.15: a warning when the directory's target is 3.15 (production's),
no finding when it is conductor-oss 3.2x.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

from workflow_migrator._fields import ObjectKind, fields_of, kept_keys, kind_info, object_label
from workflow_migrator._findings import Finding
from workflow_migrator._models import Definition
from workflow_migrator._rules.context import Context, finding
from workflow_migrator._targets import Target
from workflow_migrator._task_walk import Path, inline_workflow


def unknown_key_rules(context: Context) -> Iterator[Finding]:
    for definition in context.definitions:
        for body, kind, path in objects_of(context, definition):
            yield from check_keys(context.target, definition, body, kind, path)


def objects_of(context: Context, definition: Definition,
               ) -> Iterator[tuple[dict[str, Any], ObjectKind, Path]]:
    """Every object of a task or workflow definition whose keys the field table lists,
    with its kind and path: the definition, each task (nested ones too), the objects a
    task carries and a sub-workflow's inline definition. None of an event handler
    (``event_handlers`` walks those)."""
    if definition.kind == "event_handler":
        return
    yield definition.body, kind_info(definition.kind).object_kind, ()
    if definition.kind != "workflow":
        return
    for site in context.sites(definition):
        yield site.task, "workflow-task", site.path
        for embedded, kind, path in site.embedded_objects():
            yield embedded, kind, path
            inline = inline_workflow(site.task) if kind == "sub-workflow" else None
            if inline is not None:
                yield inline, "workflow-def", (*path, "workflowDefinition")


def check_keys(target: Target, definition: Definition, body: dict[str, Any], kind: ObjectKind,
               path: Path) -> Iterator[Finding]:
    fields = fields_of(kind)
    kept = kept_keys(target.server)[kind]
    for key in body:
        if key in kept:
            continue
        if key in fields:
            yield finding(definition, (*path, key), f"'{key}' is known only to conductor-oss 3.2x "
                          f"and later: {target.title} drops it, so there it has no effect (and "
                          f"is never a change); target {target.name}", "unknown-key", "warning")
            continue
        guess = suggest(key, fields)
        hint = f"; did you mean '{guess}'?" if guess else ""
        yield finding(definition, (*path, key), f"'{key}' is not a key of {object_label(kind)}: "
                      f"the server drops it, so it has no effect (and is never a change){hint}",
                      "unknown-key", "warning")


def suggest(key: str, known: Mapping[str, Any]) -> str | None:
    """The known key ``key`` most likely misspells, if any is close."""
    lowered = {name.lower(): name for name in known}
    if key.lower() in lowered:
        return lowered[key.lower()]
    matches = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.7)
    return lowered[matches[0]] if matches else None
