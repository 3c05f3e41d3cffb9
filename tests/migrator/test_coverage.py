"""Coverage measured from executions as the engine records them (the server tests
measure real runs: tests/migrator/server/test_coverage.py): DECISION cases from
``caseOutput``, FORK branches from their first task, DO_WHILE bodies from the loop's
``iteration``, DYNAMIC targets listed, and a sub-workflow's tasks counted for its own
definition."""

from __future__ import annotations

from typing import Any

from workflow_migrator import CaseResult, Definition, DefinitionSet, Source, WorkflowCase
from workflow_migrator._coverage import measure
from workflow_migrator._views.coverage import coverage_markdown, coverage_text
from workflow_migrator._workflow_run import Execution
from workflow_migrator._workflow_tests import Expectation

PARENT = {
    "name": "parent", "version": 1, "tasks": [
        {"name": "d", "taskReferenceName": "decide", "type": "DECISION",
         "caseValueParam": "x", "decisionCases": {"a": [
             {"name": "w", "taskReferenceName": "in_a", "type": "SIMPLE"}]},
         "defaultCase": [{"name": "w", "taskReferenceName": "in_default", "type": "SIMPLE"}]},
        {"name": "f", "taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": [
            [{"name": "w", "taskReferenceName": "left", "type": "SIMPLE"}],
            [{"name": "w", "taskReferenceName": "right", "type": "SIMPLE"}]]},
        {"name": "j", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["left", "right"]},
        {"name": "l", "taskReferenceName": "loop", "type": "DO_WHILE", "loopCondition": "x",
         "loopOver": [{"name": "w", "taskReferenceName": "step", "type": "SIMPLE"}]},
        {"name": "dyn", "taskReferenceName": "dyn", "type": "DYNAMIC",
         "dynamicTaskNameParam": "t"},
        {"name": "s", "taskReferenceName": "child", "type": "SUB_WORKFLOW",
         "subWorkflowParam": {"name": "kid", "version": 1}},
    ]}
KID = {"name": "kid", "version": 1, "tasks": [
    {"name": "w", "taskReferenceName": "hello", "type": "SIMPLE"},
    {"name": "w", "taskReferenceName": "bye", "type": "SIMPLE"}]}
DEFINITIONS = DefinitionSet(workflows=(Definition("workflow", PARENT, Source("p.yaml")),
                                       Definition("workflow", KID, Source("k.yaml"))))


def _run(*executions: tuple[str, dict[str, Any]]) -> CaseResult:
    case = WorkflowCase("c", DEFINITIONS.workflows[0], {}, {}, frozenset(),
                        Expectation("COMPLETED"), Source("tests/t.yaml"))
    return CaseResult(case, (), executions=tuple(Execution(ref, task) for ref, task in executions))


def test_every_kind_of_item_is_measured_from_the_engines_record() -> None:
    first = _run(("decide", {"outputData": {"caseOutput": ["a"]}}), ("in_a", {}),
                 ("fork", {}), ("left", {}), ("join", {}),
                 ("loop", {"outputData": {"iteration": 1}}), ("step", {}),
                 ("dyn", {"taskDefName": "resize"}), ("child", {}), ("child/hello", {}))
    second = _run(("decide", {"outputData": {"caseOutput": ["zzz"]}}), ("in_default", {}),
                  ("loop", {"outputData": {"iteration": 3}}), ("step", {}),
                  ("dyn", {"taskDefName": "crop"}))
    coverage = measure(DEFINITIONS, [first, second])
    parent, kid = coverage.workflows
    missed = {(i.ref, i.label) for i in parent.items if not i.covered}
    assert missed == {("right", "right"), ("fork", "branch 2")}
    assert parent.dynamic_targets == {"dyn": ("crop", "resize")}
    assert next(i for i in parent.items if i.label == "body run once").hits == 1
    assert (kid.covered, len(kid.items)) == (1, 2)
    assert parent.styles()["fork"] == "partial" and parent.styles()["right"] == "missed"
    assert (coverage.covered, coverage.total) == (16, 19)
    assert "dyn -> crop, resize" in coverage_text(coverage)
    markdown = coverage_markdown(coverage)
    assert "classDef missed" in markdown and "| `kid v1` | 1/2 | - | - | 50.0% |" in markdown
