"""Each breaking-change rule on a minimal pair of definitions (live and desired), with
the callers it must name: in the directory, and on the server only."""

from __future__ import annotations

from typing import Any

from tests.support.definitions import live_workflow, task, workflow
from workflow_migrator import Definition, Source
from workflow_migrator._breaking import ON_SERVER, concerns
from workflow_migrator._models import DefinitionSet
from workflow_migrator._plan import DEFAULT_OPTIONS, LiveState, PlanOptions, compute_plan
from workflow_migrator._risk import Concern, Executions, Risk


def handler(name: str, **fields: object) -> Definition:
    return Definition("event_handler", {"name": name, "event": "conductor:x:y", "active": True,
                                        **fields}, Source(f"event-handlers/{name}.json"))


def found(desired: DefinitionSet, live: LiveState, rule: str,
          options: PlanOptions = DEFAULT_OPTIONS) -> list[Concern]:
    plan = compute_plan(desired, live, options)
    return [c for c in concerns(plan, desired, live) if c.rule == rule]


def sub_call(child: str, *, version: int | None = None, inputs: Any = None) -> dict[str, Any]:
    param: dict[str, Any] = {"name": child}
    if version is not None:
        param["version"] = version
    call: dict[str, Any] = {"name": child, "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
                            "subWorkflowParam": param}
    if inputs is not None:
        call["inputParameters"] = inputs
    return call


READS_TOTAL = {"name": "use", "taskReferenceName": "use",
               "inputParameters": {"total": "${sub.output.total}"}}


def test_output_removed_that_a_parent_reads_is_breaking() -> None:
    live = LiveState(workflows=(live_workflow("child", 1, outputParameters={"total": "x"}),))
    parent = workflow("parent", 1, tasks=[sub_call("child"), READS_TOTAL])
    (concern,) = found(DefinitionSet(workflows=(workflow("child"), parent)), live,
                       "output-removed")
    assert concern.severity == "breaking"
    assert concern.address == "workflow child v2"
    assert concern.callers == ("workflow parent v1 (workflows/parent.json)",)


def test_output_removed_spares_a_parent_pinned_to_the_old_version() -> None:
    live = LiveState(workflows=(live_workflow("child", 1, outputParameters={"total": "x"}),))
    parent = workflow("parent", 1, tasks=[sub_call("child", version=1), READS_TOTAL])
    (concern,) = found(DefinitionSet(workflows=(workflow("child"), parent)), live,
                       "output-removed")
    assert (concern.severity, concern.callers) == ("info", ())


def test_output_removed_names_a_parent_only_the_server_holds() -> None:
    parent = live_workflow("parent", 3, tasks=[sub_call("child"), READS_TOTAL])
    live = LiveState(workflows=(live_workflow("child", 1, outputParameters={"total": "x"}),
                                parent))
    (concern,) = found(DefinitionSet(workflows=(workflow("child"),)), live, "output-removed")
    assert concern.callers == (f"workflow parent v3 ({ON_SERVER})",)


def test_an_input_callers_do_not_pass_is_breaking() -> None:
    live = LiveState(workflows=(live_workflow("child", 1),))
    child = workflow("child", tasks=[{"name": "a", "taskReferenceName": "a",
                                      "inputParameters": {"c": "${workflow.input.customer}"}}])
    starts = handler("h", actions=[{"action": "start_workflow",
                                    "start_workflow": {"name": "child", "input": {"x": 1}}}])
    passes = workflow("p2", 1, tasks=[sub_call("child",
                                               inputs={"customer": "${workflow.input.c}"})])
    (concern,) = found(DefinitionSet(workflows=(child, workflow("p1", 1, tasks=[sub_call(
        "child", inputs={})]), passes), event_handlers=(starts,)), live, "input-required")
    assert concern.severity == "breaking" and "'customer'" in concern.message
    assert concern.callers == ("workflow p1 v1 (workflows/p1.json)",
                               "event handler h (event-handlers/h.json)")


