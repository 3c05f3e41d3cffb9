"""Which paths of each workflow the test cases exercised (``test --coverage``).

For every workflow of the directory, the items a test can reach: each task (ran at
least once), each SWITCH/DECISION case and its default (taken), each FORK_JOIN branch
(its first task ran), each DO_WHILE body run once and run several times. A DO_WHILE
always runs its body before it checks its condition (on both servers), so a body run
zero times is a loop that never started: that is the loop task's own item. The targets
a DYNAMIC task resolved to are listed as seen; they have no fixed set, so they are not
counted. A sub-workflow's tasks, run under its parent's case, count for the
sub-workflow's own definition.

Pure: definitions and the cases' executions in, figures out; rendering is
``_views.coverage``'s.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from workflow_migrator._models import Definition, DefinitionSet, JSONObject
from workflow_migrator._pipeline import load_valid
from workflow_migrator._task_types import children_of
from workflow_migrator._task_walk import task_lists, walk
from workflow_migrator._workflow_run import CaseResult
from workflow_migrator._workflow_tests import find_workflow, sub_workflow_of


def _role(task_type: str) -> str:
    """How a task of this type runs its nested tasks (``case``, ``branch``, ``loop``)."""
    return next((child.role for child in children_of(task_type)), "")


@dataclasses.dataclass(frozen=True)
class Item:
    """One thing a test can reach in a workflow, and how many cases reached it."""

    ref: str
    #: ``task``, ``case``, ``default``, ``branch``, ``once`` or ``several``
    kind: str
    #: ``case gold``, ``branch 2``, ``body run several times``; the reference for a task
    label: str
    hits: int

    @property
    def covered(self) -> bool:
        return self.hits > 0


@dataclasses.dataclass(frozen=True)
class WorkflowCoverage:
    """The coverage of one workflow definition."""

    definition: Definition
    items: tuple[Item, ...]
    #: per DYNAMIC task reference, the task definitions it resolved to
    dynamic_targets: dict[str, tuple[str, ...]]

    @property
    def name(self) -> str:
        version = self.definition.version
        return self.definition.name + (f" v{version}" if version is not None else "")

    @property
    def covered(self) -> int:
        return sum(1 for item in self.items if item.covered)

    @property
    def percent(self) -> float:
        return percent(self.covered, len(self.items))

    def count(self, *kinds: str) -> tuple[int, int]:
        """(covered, total) of the items of these kinds."""
        chosen = [i for i in self.items if i.kind in kinds]
        return sum(1 for i in chosen if i.covered), len(chosen)

    def styles(self) -> dict[str, str]:
        """Each task reference -> ``covered`` (it ran and every branch it opens was
        taken), ``partial`` (it ran, a branch was not) or ``missed`` (it never ran)."""
        styles: dict[str, str] = {}
        for item in self.items:
            if item.kind == "task":
                styles[item.ref] = "covered" if item.covered else "missed"
        for item in self.items:
            if item.kind != "task" and not item.covered and styles.get(item.ref) == "covered":
                styles[item.ref] = "partial"
        return styles

    def to_dict(self) -> dict[str, Any]:
        return {
            "workflow": self.definition.name, "version": self.definition.version,
            "file": self.definition.source.file, "covered": self.covered,
            "total": len(self.items), "percent": round(self.percent, 1),
            "items": [{"ref": i.ref, "kind": i.kind, "label": i.label, "hits": i.hits}
                      for i in self.items],
            "dynamicTargets": {ref: list(t) for ref, t in self.dynamic_targets.items()},
        }


@dataclasses.dataclass(frozen=True)
class Coverage:
    """The coverage of every workflow of the directory, over every case that ran."""

    workflows: tuple[WorkflowCoverage, ...]

    @property
    def covered(self) -> int:
        return sum(w.covered for w in self.workflows)

    @property
    def total(self) -> int:
        return sum(len(w.items) for w in self.workflows)

    @property
    def percent(self) -> float:
        return percent(self.covered, self.total)

    def to_dict(self) -> dict[str, Any]:
        return {"format_version": "1", "covered": self.covered, "total": self.total,
                "percent": round(self.percent, 1),
                "workflows": [w.to_dict() for w in self.workflows]}


def percent(covered: int, total: int) -> float:
    return 100.0 * covered / total if total else 100.0


_Hits = dict[tuple[str, str, str], int]  # (ref, kind, label) -> cases that reached it
_Key = tuple[str, "int | None"]  # a workflow: (name, stated version)


def _key(definition: Definition) -> _Key:
    return definition.name, definition.version


def measure(definitions: DefinitionSet, results: Sequence[CaseResult]) -> Coverage:
    """The coverage of ``definitions``' workflows by the cases' executions.

    :param definitions: the directory's definitions: every workflow is reported, an
        untested one at 0%.
    :param results: the cases that ran, with their executions.
    """
    hits: dict[_Key, _Hits] = defaultdict(dict)
    targets: dict[_Key, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for result in results:
        runs: dict[str, list[JSONObject]] = defaultdict(list)
        for execution in result.executions:
            runs[execution.ref].append(execution.task)
        reached: set[tuple[_Key, str, str, str]] = set()
        workflow = find_workflow(definitions, result.case.workflow.name,
                                 result.case.workflow.version)
        if workflow is None:
            continue
        _visit(definitions, workflow, "", runs, reached, targets, 0)
        for key, ref, kind, label in reached:
            hits[key][(ref, kind, label)] = hits[key].get((ref, kind, label), 0) + 1
    return Coverage(tuple(
        WorkflowCoverage(d, tuple(_items(d, hits[_key(d)])),
                         {ref: tuple(sorted(seen)) for ref, seen in targets[_key(d)].items()})
        for d in definitions.workflows))


def directory_coverage(config_dir: Path, results: Sequence[CaseResult],
                       app_env: str = "") -> Coverage:
    """The coverage of ``config_dir``'s workflows by the cases that ran.

    :param config_dir: the directory the cases ran from (read again, offline).
    :param results: the cases that ran.
    :param app_env: the environment whose values fill the placeholders.
    """
    definitions, _ = load_valid(config_dir, app_env)
    return measure(definitions, results)


def _items(definition: Definition, hits: _Hits) -> Iterable[Item]:
    for ref, kind, label in _reachable(definition):
        yield Item(ref, kind, label, hits.get((ref, kind, label), 0))


def _reachable(definition: Definition) -> Iterable[tuple[str, str, str]]:
    """Every item of the workflow, in file order."""
    for site in walk(definition):
        ref = site.task.get("taskReferenceName")
        if not isinstance(ref, str):
            continue
        yield ref, "task", ref
        role = _role(site.type)
        if role == "loop":
            yield ref, "once", "body run once"
            yield ref, "several", "body run several times"
            continue
        for nested in task_lists(site.task, children_of(site.type)):
            if role == "branch" and isinstance(nested.label, int):
                yield ref, "branch", f"branch {nested.label + 1}"
            elif role == "case" and nested.label is None:
                yield ref, "default", nested.child.label
            elif role == "case":
                yield ref, "case", f"case {nested.label}"


def _visit(definitions: DefinitionSet, workflow: Definition, prefix: str,
           runs: dict[str, list[JSONObject]], reached: set[tuple[_Key, str, str, str]],
           targets: dict[_Key, dict[str, set[str]]], depth: int) -> None:
    key = _key(workflow)
    for site in walk(workflow):
        ref = site.task.get("taskReferenceName")
        if not isinstance(ref, str) or not runs.get(prefix + ref):
            continue
        executed = runs[prefix + ref]
        reached.add((key, ref, "task", ref))
        role = _role(site.type)
        if role == "case":
            for case in _cases_taken(site.task, executed, runs, prefix):
                reached.add((key, ref, "default", "default") if case is None
                            else (key, ref, "case", f"case {case}"))
        elif role == "branch":
            for nested in task_lists(site.task, children_of(site.type)):
                if _branch_ran(nested.tasks, runs, prefix):
                    reached.add((key, ref, "branch", f"branch {int(nested.label or 0) + 1}"))
        elif role == "loop":
            for task in executed:
                rounds = _rounds(task)
                if rounds == 1:
                    reached.add((key, ref, "once", "body run once"))
                elif rounds > 1:
                    reached.add((key, ref, "several", "body run several times"))
        elif site.type == "DYNAMIC":
            targets[key][ref].update(str(t.get("taskDefName") or t.get("taskType"))
                                     for t in executed)
        elif site.type == "SUB_WORKFLOW" and depth < 10:
            child = sub_workflow_of(definitions, site.task)
            if child is not None:
                _visit(definitions, child, f"{prefix}{ref}/", runs, reached, targets, depth + 1)


def _cases_taken(task: JSONObject, executed: list[JSONObject],
                 runs: dict[str, list[JSONObject]], prefix: str) -> Iterable[str | None]:
    """The case each execution of a SWITCH/DECISION took (None: its default), from the
    engine's own record of it (``evaluationResult``, ``caseOutput``), or else from the
    branch whose first task ran."""
    lists = list(task_lists(task, children_of(str(task.get("type", "")))))
    cases = {str(nested.label): nested.tasks for nested in lists if nested.label is not None}
    default = next((nested.tasks for nested in lists if nested.label is None), [])
    for run in executed:
        output = run.get("outputData") or {}
        chosen = output.get("evaluationResult") or output.get("caseOutput")
        if isinstance(chosen, list) and chosen:
            yield str(chosen[0]) if str(chosen[0]) in cases else None
            continue
        ran = [case for case, branch in cases.items() if _branch_ran(branch, runs, prefix)]
        if ran:
            yield from ran
        elif _branch_ran(default, runs, prefix):
            yield None


def _branch_ran(branch: Any, runs: dict[str, list[JSONObject]], prefix: str) -> bool:
    first = branch[0] if isinstance(branch, list) and branch else None
    return isinstance(first, dict) and bool(runs.get(prefix + str(first.get(
        "taskReferenceName"))))


def _rounds(task: JSONObject) -> int:
    """How many times a DO_WHILE execution ran its body."""
    output = task.get("outputData") or {}
    value = output.get("iteration", task.get("iteration"))
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
