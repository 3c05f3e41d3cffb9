"""How workflow tasks nest, and what the server does with each nesting.

Conductor bean-validates the tasks of ``tasks``, ``decisionCases``, ``defaultCase``
and ``forkTasks`` (whatever the parent's type), but not those of ``loopOver``.
Reference names are collected (for uniqueness and ``${ref...}`` lookups) only from
the children a task's type uses: cases for DECISION/SWITCH, forks for FORK_JOIN,
the loop for DO_WHILE.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from workflow_migrator._fields import ObjectKind, embedded_objects
from workflow_migrator._models import Definition

Path = tuple[str | int, ...]


@dataclasses.dataclass(frozen=True)
class TaskSite:
    """One workflow task, where it sits, and how the server treats it."""

    task: dict[str, Any]
    path: Path
    #: the server checks its required fields and type constraints on register
    checked: bool
    #: its taskReferenceName counts for uniqueness and ${ref...} lookups
    collected: bool
    #: it runs only on some paths (a decision case or default case)
    conditional: bool

    @property
    def type(self) -> str:
        value = self.task.get("type", "SIMPLE")
        return value if isinstance(value, str) else ""

    @property
    def name(self) -> str:
        value = self.task.get("name")
        return value if isinstance(value, str) else ""

    @property
    def top_level(self) -> bool:
        return len(self.path) == 2

    def embedded_objects(self) -> Iterator[tuple[dict[str, Any], ObjectKind, Path]]:
        """The objects the task carries inside it: its subWorkflowParam and taskDefinition."""
        for key, kind in embedded_objects("workflow-task"):
            value = self.task.get(key)
            if isinstance(value, dict):
                yield value, kind, (*self.path, key)


def walk(definition: Definition) -> Iterator[TaskSite]:
    """Every task of a workflow definition, depth first, in file order."""
    tasks = definition.body.get("tasks")
    if definition.kind == "workflow" and isinstance(tasks, list):
        yield from _walk_list(tasks, ("tasks",), True, True, False)


def _walk_list(items: list[Any], path: Path, checked: bool, collected: bool,
               conditional: bool) -> Iterator[TaskSite]:
    for index, item in enumerate(items):
        if isinstance(item, dict):
            site = TaskSite(item, (*path, index), checked, collected, conditional)
            yield site
            yield from _children(site)


def _children(site: TaskSite) -> Iterator[TaskSite]:
    task, path, kind = site.task, site.path, site.type
    cases = task.get("decisionCases")
    if isinstance(cases, dict):
        for case, items in cases.items():
            if isinstance(items, list):
                yield from _walk_list(items, (*path, "decisionCases", str(case)), site.checked,
                                      site.collected and kind in ("DECISION", "SWITCH"), True)
    default = task.get("defaultCase")
    if isinstance(default, list):
        yield from _walk_list(default, (*path, "defaultCase"), site.checked,
                              site.collected and kind in ("DECISION", "SWITCH"), True)
    forks = task.get("forkTasks")
    if isinstance(forks, list):
        for index, branch in enumerate(forks):
            if isinstance(branch, list):
                yield from _walk_list(branch, (*path, "forkTasks", index), site.checked,
                                      site.collected and kind == "FORK_JOIN", site.conditional)
    loop = task.get("loopOver")
    if isinstance(loop, list):
        yield from _walk_list(loop, (*path, "loopOver"), False,
                              site.collected and kind == "DO_WHILE", site.conditional)
