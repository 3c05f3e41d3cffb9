"""Keys the server does not know: it drops them without a word, so a typo such as
``timeoutSecond`` is lost. Keys only conductor-oss 3.2x and later know are dropped the
same way by Conductor 3.15: a warning when the directory's target is 3.15 (production's),
no finding when it is conductor-oss 3.2x.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

from workflow_migrator._fields import KIND, OBJECT_LABELS, ObjectKind, fields_of, kept_keys
from workflow_migrator._findings import Finding
from workflow_migrator._models import Definition
from workflow_migrator._rules.context import Context, finding
from workflow_migrator._rules.walk import Path
from workflow_migrator._targets import Target


def unknown_key_rules(context: Context) -> Iterator[Finding]:
    target = context.target
    for definition in context.definitions:
        if definition.kind == "event_handler":
            continue  # event_handlers.py checks these
        yield from check_keys(target, definition, definition.body,
                              KIND[definition.kind].object_kind, ())
        if definition.kind != "workflow":
            continue
        for site in context.sites(definition):
            yield from check_keys(target, definition, site.task, "workflow-task",
                                  site.path)
            for embedded, kind, path in site.embedded_objects():
                yield from check_keys(target, definition, embedded, kind, path)
                inline = embedded.get("workflowDefinition") if kind == "sub-workflow" else None
                if isinstance(inline, dict):
                    yield from check_keys(target, definition, inline, "workflow-def",
                                          (*path, "workflowDefinition"))


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
        yield finding(definition, (*path, key), f"'{key}' is not a key of {OBJECT_LABELS[kind]}: "
                      f"the server drops it, so it has no effect (and is never a change){hint}",
                      "unknown-key", "warning")


def suggest(key: str, known: Mapping[str, Any]) -> str | None:
    """The known key ``key`` most likely misspells, if any is close."""
    lowered = {name.lower(): name for name in known}
    if key.lower() in lowered:
        return lowered[key.lower()]
    matches = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.7)
    return lowered[matches[0]] if matches else None
