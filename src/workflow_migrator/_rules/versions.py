"""Which definitions start a workflow without naming its version.

A ``SUB_WORKFLOW`` task, a ``START_WORKFLOW`` task (``inputParameters.startWorkflow``)
and an event handler's ``start_workflow`` action may leave ``version`` out; the
server then starts whatever version of the workflow is newest at that moment. So a
deploy that registers a new version of a child changes every such parent too,
without its file changing. ``validate`` warns where the child is versioned
automatically (``version-pin``; ``--strict`` fails on it), and ``plan`` notes the
parents under each new version of a child.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from workflow_migrator._findings import Finding
from workflow_migrator._grammar import is_expression
from workflow_migrator._models import Definition, DefinitionSet
from workflow_migrator._rules.context import Context, finding
from workflow_migrator._task_walk import Path, walk


@dataclasses.dataclass(frozen=True)
class Reference:
    """One place that starts workflow ``child``; ``version`` is None when it names none."""

    parent: Definition
    path: Path
    child: str
    version: Any
    how: str

    @property
    def pinned(self) -> bool:
        return self.version is not None


def references(definitions: DefinitionSet) -> Iterator[Reference]:
    """Every place in the set that names a workflow to start, literally (not ``${...}``)."""
    for definition in definitions.workflows:
        for site in walk(definition):
            if site.type == "SUB_WORKFLOW":
                param = site.task.get("subWorkflowParam")
                if isinstance(param, dict) and param.get("workflowDefinition") is None:
                    yield from _reference(definition, (*site.path, "subWorkflowParam"), param,
                                          "SUB_WORKFLOW")
            elif site.type == "START_WORKFLOW":
                inputs = site.task.get("inputParameters")
                start = inputs.get("startWorkflow") if isinstance(inputs, dict) else None
                if isinstance(start, dict):
                    yield from _reference(definition,
                                          (*site.path, "inputParameters", "startWorkflow"),
                                          start, "START_WORKFLOW")
    for definition in definitions.event_handlers:
        actions = definition.body.get("actions")
        for index, action in enumerate(actions if isinstance(actions, list) else []):
            if isinstance(action, dict) and action.get("action") == "start_workflow" and \
                    isinstance(action.get("start_workflow"), dict):
                yield from _reference(definition, ("actions", index, "start_workflow"),
                                      action["start_workflow"], "start_workflow action")


def _reference(parent: Definition, path: Path, params: dict[str, Any],
               how: str) -> Iterator[Reference]:
    name = params.get("name")
    if isinstance(name, str) and name and not is_expression(name):
        yield Reference(parent, path, name, params.get("version"), how)


def unpinned_parents(definitions: DefinitionSet) -> dict[str, tuple[str, ...]]:
    """For each workflow name, the definitions that start it without a version."""
    parents: dict[str, set[str]] = defaultdict(set)
    for reference in references(definitions):
        if not reference.pinned:
            parents[reference.child].add(
                f"{_label(reference.parent)} ({reference.parent.source.file})")
    return {child: tuple(sorted(labels)) for child, labels in parents.items()}


def automatic_workflows(workflows: Iterable[Definition]) -> frozenset[str]:
    """The names the directory versions automatically (a file without ``version``)."""
    return frozenset(d.name for d in workflows if d.version is None and d.name)


def _label(definition: Definition) -> str:
    if definition.kind == "workflow":
        return f"workflow {definition.name}"
    return definition.label


def version_pin_rules(context: Context) -> Iterator[Finding]:
    automatic = automatic_workflows(context.definitions.workflows)
    if not automatic:  # no child to warn about: the walk of every workflow is spared
        return
    for reference in references(context.definitions):
        if reference.pinned or reference.child not in automatic:
            continue
        yield finding(reference.parent, (*reference.path, "name"),
                      f"{reference.how} of '{reference.child}' names no version, and "
                      f"'{reference.child}' is versioned automatically here: each deploy that "
                      "changes it starts the new version from here too. Pin 'version' (or give "
                      f"'{reference.child}' an explicit version)", "version-pin", "warning")