def test_a_renamed_task_reference_an_event_handler_completes_is_breaking() -> None:
    live = LiveState(workflows=(live_workflow("wf", 1),))
    renamed = workflow("wf", tasks=[{"name": "a", "taskReferenceName": "a2"}])
    completes = handler("done", actions=[{"action": "complete_task", "complete_task": {
        "workflowId": "${workflowId}", "taskRefName": "a"}}])
    listens = handler("listens", event="conductor:wf:a",
                      actions=[{"action": "start_workflow", "start_workflow": {"name": "x"}}])
    (concern,) = found(DefinitionSet(workflows=(renamed,), event_handlers=(completes, listens)),
                       live, "reference-removed")
    assert concern.severity == "breaking"
    assert "'a' is gone (renamed 'a2'?)" in concern.message
    assert concern.callers == ("event handler done (event-handlers/done.json)",
                               "event handler listens (event-handlers/listens.json)")


def test_a_removed_reference_nothing_uses_is_info() -> None:
    live = LiveState(workflows=(live_workflow("wf", 1),))
    (concern,) = found(DefinitionSet(workflows=(workflow("wf", tasks=[
        {"name": "b", "taskReferenceName": "b"}]),)), live, "reference-removed")
    assert concern.severity == "info"


def test_a_pruned_task_a_server_workflow_uses_is_breaking() -> None:
    live = LiveState(tasks=({"name": "old_task"},),
                     workflows=(live_workflow("elsewhere", 2, tasks=[
                         {"name": "old_task", "taskReferenceName": "o", "type": "SIMPLE"}]),))
    (concern,) = found(DefinitionSet(workflows=(workflow("mine", 1),)), live, "task-in-use",
                       PlanOptions(prune=True, keep=("elsewhere",)))
    assert concern.address == "task old_task"
    assert concern.callers == (f"workflow elsewhere v2 ({ON_SERVER})",)


def test_a_pruned_workflow_version_a_parent_pins_is_breaking() -> None:
    live = LiveState(workflows=(live_workflow("child", 1), live_workflow("child", 2)))
    parent = workflow("parent", 1, tasks=[sub_call("child", version=1)])
    (concern,) = found(DefinitionSet(workflows=(workflow("child", 2), parent)), live,
                       "workflow-in-use", PlanOptions(prune=True))
    assert concern.address == "workflow child v1"
    assert concern.callers == ("workflow parent v1 (workflows/parent.json)",)


def test_lowered_retries_and_timeouts_are_risky_for_every_workflow_using_the_task() -> None:
    live = LiveState(tasks=({"name": "a", "retryCount": 3, "timeoutSeconds": 0},),
                     workflows=(live_workflow("wf", 1),))
    desired = DefinitionSet(tasks=(task("a", retryCount=1, timeoutSeconds=60),),
                            workflows=(workflow("wf", 1, tasks=[
                                {"name": "a", "taskReferenceName": "a", "type": "SIMPLE"}]),))
    concerns_found = found(desired, live, "limit-lowered")
    assert {c.message.split(" ")[0] for c in concerns_found} == {"retryCount", "timeoutSeconds"}
    assert all(c.severity == "risky" and c.callers == ("workflow wf v1 (workflows/wf.json)",)
               for c in concerns_found)
    raised = DefinitionSet(tasks=(task("a", retryCount=5, timeoutSeconds=0),))
    assert found(raised, live, "limit-lowered") == []


def test_narrowed_output_keys_are_risky() -> None:
    live = LiveState(tasks=({"name": "a", "outputKeys": ["id", "total"]},))
    (concern,) = found(DefinitionSet(tasks=(task("a", outputKeys=["id"]),)), live,
                       "keys-narrowed")
    assert (concern.severity, concern.message) == ("risky", "outputKeys no longer declares total")


def test_fail_on_counts_the_severities_at_and_above_it() -> None:
    risk = Risk(concerns=(Concern("r", "risky", "task a", "m"), Concern("i", "info", "x", "m")))
    assert risk.failing("breaking") == []
    assert risk.failing("risky") == ["risky: task a: m"]
    assert risk.failing(None) == []


def test_executions_of_an_unknown_version_count_for_every_version() -> None:
    risk = Risk(executions=(Executions("wf", 1, 2, 1), Executions("wf", None, 4, 0)))
    assert (risk.running_on("wf", 1), risk.running_on("wf", 2), risk.running_on("x", 1)) == \
        (7, 4, 0)
