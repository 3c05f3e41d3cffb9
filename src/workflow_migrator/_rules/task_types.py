"""What each task type requires: Conductor 3.15's WorkflowTaskTypeConstraint.

Where conductor-oss 3.2x/3.3x accepts more (an HTTP task with a top-level ``uri``,
a FORK_JOIN_DYNAMIC with ``forkTaskInputs``, a subWorkflowParam without a name),
the stricter 3.15 rule applies, since production runs 3.15. Tasks inside a
DO_WHILE loop are not checked by the server; problems there are warnings.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from typing import Any

from workflow_migrator._findings import Finding, Severity
from workflow_migrator._grammar import EXPRESSION_START, is_expression
from workflow_migrator._models import Definition
from workflow_migrator._rules.context import Context, finding
from workflow_migrator._rules.javascript import syntax_error
from workflow_migrator._rules.structure import UNCHECKED
from workflow_migrator._targets import Target
from workflow_migrator._task_types import task_types
from workflow_migrator._task_walk import TaskSite

TERMINATION_STATUSES = ("COMPLETED", "FAILED", "TERMINATED")
DURATION = re.compile(
    r"\s*(?:(\d+)\s*(?:days?|d))?\s*(?:(\d+)\s*(?:hours?|hrs?|h))?"
    r"\s*(?:(\d+)\s*(?:minutes?|mins?|m))?\s*(?:(\d+)\s*(?:seconds?|secs?|s))?\s*",
    re.IGNORECASE | re.ASCII)
#: DateUtils.parseDate with yyyy-MM-dd HH:mm, yyyy-MM-dd HH:mm z, yyyy-MM-dd (lenient)
UNTIL = re.compile(r"\d+-\d+-\d+(?: \d+:\d+(?: \S+)?)?", re.ASCII)
INT_MAX = 2**31 - 1

#: (field, message); a field starting with '!' marks a script expression problem
Problems = Iterator[tuple[str, str]]


def task_type_rules(context: Context) -> Iterator[Finding]:
    task_defs = context.task_defs
    for definition in context.definitions.workflows:
        for site in context.sites(definition):
            severity: Severity = "error" if site.checked else "warning"
            suffix = "" if site.checked else UNCHECKED
            check = CHECKS.get(site.type)
            if check is not None:
                for field, message in check(site.task, task_defs):
                    rule = "expression" if field.startswith("!") else "task-type"
                    parts = tuple(part for part in field.lstrip("!").split(".") if part)
                    yield finding(definition, (*site.path, *parts), message + suffix, rule,
                                  severity)
            yield from _unknown_type(definition, site)
            yield from _evaluator(definition, site, context.target)


def _unknown_type(definition: Definition, site: TaskSite) -> Iterator[Finding]:
    kind = site.task.get("type")
    known = task_types()
    if not isinstance(kind, str) or kind in known:
        return
    guess = kind.upper() if kind.upper() in known else next(
        iter(difflib.get_close_matches(kind.upper(), sorted(known), n=1, cutoff=0.75)), None)
    hint = f" Did you mean '{guess}'?" if guess else ""
    yield finding(definition, (*site.path, "type"), f"'{kind}' is not a task type Conductor 3.15 "
                  f"knows; the server runs it as a worker task (USER_DEFINED).{hint}",
                  "unknown-type", "warning")


def evaluator_of(site: TaskSite) -> tuple[str, tuple[str, ...]] | None:
    """The script evaluator a SWITCH or INLINE task names, and where; None when it names
    none, or one only known when it runs (a ``${...}`` expression)."""
    path: tuple[str, ...]
    if site.type == "SWITCH":
        evaluator, path = site.task.get("evaluatorType"), ("evaluatorType",)
    elif site.type == "INLINE":
        evaluator, path = _inputs(site.task).get("evaluatorType"), ("inputParameters",
                                                                    "evaluatorType")
    else:
        return None
    if not isinstance(evaluator, str) or is_expression(evaluator):
        return None
    return evaluator, path


def _evaluator(definition: Definition, site: TaskSite, target: Target) -> Iterator[Finding]:
    found = evaluator_of(site)
    if found is None or found[0] in target.evaluators:
        return
    evaluator, path = found
    yield finding(definition, (*site.path, *path), f"evaluatorType '{evaluator}' is unknown to "
                  f"{target.title}: the server accepts the workflow, then fails this task at run "
                  f"time; use one of {', '.join(target.evaluators)} (target {target.name})",
                  "evaluator")


def _inputs(task: dict[str, Any]) -> dict[str, Any]:
    inputs = task.get("inputParameters")
    return inputs if isinstance(inputs, dict) else {}


def _event(task: dict[str, Any], _: Any) -> Problems:
    if task.get("sink") is None:
        yield "sink", ("an EVENT task needs 'sink' (where to publish, e.g. 'conductor' or "
                       "'sqs:queue')")


def _cases(task: dict[str, Any], kind: str) -> Problems:
    if "decisionCases" in task and task["decisionCases"] is None:
        yield "decisionCases", f"a {kind} task needs 'decisionCases'"
    elif isinstance(task.get("decisionCases", {}), dict) and not task.get("decisionCases"):
        yield "decisionCases", f"a {kind} task needs at least one case in 'decisionCases'"


def _script(expression: Any, kind: str) -> Problems:
    if isinstance(expression, str):
        error = syntax_error(expression)
        if error:
            field = "caseExpression" if kind == "DECISION" else "expression"
            yield f"!{field}", f"the {kind} {field} is not valid JavaScript: {error}"


def _decision(task: dict[str, Any], _: Any) -> Problems:
    if task.get("caseValueParam") is None and task.get("caseExpression") is None:
        yield "", "a DECISION task needs 'caseValueParam' or 'caseExpression'"
    yield from _cases(task, "DECISION")
    yield from _script(task.get("caseExpression"), "DECISION")


def _switch(task: dict[str, Any], _: Any) -> Problems:
    if task.get("evaluatorType") is None:
        yield "evaluatorType", ("a SWITCH task needs 'evaluatorType' ('value-param' or "
                                "'javascript')")
    elif task.get("expression") is None:
        yield "expression", "a SWITCH task needs 'expression'"
    yield from _cases(task, "SWITCH")
    if task.get("evaluatorType") == "javascript":
        yield from _script(task.get("expression"), "SWITCH")


def _dynamic(task: dict[str, Any], _: Any) -> Problems:
    if task.get("dynamicTaskNameParam") is None:
        yield "dynamicTaskNameParam", "a DYNAMIC task needs 'dynamicTaskNameParam'"


def _fork_join_dynamic(task: dict[str, Any], _: Any) -> Problems:
    legacy = task.get("dynamicForkJoinTasksParam") is not None
    tasks_param = task.get("dynamicForkTasksParam") is not None
    input_param = task.get("dynamicForkTasksInputParamName") is not None
    if legacy and (tasks_param or input_param):
        yield "dynamicForkJoinTasksParam", (
            "a FORK_JOIN_DYNAMIC task takes either 'dynamicForkJoinTasksParam' or the pair "
            "'dynamicForkTasksParam' + 'dynamicForkTasksInputParamName', not both")
        return
    if legacy:
        return
    if not tasks_param:
        yield "dynamicForkTasksParam", "a FORK_JOIN_DYNAMIC task needs 'dynamicForkTasksParam'"
    if not input_param:
        yield "dynamicForkTasksInputParamName", ("a FORK_JOIN_DYNAMIC task needs "
                                                 "'dynamicForkTasksInputParamName'")


def _required_input(key: str, kind: str) -> Callable[[dict[str, Any], Any], Problems]:
    def check(task: dict[str, Any], task_defs: dict[str, Definition]) -> Problems:
        if key in _inputs(task):
            return
        for template_owner in (task.get("taskDefinition"),
                               getattr(task_defs.get(str(task.get("name"))), "body", None)):
            template = template_owner.get("inputTemplate") if isinstance(template_owner, dict) \
                else None
            if isinstance(template, dict) and key in template:
                return
        article = "an" if kind == "HTTP" else "a"
        yield "inputParameters", (f"{article} {kind} task needs 'inputParameters.{key}' (or an "
                                  f"inputTemplate.{key} in its task definition)")
    return check


def _fork_join(task: dict[str, Any], _: Any) -> Problems:
    if not task.get("forkTasks") and isinstance(task.get("forkTasks", []), list) or \
            ("forkTasks" in task and task["forkTasks"] is None):
        yield "forkTasks", "a FORK_JOIN task needs at least one branch in 'forkTasks'"


def _terminate(task: dict[str, Any], _: Any) -> Problems:
    if task.get("optional") is True:
        yield "optional", "a TERMINATE task cannot be optional"
    status = _inputs(task).get("terminationStatus")
    if _java_text(status) not in TERMINATION_STATUSES:
        shown = "missing" if status is None else f"'{status}'"
        yield "inputParameters.terminationStatus", (
            f"a TERMINATE task needs inputParameters.terminationStatus set literally to "
            f"COMPLETED, FAILED or TERMINATED (it is {shown}; an expression is not accepted)")


def _do_while(task: dict[str, Any], _: Any) -> Problems:
    if task.get("loopCondition") is None:
        yield "loopCondition", "a DO_WHILE task needs 'loopCondition'"
    if not task.get("loopOver"):
        yield "loopOver", "a DO_WHILE task needs at least one task in 'loopOver'"


def _sub_workflow(task: dict[str, Any], _: Any) -> Problems:
    param = task.get("subWorkflowParam")
    if param is None:
        yield "subWorkflowParam", "a SUB_WORKFLOW task needs 'subWorkflowParam' with a 'name'"
    elif isinstance(param, dict) and not param.get("name"):
        yield "subWorkflowParam.name", ("a SUB_WORKFLOW task needs 'subWorkflowParam.name' (also "
                                        "with an inline workflowDefinition)")


def _wait(task: dict[str, Any], _: Any) -> Problems:
    if "inputParameters" in task and task["inputParameters"] is None:
        yield "inputParameters", ("a WAIT task's 'inputParameters' cannot be null (the server "
                                  "fails on it); leave the key out instead")
        return
    inputs = _inputs(task)
    duration = _java_text(inputs.get("duration"))
    until = _java_text(inputs.get("until"))
    if duration.strip() and until.strip():
        yield "inputParameters", "a WAIT task takes 'duration' or 'until', not both"
    if duration.strip() and not duration.startswith(EXPRESSION_START):
        match = DURATION.fullmatch(duration)
        if not match or any(g and int(g) > INT_MAX for g in match.groups()):
            yield "inputParameters.duration", (
                f"WAIT duration '{duration}' is not a duration such as '30s', '5 minutes' or "
                "'1d 2h 3m 4s'")
    elif until.strip() and not until.startswith(EXPRESSION_START) and not UNTIL.fullmatch(until):
        yield "inputParameters.until", (
            f"WAIT until '{until}' is not a date as 'yyyy-MM-dd', 'yyyy-MM-dd HH:mm' or "
            "'yyyy-MM-dd HH:mm z'")


def _java_text(value: Any) -> str:
    """``value.toString()`` as Java prints a JSON scalar; '' for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


CHECKS: dict[str, Callable[[dict[str, Any], dict[str, Definition]], Problems]] = {
    "EVENT": _event,
    "DECISION": _decision,
    "SWITCH": _switch,
    "DYNAMIC": _dynamic,
    "FORK_JOIN_DYNAMIC": _fork_join_dynamic,
    "HTTP": _required_input("http_request", "HTTP"),
    "KAFKA_PUBLISH": _required_input("kafka_request", "KAFKA_PUBLISH"),
    "JSON_JQ_TRANSFORM": _required_input("queryExpression", "JSON_JQ_TRANSFORM"),
    "FORK_JOIN": _fork_join,
    "TERMINATE": _terminate,
    "DO_WHILE": _do_while,
    "SUB_WORKFLOW": _sub_workflow,
    "WAIT": _wait,
}
