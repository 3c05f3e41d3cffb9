"""Keys the server does not know: it drops them without a word, so a typo such as
``timeoutSecond`` is lost. Keys only conductor-oss 3.2x and later know are
dropped the same way by Conductor 3.15, which production runs.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

from workflow_migrator._fields import KIND, OBJECT_LABELS, ObjectKind, fields_of
from workflow_migrator._findings import Finding
from workflow_migrator._models import Definition
from workflow_migrator._rules.context import Context, finding
from workflow_migrator._rules.walk import Path


def unknown_key_rules(context: Context) -> Iterator[Finding]:
    for definition in context.definitions:
        if definition.kind == "event_handler":
            continue  # event_handlers.py checks these
        yield from check_keys(definition, definition.body, KIND[definition.kind].object_kind, ())
        if definition.kind != "workflow":
            continue
        for site in context.sites(definition):
            yield from check_keys(definition, site.task, "workflow-task", site.path)
            for embedded, kind, path in site.embedded_objects():
                yield from check_keys(definition, embedded, kind, path)
                inline = embedded.get("workflowDefinition") if kind == "sub-workflow" else None
                if isinstance(inline, dict):
                    yield from check_keys(definition, inline, "workflow-def",
                                          (*path, "workflowDefinition"))


def check_keys(definition: Definition, body: dict[str, Any], kind: ObjectKind,
               path: Path) -> Iterator[Finding]:
    fields = fields_of(kind)
    for key in body:
        field = fields.get(key)
        if field is not None and not field.oss_only:
            continue
        if field is not None:
            yield finding(definition, (*path, key), f"'{key}' is known only to conductor-oss 3.2x "
                          "and later: Conductor 3.15 (Orkes Conductor v1.1.12) drops it, so "
                          "there it has no effect (and is never a change)",
                          "unknown-key", "warning")
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
