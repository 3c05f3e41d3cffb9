"""The task-type table against the servers: the types it calls ``engine`` run to their end
with no worker, their executions carry the ``taskType`` the table says (FORK for both
fork types), and every execution of them is one ``test capture`` takes for the engine's."""

from __future__ import annotations

from typing import Any

from tests.support.configs import unique_prefix
from tests.support.stacks import wait_for
from workflow_migrator import ConductorClient
from workflow_migrator._task_types import TABLE, engine_execution_types


def _set(ref: str) -> dict[str, Any]:
    return {"name": ref, "taskReferenceName": ref, "type": "SET_VARIABLE",
            "inputParameters": {ref: 1}}


def _engine_workflow(name: str) -> dict[str, Any]:
    sub = {"name": f"{name}_sub", "version": 1, "schemaVersion": 2, "tasks": [_set("in_sub")]}
    return {"name": name, "version": 1, "schemaVersion": 2, "ownerEmail": "team@example.com",
            "tasks": [
                {"name": "switch", "taskReferenceName": "switch", "type": "SWITCH",
                 "evaluatorType": "value-param", "expression": "pick",
                 "inputParameters": {"pick": "a"},
                 "decisionCases": {"a": [_set("case_a")]}, "defaultCase": [_set("other")]},
                {"name": "decision", "taskReferenceName": "decision", "type": "DECISION",
                 "caseValueParam": "pick", "inputParameters": {"pick": "a"},
                 "decisionCases": {"a": [_set("decided")]}},
                {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN",
                 "forkTasks": [[_set("left")], [_set("right")]]},
                {"name": "join", "taskReferenceName": "join", "type": "JOIN",
                 "joinOn": ["left", "right"]},
                {"name": "dynamic_fork", "taskReferenceName": "dynamic_fork",
                 "type": "FORK_JOIN_DYNAMIC", "dynamicForkTasksParam": "tasks",
                 "dynamicForkTasksInputParamName": "inputs",
                 "inputParameters": {"tasks": [_set("forked")], "inputs": {"forked": {}}}},
                {"name": "dynamic_join", "taskReferenceName": "dynamic_join", "type": "JOIN"},
                {"name": "loop", "taskReferenceName": "loop", "type": "DO_WHILE",
                 "loopCondition": "false", "loopOver": [_set("body")]},
                {"name": "jq", "taskReferenceName": "jq", "type": "JSON_JQ_TRANSFORM",
                 "inputParameters": {"queryExpression": ".", "x": 1}},
                {"name": "sub", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
                 "subWorkflowParam": {"name": sub["name"], "version": 1,
                                      "workflowDefinition": sub}},
                {"name": "end", "taskReferenceName": "end", "type": "TERMINATE",
                 "inputParameters": {"terminationStatus": "COMPLETED"}},
            ]}


def test_engine_types_run_without_a_worker_as_the_table_says(client: ConductorClient) -> None:
    name = f"{unique_prefix()}_engine_types"
    definition = _engine_workflow(name)
    workflow_id = client.start_workflow({"name": name, "version": 1, "input": {},
                                         "workflowDef": definition})
    assert wait_for(lambda: client.get_workflow(workflow_id)["status"] != "RUNNING", 30)
    execution = client.get_workflow(workflow_id)
    assert execution["status"] == "COMPLETED", execution.get("reasonForIncompletion")
    declared = {t["taskReferenceName"]: t["type"] for t in definition["tasks"]}
    ran = {str(t["referenceTaskName"]): str(t["taskType"]) for t in execution["tasks"]}
    for ref, task_type in declared.items():
        entry = TABLE.types[task_type]
        assert entry.category == "engine", task_type
        assert ran[ref] == (entry.runs_as or task_type), ref
    assert set(ran.values()) <= engine_execution_types(), ran
