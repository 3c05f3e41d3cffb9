"""Workflow test cases: files under ``DIR/tests/`` that say how a workflow of the
directory must behave when its workers answer in a given way.

A file (``.json``, ``.yaml`` or ``.yml``, anywhere under ``tests/``) holds one object,
or a list of them, each naming a workflow of the directory and listing its cases::

    workflow: order_flow            # a workflow of the directory; `version:` optional
    cases:
      - name: gold customer gets the discount
        input: {customerId: 42}
        tasks:                      # what the mocked worker answers, per task reference
          lookup: {status: COMPLETED, output: {tier: gold}}
          charge:                   # a list: one answer per execution (retries, loops)
            - {status: FAILED, reason: card declined}
            - {status: COMPLETED, output: {charged: true}}
        run: [audit_call]           # HTTP tasks to run for real instead of mocking them
        expect:
          status: COMPLETED
          output: {discount: 10}    # a subset of the workflow's output
          path: [lookup, route, gold_discount, charge, charge]
          inputs: {charge: {amount: 90}}

A task of a sub-workflow is addressed as ``<sub-workflow task ref>/<its task ref>``.
``@{NAME}`` placeholders are filled as in definitions. Loading checks every case
against the directory's definitions and reports each problem as a Finding naming
the file and the field, before anything is sent to a server.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workflow_migrator._findings import Finding
from workflow_migrator._loader import (
    TESTS_FOLDER,
    _json_type,
    _load_environment,
    folder_files,
    read_items,
)
from workflow_migrator._models import Definition, DefinitionSet, JSONObject, Source
from workflow_migrator._task_types import calling_out_types, engine_types
from workflow_migrator._task_walk import walk

RULE = "workflow-test"
#: What a mocked worker may answer.
OUTCOME_STATUSES = ("COMPLETED", "FAILED", "FAILED_WITH_TERMINAL_ERROR")
#: How a workflow may end.
WORKFLOW_STATUSES = ("COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT")
#: ``redacted`` notes where ``test capture`` replaced a secret; the runner ignores it.
CASE_KEYS = frozenset({"name", "input", "tasks", "run", "expect", "redacted"})
EXPECT_KEYS = frozenset({"status", "output", "path", "inputs"})
OUTCOME_KEYS = frozenset({"status", "output", "reason"})
FILE_KEYS = frozenset({"workflow", "version", "cases"})


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a mocked worker answers for one execution of a task."""

    status: str
    output: JSONObject = dataclasses.field(default_factory=dict)
    reason: str = ""


@dataclasses.dataclass(frozen=True)
class Expectation:
    """How the workflow must end; ``None`` leaves that part unchecked."""

    status: str
    output: JSONObject | None = None
    path: tuple[str, ...] | None = None
    #: per task reference, a subset of the input of its first execution, or a list
    #: of subsets, one per execution
    inputs: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class WorkflowCase:
    """One case of a workflow test file."""

    name: str
    workflow: Definition
    input: JSONObject
    #: per (qualified) task reference: one outcome for every execution, or a list used in turn
    tasks: dict[str, Outcome | tuple[Outcome, ...]]
    run: frozenset[str]
    expect: Expectation
    source: Source

    @property
    def id(self) -> str:
        """``file::name``, as pytest names a test."""
        return f"{self.source.file}::{self.name}"


def task_types(definitions: DefinitionSet, workflow: Definition,
               prefix: str = "", depth: int = 0) -> dict[str, str]:
    """Every task reference of ``workflow`` and of the sub-workflows the directory
    defines (as ``sub_ref/child_ref``), with its task type."""
    types: dict[str, str] = {}
    for site in walk(workflow):
        ref = site.task.get("taskReferenceName")
        if not isinstance(ref, str):
            continue
        types[prefix + ref] = site.type
        child = sub_workflow_of(definitions, site.task) if site.type == "SUB_WORKFLOW" else None
        if child is not None and depth < 10:  # a cycle is the validator's to report
            types.update(task_types(definitions, child, f"{prefix}{ref}/", depth + 1))
    return types


def find_workflow(definitions: DefinitionSet, name: str, version: int | None) -> Definition | None:
    """The directory's workflow of that name: the given version, else the newest (a
    definition without a version is the newest: deploy registers it as a new one)."""
    candidates = [d for d in definitions.workflows if d.name == name]
    if version is not None:
        return next((d for d in candidates if d.version == version), None)
    return max(candidates, key=lambda d: (d.version is None, d.version or 0), default=None)


