"""Runs workflow test cases on a real Conductor server, without disturbing it.

Nothing is registered. Each case starts its workflow with the directory's
definition sent inline (``workflowDef`` of the start request); its SUB_WORKFLOW
tasks carry their definition inline too (``subWorkflowParam.workflowDefinition``,
recursively), and its worker tasks carry the directory's task definition
(``taskDefinition``), so the server's own definitions are neither used nor changed.

Each case runs under a task domain of its own (``taskToDomain: {"*": <unique>}``;
sub-workflows inherit it): the engine queues its worker tasks under that domain
only, so a real worker of the server (which polls without it) never receives a
test's task, and the case's mocked worker, which polls with it, never receives a
real one. HTTP and KAFKA_PUBLISH tasks are turned into SIMPLE tasks of the same name,
and so into tasks of that domain, unless the case lists them under ``run``.
System tasks (SWITCH, INLINE, DO_WHILE, FORK/JOIN, TERMINATE, WAIT, ...) run in
the engine as they would in production.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow_migrator._exceptions import ConductorError, DefinitionError, MigratorError
from workflow_migrator._models import Definition, DefinitionSet, JSONObject
from workflow_migrator._output import NULL_REPORTER, Reporter
from workflow_migrator._pipeline import identify_server, load_valid
from workflow_migrator._task_types import (
    calling_out_types,
    externally_completed_types,
    task_category,
)
from workflow_migrator._task_walk import SIMPLE, walk
from workflow_migrator._workflow_tests import (
    Outcome,
    WorkflowCase,
    load_cases,
    sub_workflow_of,
)

if TYPE_CHECKING:
    from workflow_migrator._client import ConductorClient

WORKER_ID = "workflow-migrator-test"
TERMINAL = frozenset({"COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"})
WAITING = frozenset({"SCHEDULED", "IN_PROGRESS"})
POLL_INTERVAL = 0.2
#: The correlation id of a test's execution starts with this.
TEST_CORRELATION = "workflow-test:"
ITERATION_SUFFIX = re.compile(r"__\d+$")


@dataclasses.dataclass(frozen=True)
class Mismatch:
    """One way the run differed from the case's expectation."""

    what: str
    expected: Any
    actual: Any
    note: str = ""


