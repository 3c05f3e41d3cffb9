"""Task reference names: unique across the workflow, and every ``${ref...}`` input
naming one of them (Conductor's TaskReferenceNameUniqueConstraint and
ConstraintParamUtil).

The server checks the inputs of top-level tasks only; the same mistake in a
nested task, or in the workflow's outputParameters, is a warning here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from workflow_migrator._findings import Finding, Severity
from workflow_migrator._grammar import EXPRESSION_SPLIT, EXPRESSION_START, is_expression
from workflow_migrator._models import Definition
from workflow_migrator._rules.context import Context, finding
from workflow_migrator._task_walk import Path, TaskSite

#: Any blank: ``\s`` matches exactly the characters ``str.isspace`` names.
_BLANK = re.compile(r"\s")
SYSTEM_PARAMETERS = frozenset({"CPEWF_TASK_ID", "NETFLIX_ENV", "NETFLIX_STACK"})
#: What both servers (3.15.0 and 3.32.3) do with such an expression in a nested task or in
#: the workflow's outputs: the workflow runs on, the value resolves to null.
NOT_CHECKED = (" (the server does not check this one: when the workflow runs, the value "
               "resolves to null and the workflow goes on)")


def reference_rules(context: Context) -> Iterator[Finding]:
    for definition in context.definitions.workflows:
        sites = list(context.sites(definition))
        collected = [s for s in sites if s.collected]
        # A reference name that is not a string (the type rule reports it) names nothing.
        refs = {r for s in collected if isinstance(r := s.task.get("taskReferenceName"), str)}
        all_refs = refs | {r for s in sites if isinstance(r := s.task.get("taskReferenceName"),
                                                          str)}
        yield from _unique(definition, collected)
        for site in sites:
            inputs = site.task.get("inputParameters")
            if isinstance(inputs, dict):
                strict = site.top_level
                yield from _inputs(definition, site, inputs, (*site.path, "inputParameters"),
                                   refs if strict else all_refs, strict)
            yield from _join_on(definition, site, all_refs)
        outputs = definition.body.get("outputParameters")
        if isinstance(outputs, dict):
            yield from _inputs(definition, None, outputs, ("outputParameters",), all_refs, False)


def _unique(definition: Definition, collected: list[TaskSite]) -> Iterator[Finding]:
    first: dict[str, TaskSite] = {}
    for site in collected:
        ref = site.task.get("taskReferenceName")
        if not isinstance(ref, str) or not ref:
            continue
        if ref in first:
            where = definition.source.path(*first[ref].path) or "the first task"
            yield finding(definition, (*site.path, "taskReferenceName"),
                          f"taskReferenceName '{ref}' is already used by {where}; reference names "
                          "must be unique in a workflow, nested tasks included", "unique-ref")
        else:
            first[ref] = site


def _inputs(definition: Definition, site: TaskSite | None, value: Any, path: Path,
            refs: set[Any], strict: bool) -> Iterator[Finding]:
    severity: Severity = "error" if strict else "warning"
    suffix = "" if strict else NOT_CHECKED
    texts: list[tuple[Path, str]] = []
    _expressions(value, path, texts)
    for where, text in texts:
        for part in EXPRESSION_SPLIT.split(text):
            if not (part.startswith(EXPRESSION_START) and part.endswith("}")):
                continue
            expression = part[2:-1]
            if _BLANK.search(expression):
                yield finding(definition, where, f"'${{{expression}}}' contains whitespace, which "
                              f"an input expression cannot{suffix}", "input-expression", severity)
                continue
            if expression in SYSTEM_PARAMETERS:
                continue
            head = expression.split(".")[0]
            if head != "workflow" and head not in refs:
                hint = (" (or an environment variable of the server: the server accepts those, "
                        "but only if it has one of that name)" if "." not in expression else "")
                yield finding(definition, where,
                              f"'${{{expression}}}' refers to '{head}', which is not a "
                              f"taskReferenceName of this workflow, nor 'workflow'{hint}{suffix}",
                              "input-reference", severity)


def _expressions(value: Any, path: Path, found: list[tuple[Path, str]]) -> None:
    """Appends each text holding ``${`` inside ``value``, with its path (a plain recursion
    into a list: the inputs of 10,000 tasks are many values, generators slowed it)."""
    if isinstance(value, str):
        if is_expression(value):
            found.append((path, value))
    elif isinstance(value, dict):
        for key, item in value.items():
            _expressions(item, (*path, str(key)), found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _expressions(item, (*path, index), found)


def _join_on(definition: Definition, site: TaskSite, refs: set[Any]) -> Iterator[Finding]:
    if site.type not in ("JOIN", "EXCLUSIVE_JOIN"):
        return
    for key in ("joinOn", "defaultExclusiveJoinTask"):
        names = site.task.get(key)
        if not isinstance(names, list):
            continue
        for index, ref in enumerate(names):
            if isinstance(ref, str) and ref not in refs:
                yield finding(definition, (*site.path, key, index),
                              f"{site.type} waits for '{ref}', which is not a taskReferenceName "
                              "of this workflow: it would wait forever", "join-on", "warning")