def sub_workflow_of(definitions: DefinitionSet, task: JSONObject) -> Definition | None:
    """The directory's definition a SUB_WORKFLOW task starts, if the directory has it."""
    params = task.get("subWorkflowParam")
    if not isinstance(params, dict) or not isinstance(params.get("name"), str):
        return None
    version = params.get("version")
    return find_workflow(definitions, params["name"],
                         version if isinstance(version, int) and version > 0 else None)


def mockable(task_type: str) -> bool:
    """A case may give outcomes to tasks of this type: the engine does not run it itself
    (a WAIT or HUMAN task given outcomes is completed by the case, an HTTP or KAFKA_PUBLISH
    task is mocked like a worker's unless the case lists it under ``run``)."""
    return task_type not in engine_types()


def load_cases(config_dir: Path, definitions: DefinitionSet,
               app_env: str = "") -> tuple[list[WorkflowCase], list[Finding]]:
    """Loads and checks every case under ``config_dir/tests``.

    :param config_dir: the directory holding ``tests/`` next to ``workflows/``.
    :param definitions: the directory's definitions, already loaded.
    :param app_env: the environment whose values fill the placeholders.
    :returns: the cases that are valid, and every problem found.
    """
    findings: list[Finding] = []
    cases: list[WorkflowCase] = []
    if not folder_files(config_dir / TESTS_FOLDER):
        return cases, findings
    values, _ = _load_environment(config_dir, app_env, findings)
    for source, body, _ in read_items(config_dir, TESTS_FOLDER, values, findings):
        cases.extend(_file_cases(body, source, definitions, findings))
    return cases, findings


def _file_cases(body: JSONObject, source: Source, definitions: DefinitionSet,
                findings: list[Finding]) -> Iterator[WorkflowCase]:
    def error(message: str, *path: str | int, severity: str = "error") -> None:
        findings.append(Finding(source.file, source.path(*path), message, RULE,
                                "warning" if severity == "warning" else "error"))

    for key in sorted(set(body) - FILE_KEYS):
        error(f"unknown key '{key}' (known: {', '.join(sorted(FILE_KEYS))})", key,
              severity="warning")
    name, version = body.get("workflow"), body.get("version")
    if not isinstance(name, str) or not name:
        error("'workflow' must name a workflow of the directory", "workflow")
        return
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        error(f"'version' must be a number, got {_json_type(version)}", "version")
        return
    workflow = find_workflow(definitions, name, version)
    if workflow is None:
        known = sorted({d.name for d in definitions.workflows})
        which = f"workflow {name}" + (f" version {version}" if version is not None else "")
        error(f"unknown workflow: the directory defines no {which} (it defines: "
              f"{', '.join(known) or 'none'})", "version" if version is not None and any(
                  d.name == name for d in definitions.workflows) else "workflow")
        return
    raw_cases = body.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        error("'cases' must be a non-empty list of cases", "cases")
        return
    types = task_types(definitions, workflow)
    names: set[str] = set()
    for index, raw in enumerate(raw_cases):
        where = ("cases", index)
        if not isinstance(raw, dict):
            error(f"expected a case (an object), got {_json_type(raw)}", *where)
            continue
        before = len(findings)
        case = _case(raw, where, workflow, types, source, error)
        if case is not None and case.name in names:
            error(f"duplicate case name '{case.name}'", *where, "name")
        elif case is not None and not any(f.severity == "error" for f in findings[before:]):
            names.add(case.name)
            yield case


def _case(raw: JSONObject, where: tuple[str | int, ...], workflow: Definition,
          types: dict[str, str], source: Source, error: Any) -> WorkflowCase | None:
    for key in sorted(set(raw) - CASE_KEYS):
        error(f"unknown key '{key}' (known: {', '.join(sorted(CASE_KEYS))})", *where, key,
              severity="warning")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        error("every case needs a 'name'", *where, "name")
        return None
    workflow_input = raw.get("input", {})
    if not isinstance(workflow_input, dict):
        error(f"'input' must be an object, got {_json_type(workflow_input)}", *where, "input")
    tasks: dict[str, Outcome | tuple[Outcome, ...]] = {}
    raw_tasks = raw.get("tasks", {})
    if not isinstance(raw_tasks, dict):
        error(f"'tasks' must map task references to outcomes, got {_json_type(raw_tasks)}",
              *where, "tasks")
        raw_tasks = {}
    for ref, answer in raw_tasks.items():
        path = (*where, "tasks", str(ref))
        if not _known_ref(str(ref), types, workflow, path, error):
            continue
        if not mockable(types[str(ref)]):
            error(f"task '{ref}' is a {types[str(ref)]} task, which the engine runs itself: "
                  "it cannot be mocked", *path)
            continue
        if isinstance(answer, list):
            if not answer:
                error("expected at least one outcome", *path)
            outcomes = [_outcome(item, (*path, i), error) for i, item in enumerate(answer)]
            if answer and all(outcomes):
                tasks[str(ref)] = tuple(o for o in outcomes if o)
        else:
            outcome = _outcome(answer, path, error)
            if outcome:
                tasks[str(ref)] = outcome
    run = raw.get("run", [])
    if not isinstance(run, list):
        error(f"'run' must be a list of task references, got {_json_type(run)}", *where, "run")
        run = []
    for index, ref in enumerate(run):
        path = (*where, "run", index)
        if not _known_ref(str(ref), types, workflow, path, error):
            continue
        if types[str(ref)] not in calling_out_types():
            error(f"'run' lists task '{ref}' of type {types[str(ref)]}: only "
                  f"{', '.join(sorted(calling_out_types()))} tasks are mocked by default", *path)
        elif ref in tasks:
            error(f"task '{ref}' is both run for real and given outcomes", *path)
    expect = _expectation(raw.get("expect"), (*where, "expect"), types, workflow, error)
    if expect is None or not isinstance(workflow_input, dict):
        return None
    return WorkflowCase(name.strip(), workflow, workflow_input, tasks,
                        frozenset(str(r) for r in run), expect, source)


