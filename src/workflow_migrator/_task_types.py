"""The one table of task types: what runs each type, and which keys of a workflow task
hold the tasks nested in it. It joins the field table (``_fields.py``): a child key is a
field of a workflow task, and the field's type gives the shape of what it holds.

``TYPES`` lists every task type Conductor 3.15 knows (``TaskType.java``; any other type
is run as a worker task, USER_DEFINED) with its category:

- ``engine``: a system task the server runs itself (SWITCH, INLINE, DO_WHILE, JOIN...);
  a workflow test cannot mock it;
- ``worker``: a worker polls for it and answers (SIMPLE);
- ``calling-out``: a system task that reaches outside the engine (HTTP, KAFKA_PUBLISH);
  a workflow test mocks it like a worker's task unless told to run it;
- ``externally-completed``: the engine holds it until something outside completes it
  (WAIT, HUMAN).

``CHILD_KEYS`` lists the keys of a workflow task that hold nested tasks, each with its
role (``case``: one list of several runs, ``branch``: every list runs in parallel,
``loop``: the list runs again and again) and whether the server bean-validates the tasks
under it when the workflow is registered (not those of ``loopOver``). A key's shape
comes from the field table: ``tasks`` (a list of tasks), ``task-lists`` (a list of task
lists, such as ``forkTasks``) or ``task-map`` (case name -> task list, such as
``decisionCases``). A SUB_WORKFLOW task may carry a whole workflow definition inline
(``INLINE_WORKFLOW``: ``subWorkflowParam.workflowDefinition``).

The walker over nested tasks (``_task_walk.py``), the workflow-test runner, the rules, the
Markdown diagram and the JSON Schemas read this table; nothing else lists task types.
Like ``_fields``, the functions below read ``TABLE`` at every call, so a test may replace
it (``TaskTypeTable.with_type``). This module imports nothing from the package.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, get_args

Category = Literal["engine", "worker", "calling-out", "externally-completed"]
Role = Literal["case", "branch", "loop"]


@dataclasses.dataclass(frozen=True)
class ChildKey:
    """A key of a workflow task that holds nested tasks."""

    key: str
    role: Role
    #: the server checks the nested tasks' required fields and types on register
    checked: bool = True
    #: how a diagram or a coverage report names the one list a ``tasks`` key holds
    label: str = ""

    @property
    def conditional(self) -> bool:
        """The tasks under it run only on some paths."""
        return self.role == "case"


@dataclasses.dataclass(frozen=True)
class TaskType:
    """One task type."""

    name: str
    category: Category
    #: the child keys this type runs: their tasks' reference names count for uniqueness
    #: and ``${ref...}`` lookups (the server's ``collectTasks``)
    children: tuple[str, ...] = ()
    #: the ``taskType`` of its executions, when not its own name
    runs_as: str = ""


@dataclasses.dataclass(frozen=True, eq=False)  # one table is one table: hashed by identity
class TaskTypeTable:
    """Every task type and child key, and the views derived from them."""

    types: Mapping[str, TaskType]
    child_keys: Mapping[str, ChildKey]

    # Asked for every task of every workflow: worked out once per table.
    @functools.cached_property
    def _names(self) -> frozenset[str]:
        return frozenset(self.types)

    @functools.cached_property
    def _by_category(self) -> dict[Category, frozenset[str]]:
        return {category: frozenset(t.name for t in self.types.values()
                                    if t.category == category)
                for category in get_args(Category)}

    def names(self) -> frozenset[str]:
        return self._names

    def of_category(self, category: Category) -> frozenset[str]:
        return self._by_category[category]

    def children(self, type_name: str) -> tuple[str, ...]:
        known = self.types.get(type_name)
        return known.children if known is not None else ()

    def with_type(self, task_type: TaskType, *child_keys: ChildKey) -> TaskTypeTable:
        """A copy of the table with one more type (and the child keys it brings)."""
        return TaskTypeTable(
            MappingProxyType({**self.types, task_type.name: task_type}),
            MappingProxyType({**self.child_keys, **{c.key: c for c in child_keys}}))


_DECISION = ("decisionCases", "defaultCase")

TABLE = TaskTypeTable(
    MappingProxyType({t.name: t for t in (
        TaskType("SIMPLE", "worker"),
        TaskType("USER_DEFINED", "worker"),
        TaskType("HTTP", "calling-out"),
        TaskType("KAFKA_PUBLISH", "calling-out"),
        TaskType("WAIT", "externally-completed"),
        TaskType("HUMAN", "externally-completed"),
        TaskType("DECISION", "engine", _DECISION),
        TaskType("SWITCH", "engine", _DECISION),
        TaskType("FORK_JOIN", "engine", ("forkTasks",), runs_as="FORK"),
        TaskType("FORK_JOIN_DYNAMIC", "engine", runs_as="FORK"),
        TaskType("JOIN", "engine"),
        TaskType("EXCLUSIVE_JOIN", "engine"),
        TaskType("DO_WHILE", "engine", ("loopOver",)),
        TaskType("SUB_WORKFLOW", "engine"),
        TaskType("START_WORKFLOW", "engine"),
        TaskType("DYNAMIC", "engine"),
        TaskType("INLINE", "engine"),
        TaskType("LAMBDA", "engine"),
        TaskType("JSON_JQ_TRANSFORM", "engine"),
        TaskType("SET_VARIABLE", "engine"),
        TaskType("TERMINATE", "engine"),
        TaskType("NOOP", "engine"),
        # It publishes to a queue of the server's own (or one it is wired to): the engine's.
        TaskType("EVENT", "engine"),
    )}),
    MappingProxyType({c.key: c for c in (
        ChildKey("decisionCases", "case"),
        ChildKey("defaultCase", "case", label="default"),
        ChildKey("forkTasks", "branch"),
        # WorkflowTask.loopOver has no @Valid: the server checks none of its tasks.
        ChildKey("loopOver", "loop", checked=False),
    )}),
)

#: Where a SUB_WORKFLOW task carries its workflow definition inline.
INLINE_WORKFLOW = ("subWorkflowParam", "workflowDefinition")


def task_types() -> frozenset[str]:
    """Every task type Conductor 3.15 knows."""
    return TABLE.names()


def task_category(type_name: str) -> Category:
    """What runs a task of ``type_name``: a type the server does not know runs as a worker's
    (USER_DEFINED)."""
    known = TABLE.types.get(type_name)
    return known.category if known is not None else "worker"


def engine_types() -> frozenset[str]:
    """The types the engine runs itself: a workflow test cannot mock them."""
    return TABLE.of_category("engine")


def externally_completed_types() -> frozenset[str]:
    """The types the engine holds until something outside completes them."""
    return TABLE.of_category("externally-completed")


def calling_out_types() -> frozenset[str]:
    """The system tasks that reach outside the engine."""
    return TABLE.of_category("calling-out")


def engine_execution_types() -> frozenset[str]:
    """The ``taskType`` an engine task's execution carries (FORK for a FORK_JOIN)."""
    return frozenset(t.runs_as or t.name for t in TABLE.types.values()
                     if t.category == "engine") | engine_types()


def child_keys() -> Mapping[str, ChildKey]:
    """Every key of a workflow task that holds nested tasks, in the order they are walked."""
    return TABLE.child_keys


def children_of(type_name: str) -> tuple[ChildKey, ...]:
    """The child keys ``type_name`` runs (none for a type that nests nothing)."""
    return tuple(TABLE.child_keys[key] for key in TABLE.children(type_name))


def types_with_role(role: Role) -> frozenset[str]:
    """The types that run a child key of ``role`` (SWITCH and DECISION for ``case``)."""
    return frozenset(name for name in TABLE.types
                     if any(c.role == role for c in children_of(name)))
