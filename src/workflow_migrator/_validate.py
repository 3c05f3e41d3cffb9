"""Checks a DefinitionSet before anything is written, and reports every problem at once.

Each rule yields Findings located by file and JSON path. Errors stop a deploy;
warnings are reported and only fail ``validate --strict``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from workflow_migrator._findings import Finding
from workflow_migrator._models import Definition, DefinitionSet


def validate(definitions: DefinitionSet) -> list[Finding]:
    """Every problem in ``definitions``, errors and warnings, in file order."""
    findings: list[Finding] = []
    for definition in definitions:
        findings.extend(_required_fields(definition))
    findings.extend(_duplicates(definitions))
    return sorted(findings, key=lambda f: (f.file, f.path))


def _required_fields(definition: Definition) -> Iterator[Finding]:
    source = definition.source
    name = definition.body.get("name")
    if not isinstance(name, str) or not name:
        yield Finding(source.file, source.path("name"),
                      f"a {definition.kind} definition needs a non-empty 'name'", "required")
    if definition.kind == "workflow":
        tasks = definition.body.get("tasks")
        if not isinstance(tasks, list) or not tasks:
            yield Finding(source.file, source.path("tasks"),
                          "a workflow needs a non-empty list of 'tasks'", "required")


def _duplicates(definitions: DefinitionSet) -> Iterator[Finding]:
    seen: dict[tuple[str, str, int | None], list[Definition]] = defaultdict(list)
    for definition in definitions:
        if definition.name:
            seen[(definition.kind, definition.name, definition.version)].append(definition)
    for (kind, name, version), group in seen.items():
        first = group[0].source
        for duplicate in group[1:]:
            what = f"task {name}" if kind == "task" else f"workflow {name} version {version or 'auto'}"
            yield Finding(duplicate.source.file, duplicate.source.path("name"),
                          f"{what} is already defined in {first.file}", "duplicate")