def _known_ref(ref: str, types: dict[str, str], workflow: Definition,
               path: tuple[str | int, ...], error: Any) -> bool:
    if ref in types:
        return True
    hint = (" (a sub-workflow's task is written <sub-workflow task ref>/<its task ref>)"
            if "/" not in ref and any(k.endswith("/" + ref) for k in types) else "")
    error(f"unknown task reference '{ref}': workflow {workflow.name} has no such task{hint}",
          *path)
    return False


def _outcome(raw: Any, path: tuple[str | int, ...], error: Any) -> Outcome | None:
    if not isinstance(raw, dict):
        error(f"expected an outcome ({{status: ..., output: ...}}), got {_json_type(raw)}",
              *path)
        return None
    for key in sorted(set(raw) - OUTCOME_KEYS):
        error(f"unknown key '{key}' (known: {', '.join(sorted(OUTCOME_KEYS))})", *path, key,
              severity="warning")
    status, output, reason = raw.get("status"), raw.get("output", {}), raw.get("reason", "")
    ok = True
    if status not in OUTCOME_STATUSES:
        error(f"bad status {status!r}: a mocked worker answers one of "
              f"{', '.join(OUTCOME_STATUSES)}", *path, "status")
        ok = False
    if not isinstance(output, dict):
        error(f"'output' must be an object, got {_json_type(output)}", *path, "output")
        ok = False
    if not isinstance(reason, str):
        error(f"'reason' must be a string, got {_json_type(reason)}", *path, "reason")
        ok = False
    return Outcome(str(status), dict(output), str(reason)) if ok else None


def _expectation(raw: Any, where: tuple[str | int, ...], types: dict[str, str],
                 workflow: Definition, error: Any) -> Expectation | None:
    if not isinstance(raw, dict):
        error("every case needs 'expect' with at least a 'status'", *where)
        return None
    for key in sorted(set(raw) - EXPECT_KEYS):
        error(f"unknown key '{key}' (known: {', '.join(sorted(EXPECT_KEYS))})", *where, key,
              severity="warning")
    ok = True
    status = raw.get("status")
    if status not in WORKFLOW_STATUSES:
        error(f"bad status {status!r}: a workflow ends {', '.join(WORKFLOW_STATUSES)}",
              *where, "status")
        ok = False
    output = raw.get("output")
    if output is not None and not isinstance(output, dict):
        error(f"'output' must be an object, got {_json_type(output)}", *where, "output")
        ok = False
    path = raw.get("path")
    if path is not None:
        if not isinstance(path, list):
            error(f"'path' must be a list of task references, got {_json_type(path)}",
                  *where, "path")
            ok = False
        else:
            ok = all([_known_ref(str(ref), types, workflow, (*where, "path", i), error)
                      for i, ref in enumerate(path)]) and ok
    inputs = raw.get("inputs", {})
    if not isinstance(inputs, dict):
        error(f"'inputs' must map task references to inputs, got {_json_type(inputs)}",
              *where, "inputs")
        inputs, ok = {}, False
    for ref, subset in inputs.items():
        at = (*where, "inputs", str(ref))
        ok = _known_ref(str(ref), types, workflow, at, error) and ok
        subsets = subset if isinstance(subset, list) else [subset]
        if not all(isinstance(s, dict) for s in subsets):
            error("expected an object (a subset of the task's input), or a list of them, one "
                  "per execution", *at)
            ok = False
    if not ok:
        return None
    return Expectation(str(status), output, tuple(str(r) for r in path) if path is not None
                       else None, {str(k): v for k, v in inputs.items()})