@dataclasses.dataclass(frozen=True)
class CaseResult:
    """How one case ran."""

    case: WorkflowCase
    mismatches: tuple[Mismatch, ...]
    workflow_id: str = ""
    status: str = ""
    path: tuple[str, ...] = ()
    duration: float = 0.0
    #: why the case could not run to its end (timeout, no outcome left, server error)
    error: str = ""
    #: on a timeout, the tasks still scheduled or in progress
    stuck: tuple[str, ...] = ()
    #: every task execution, in path order (what coverage is measured from)
    executions: tuple[Execution, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.mismatches and not self.error


def prepare_workflow(definitions: DefinitionSet, workflow: Definition,
                     run: Iterable[str] = (), prefix: str = "", depth: int = 0) -> JSONObject:
    """The workflow definition to send inline: sub-workflows inline, worker tasks with
    the directory's task definition, HTTP/KAFKA_PUBLISH tasks as worker tasks unless
    their (qualified) reference is in ``run``."""
    body = copy.deepcopy(workflow.body)
    task_defs = {d.name: d.body for d in definitions.tasks}
    run = frozenset(run)
    for site in walk(Definition("workflow", body, workflow.source)):
        task, ref = site.task, f"{prefix}{site.task.get('taskReferenceName', '')}"
        if site.type in calling_out_types() and ref not in run:
            task["type"] = SIMPLE
        if site.type == "SUB_WORKFLOW" and depth < 10:
            child = sub_workflow_of(definitions, task)
            if child is not None:
                params = dict(task["subWorkflowParam"])
                params["workflowDefinition"] = prepare_workflow(definitions, child, run,
                                                                f"{ref}/", depth + 1)
                params.setdefault("version", child.version or 1)
                task["subWorkflowParam"] = params
        is_worker = task_category(str(task.get("type", SIMPLE))) == "worker"
        if is_worker and site.name in task_defs and "taskDefinition" not in task:
            task["taskDefinition"] = copy.deepcopy(task_defs[site.name])
    body.setdefault("version", 1)
    return body


@dataclasses.dataclass(frozen=True)
class Execution:
    """One task execution, seen in the workflow tree."""

    ref: str  # qualified, without a loop's __N suffix
    task: JSONObject


def execution_tree(client: ConductorClient, workflow: JSONObject, prefixes: dict[str, str],
                   prefix: str = "", depth: int = 0) -> Iterator[Execution]:
    """Every task execution of ``workflow`` and of its sub-workflows, in the order they
    were scheduled (a sub-workflow's right after its task); ``prefixes`` learns the
    reference prefix of each workflow id met (``sub_ref/`` for a child)."""
    prefixes[str(workflow.get("workflowId"))] = prefix
    tasks = sorted(workflow.get("tasks") or [], key=lambda t: int(t.get("seq", 0)))
    for task in tasks:
        ref = prefix + base_ref(task)
        yield Execution(ref, task)
        child_id = task.get("subWorkflowId") or (task.get("outputData") or {}).get(
            "subWorkflowId")
        if task.get("taskType") == "SUB_WORKFLOW" and child_id and depth < 10:
            child = client.get_workflow(str(child_id))
            yield from execution_tree(client, child, prefixes, f"{ref}/", depth + 1)


class _CaseRun:
    """The mocked worker of one case: starts the workflow, answers its tasks, collects
    what ran."""

    def __init__(self, client: ConductorClient, definitions: DefinitionSet, case: WorkflowCase,
                 timeout: float) -> None:
        self.client = client
        self.definitions = definitions
        self.case = case
        self.timeout = timeout
        self.domain = f"wt{uuid.uuid4().hex[:16]}"
        self.handed_out: dict[str, int] = {}
        self.prefixes: dict[str, str] = {}

    def run(self) -> CaseResult:
        started = time.monotonic()
        workflow = self.case.workflow
        request = {"name": workflow.name, "input": self.case.input,
                   "workflowDef": prepare_workflow(self.definitions, workflow, self.case.run),
                   "taskToDomain": {"*": self.domain},
                   "correlationId": f"{TEST_CORRELATION}{self.domain}"}
        try:
            workflow_id = self.client.start_workflow(request)
        except ConductorError as exc:
            return CaseResult(self.case, (), error=f"the server did not start the workflow: "
                              f"{exc}", duration=time.monotonic() - started)
        try:
            return self._drive(workflow_id, started)
        except ConductorError as exc:
            self._stop(workflow_id)
            return CaseResult(self.case, (), workflow_id, error=str(exc),
                              duration=time.monotonic() - started)

    def _drive(self, workflow_id: str, started: float) -> CaseResult:
        deadline = started + self.timeout
        while True:
            root, executions = self._tree(workflow_id)
            if root.get("status") in TERMINAL:
                break
            if time.monotonic() > deadline:
                self._stop(workflow_id)
                stuck = tuple(f"{e.ref} ({e.task.get('taskType')}, {e.task.get('status')})"
                              for e in executions if e.task.get("status") in WAITING)
                return self._result(workflow_id, root, executions, started,
                                    error=f"timed out after {self.timeout:g}s, still RUNNING",
                                    stuck=stuck)
            problem = self._answer(executions)
            if problem:
                self._stop(workflow_id)
                root, executions = self._tree(workflow_id)
                return self._result(workflow_id, root, executions, started, error=problem)
            time.sleep(POLL_INTERVAL)
        return self._result(workflow_id, root, executions, started)

    def _answer(self, executions: list[Execution]) -> str:
        """Answers every task waiting for a worker (or, when the case says so, for an
        external completion); returns why it could not, if so."""
        polled: set[str] = set()
        for execution in executions:
            task, task_type = execution.task, str(execution.task.get("taskType", ""))
            if task.get("status") == "IN_PROGRESS" and task_type in externally_completed_types():
                if execution.ref in self.case.tasks:
                    problem = self._complete(execution.ref, task)
                    if problem:
                        return problem
            elif task.get("status") == "SCHEDULED" and task_type not in polled \
                    and task_category(task_type) not in ("engine", "externally-completed"):
                polled.add(task_type)
                taken = self.client.poll_task(task_type, self.domain, WORKER_ID)
                if taken:
                    problem = self._complete(self._ref_of(taken), taken)
                    if problem:
                        return problem
        return ""

    def _complete(self, ref: str, task: JSONObject) -> str:
        outcome = self._next_outcome(ref)
        if outcome is None:
            given = self.case.tasks.get(ref)
            if not given:
                return f"task '{ref}' ran, but the case gives no outcome for it"
            # _next_outcome counted this run: it is the run after the last outcome given.
            return (f"task '{ref}' ran a {_ordinal(self.handed_out[ref])} time, but the case "
                    f"gives only {len(given) if isinstance(given, tuple) else 1} outcome(s) "
                    "for it")
        result: JSONObject = {"workflowInstanceId": task["workflowInstanceId"],
                              "taskId": task["taskId"], "status": outcome.status,
                              "outputData": outcome.output, "workerId": WORKER_ID}
        if outcome.reason:
            result["reasonForIncompletion"] = outcome.reason
        self.client.update_task(result)
        return ""

    def _next_outcome(self, ref: str) -> Outcome | None:
        answers = self.case.tasks.get(ref)
        count = self.handed_out.get(ref, 0)
        self.handed_out[ref] = count + 1
        if isinstance(answers, Outcome):
            return answers
        if answers is None or count >= len(answers):
            return None
        return answers[count]

    def _ref_of(self, task: JSONObject) -> str:
        prefix = self.prefixes.get(str(task.get("workflowInstanceId")), "")
        return prefix + base_ref(task)

    def _tree(self, workflow_id: str) -> tuple[JSONObject, list[Execution]]:
        """The workflow, and every task execution of it and of its sub-workflows, in
        the order they were scheduled (a sub-workflow's right after its task)."""
        root = self.client.get_workflow(workflow_id)
        return root, list(execution_tree(self.client, root, self.prefixes))

    def _stop(self, workflow_id: str) -> None:
        try:
            self.client.terminate_workflow(workflow_id, "workflow test ended")
        except ConductorError:
            pass  # it ended on its own meanwhile

    def _result(self, workflow_id: str, root: JSONObject, executions: list[Execution],
                started: float, error: str = "", stuck: tuple[str, ...] = ()) -> CaseResult:
        path = tuple(e.ref for e in executions)
        status = str(root.get("status", ""))
        mismatches = () if error else tuple(compare(self.case, root, executions))
        return CaseResult(self.case, mismatches, workflow_id, status, path,
                          time.monotonic() - started, error, stuck, tuple(executions))


def compare(case: WorkflowCase, root: JSONObject,
            executions: Sequence[Execution]) -> Iterator[Mismatch]:
    """Every way the finished run differs from what the case expects."""
    expect = case.expect
    if root.get("status") != expect.status:
        reason = root.get("reasonForIncompletion")
        yield Mismatch("status", expect.status, root.get("status"),
                       f"reason: {reason}" if reason else "")
    output = root.get("output") or {}
    if expect.output is not None and not is_subset(expect.output, output):
        yield Mismatch("output", expect.output, output)
    path = [e.ref for e in executions]
    if expect.path is not None and list(expect.path) != path:
        yield Mismatch("path", list(expect.path), path, diverged(list(expect.path), path))
    for ref, wanted in expect.inputs.items():
        received = [e.task.get("inputData") or {} for e in executions if e.ref == ref]
        if isinstance(wanted, list):
            if len(received) < len(wanted) or not all(
                    is_subset(w, r) for w, r in zip(wanted, received, strict=False)):
                yield Mismatch(f"inputs.{ref}", wanted, received)
        elif not received:
            yield Mismatch(f"inputs.{ref}", wanted, None, f"task '{ref}' never ran")
        elif not is_subset(wanted, received[0]):
            yield Mismatch(f"inputs.{ref}", wanted, received[0])


def is_subset(expected: Any, actual: Any) -> bool:
    """Whether every key of ``expected`` is in ``actual`` with a matching value (objects
    are compared as subsets, everything else, lists included, for equality)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and is_subset(value, actual[key]) for key, value in expected.items())
    return bool(expected == actual)


def diverged(expected: list[str], actual: list[str]) -> str:
    """Where two paths part: the first step that differs."""
    for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
        if want != got:
            return f"diverged at step {index + 1}: expected '{want}', ran '{got}'"
    if len(actual) > len(expected):
        return f"ran more: step {len(expected) + 1} is '{actual[len(expected)]}'"
    return f"stopped early: step {len(actual) + 1} ('{expected[len(actual)]}') never ran"


def run_cases(client: ConductorClient, definitions: DefinitionSet,
              cases: Sequence[WorkflowCase], *, timeout: float = 60.0, jobs: int = 4,
              on_result: Callable[[CaseResult], None] | None = None) -> list[CaseResult]:
    """Runs the cases, ``jobs`` at a time; returns their results in the cases' order.

    :param client: the server to run on.
    :param definitions: the directory's definitions (sub-workflows, task definitions).
    :param cases: the cases to run.
    :param timeout: seconds one case may take before it counts as stuck.
    :param jobs: how many cases run at once.
    :param on_result: called with each result as soon as its case ends.
    """

    def one(case: WorkflowCase) -> CaseResult:
        result = _CaseRun(client, definitions, case, timeout).run()
        if on_result:
            on_result(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, cases))


def base_ref(task: JSONObject) -> str:
    ref = str(task.get("referenceTaskName", ""))
    return ITERATION_SUFFIX.sub("", ref) if int(task.get("iteration") or 0) > 0 else ref


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
        number % 10, "th")
    return f"{number}{suffix}"


def matches(case: WorkflowCase, pattern: str) -> bool:
    """Whether ``-k pattern`` selects the case: a case-insensitive substring of its id
    (``file::name``) or of its workflow's name."""
    pattern = pattern.casefold()
    return pattern in case.id.casefold() or pattern in case.workflow.name.casefold()


def run_workflow_tests(config_dir: Path, client: ConductorClient, *, app_env: str = "",
                       pattern: str = "", timeout: float = 60.0, jobs: int = 4,
                       wait_timeout: float = 300.0, reporter: Reporter = NULL_REPORTER,
                       on_result: Callable[[CaseResult], None] | None = None,
                       ) -> list[CaseResult]:
    """Loads the directory's definitions and test cases, checks them all, then runs the
    cases on the server; raises DefinitionError, before anything is sent, on any error.

    :param config_dir: the directory holding ``tests/`` next to ``tasks/`` and ``workflows/``.
    :param client: the server to run on; nothing is registered on it.
    :param app_env: the environment whose values fill the placeholders.
    :param pattern: run only the cases whose id or workflow name contains it.
    :param timeout: seconds one case may take.
    :param jobs: how many cases run at once.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :param reporter: where progress is logged; it learns the secret values to mask.
    :param on_result: called with each result as soon as its case ends.
    """
    # The reporter learns the secret values as the files load, before an error can quote one.
    definitions, _ = load_valid(config_dir, app_env, reporter)
    cases, findings = load_cases(config_dir, definitions, app_env)
    if any(f.severity == "error" for f in findings):
        raise DefinitionError(findings)
    for finding in findings:
        reporter.log(f"{finding.location}: {finding.message}", level="warning")
    selected = [c for c in cases if matches(c, pattern)] if pattern else cases
    if pattern and not selected:
        # As pytest's "no tests ran": a pattern with a typo must not pass a CI job.
        raise MigratorError(f"-k {pattern!r} selects none of the {len(cases)} workflow test "
                            "case(s): nothing ran")
    reporter.log(f"{len(selected)} workflow test case(s) selected of {len(cases)}.",
                 event="collected", selected=len(selected), total=len(cases))
    if not selected:
        return []
    client.wait_until_ready(wait_timeout, on_wait=reporter.log)
    identify_server(client, reporter)
    return run_cases(client, definitions, selected, timeout=timeout, jobs=jobs,
                     on_result=on_result)
