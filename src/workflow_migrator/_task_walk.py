"""The one walk over nested workflow tasks, driven by the task-type table's child keys
(``_task_types.CHILD_KEYS``) and the shape the field table gives each of them.

Conductor bean-validates the tasks under every child key but ``loopOver``, whatever the
parent's type. Reference names are collected (for uniqueness and ``${ref...}`` lookups)
only from the child keys the parent's type runs: cases for DECISION/SWITCH, forks for
FORK_JOIN, the loop for DO_WHILE. The rules, the Markdown diagram, the workflow-test
runner, its coverage and capture, the impact and the breaking-change checks all walk tasks
through here. (The comparison walks every value of a definition, tasks among them, by the
shapes the field table gives: ``_field_types.shape_of``.)
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator
from typing import Any

from workflow_migrator import _fields, _task_types
from workflow_migrator._field_table import FieldTable
from workflow_migrator._fields import ObjectKind, embedded_objects
from workflow_migrator._models import Definition
from workflow_migrator._task_types import INLINE_WORKFLOW, ChildKey, TaskTypeTable

Path = tuple[str | int, ...]
#: The type of a task that states none (SIMPLE): a worker's task, queued under its name.
SIMPLE: str = _fields.default_of("workflow-task", "type")


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
    #: its type (``SIMPLE`` when it states none, "" when it states no text): worked out once,
    #: as every rule asks it (some 38,000 times a validation of 1,300 definitions)
    type: str = dataclasses.field(init=False, compare=False)

    def __post_init__(self) -> None:
        value = self.task.get("type", SIMPLE)
        object.__setattr__(self, "type", value if isinstance(value, str) else "")

    @property
    def name(self) -> str:
        value = self.task.get("name")
        return value if isinstance(value, str) else ""

    @property
    def simple(self) -> bool:
        """A worker's task, queued under its name, which names its task definition."""
        return self.type == SIMPLE

    @property
    def top_level(self) -> bool:
        return len(self.path) == 2

    def embedded_objects(self) -> Iterator[tuple[dict[str, Any], ObjectKind, Path]]:
        """The objects the task carries inside it: its subWorkflowParam and taskDefinition."""
        for key, kind in embedded_objects("workflow-task"):
            value = self.task.get(key)
            if isinstance(value, dict):
                yield value, kind, (*self.path, key)


@dataclasses.dataclass(frozen=True)
class TaskList:
    """One list of tasks nested in a task: under a child key, one case or one branch."""

    child: ChildKey
    #: the case's name (a task map), the branch's index (a list of task lists), or None
    label: str | int | None
    #: where it sits, from the task
    path: Path
    tasks: list[Any]


@functools.lru_cache(maxsize=4)
def _layout(fields: FieldTable, types: TaskTypeTable) -> _Layout:
    # Asked for every task of every workflow on every validation: worked out once per
    # pair of tables (a test that replaces a table gets its own).
    task_fields = fields.fields("workflow-task")
    keys = tuple((child, field.type if (field := task_fields.get(child.key)) else "tasks")
                 for child in types.child_keys.values())
    runs = {name: frozenset(entry.children) for name, entry in types.types.items()}
    return keys, runs


_Layout = tuple[tuple[tuple[ChildKey, str], ...], dict[str, frozenset[str]]]


def _current() -> _Layout:
    return _layout(_fields.TABLE, _task_types.TABLE)


def _lists(task: dict[str, Any], child: ChildKey, shape: str) -> Iterator[TaskList]:
    value = task.get(child.key)
    if shape == "task-map":
        for case, items in value.items() if isinstance(value, dict) else ():
            if isinstance(items, list):
                yield TaskList(child, str(case), (child.key, str(case)), items)
    elif shape == "task-lists":
        for index, branch in enumerate(value if isinstance(value, list) else ()):
            if isinstance(branch, list):
                yield TaskList(child, index, (child.key, index), branch)
    else:
        yield TaskList(child, None, (child.key,), value if isinstance(value, list) else [])


def task_lists(task: dict[str, Any], keys: Iterable[ChildKey] | None = None,
               ) -> Iterator[TaskList]:
    """The task lists nested in ``task`` under ``keys`` (every child key by default), in
    file order. A key holding one list always gives one (empty when the key is missing or
    holds no list); a case or branch that is no list is left out."""
    layout, _ = _current()
    wanted = None if keys is None else {child.key for child in keys}
    for child, shape in layout:
        if wanted is None or child.key in wanted:
            yield from _lists(task, child, shape)


def walk(definition: Definition) -> Iterator[TaskSite]:
    """Every task of a workflow definition, depth first, in file order."""
    tasks = definition.body.get("tasks")
    if definition.kind == "workflow" and isinstance(tasks, list):
        yield from walk_tasks(tasks, ("tasks",))


def walk_tasks(items: list[Any], path: Path, checked: bool = True, collected: bool = True,
               conditional: bool = False) -> Iterator[TaskSite]:
    """Every task of ``items`` (at ``path``) and of the task lists nested in them."""
    layout, runs = _current()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        site = TaskSite(item, (*path, index), checked, collected, conditional)
        yield site
        run = runs.get(site.type, frozenset())
        for child, shape in layout:
            if child.key not in item:
                continue
            nested_checked = checked and child.checked
            nested_collected = collected and child.key in run
            nested_conditional = conditional or child.conditional
            value = item[child.key]
            if shape == "tasks":  # the common case, without a TaskList
                if isinstance(value, list):
                    yield from walk_tasks(value, (*site.path, child.key), nested_checked,
                                          nested_collected, nested_conditional)
                continue
            for nested in _lists(item, child, shape):
                yield from walk_tasks(nested.tasks, (*site.path, *nested.path), nested_checked,
                                      nested_collected, nested_conditional)


def inline_workflow(task: dict[str, Any]) -> dict[str, Any] | None:
    """The workflow definition a SUB_WORKFLOW task carries inline, if any."""
    value: Any = task
    for key in INLINE_WORKFLOW:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else None
