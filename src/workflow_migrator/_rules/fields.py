"""What each key of a task definition, workflow definition, workflow task and
sub-workflow parameter object is: its JSON type, allowed values, minimum, and
whether Conductor 3.15 (what Orkes Conductor v1.1.12 runs) knows it.

This is the one table of the keys the server knows: the type rules, the unknown-key
rule and the JSON Schemas (``_schema.py``) all read it. A unit test checks that every
default of ``_models.py`` belongs to a key listed here.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

FieldType = Literal[
    "string", "integer", "boolean", "object", "string-list", "string-map", "any",
    "tasks", "task-lists", "task-map", "task-def", "workflow-def", "sub-workflow",
    "actions",
]
ObjectKind = Literal["task-def", "workflow-def", "workflow-task", "sub-workflow",
                     "event-handler", "event-action", "start-workflow", "task-details"]


@dataclasses.dataclass(frozen=True)
class Field:
    type: FieldType
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    #: only conductor-oss 3.2x and later know it: Conductor 3.15 silently drops it
    oss_only: bool = False
    #: the server sets it; a file may carry it (copied from a server), it is ignored
    server_managed: bool = False


def _f(type_: FieldType, *, enum: tuple[str, ...] = (), minimum: int | None = None,
       oss: bool = False) -> Field:
    return Field(type_, enum, minimum, oss)


_AUDIT: dict[str, Field] = {
    "ownerApp": Field("string", server_managed=True),
    "createTime": Field("integer", server_managed=True),
    "updateTime": Field("integer", server_managed=True),
    "createdBy": Field("string", server_managed=True),
    "updatedBy": Field("string", server_managed=True),
    "accessPolicy": Field("object", server_managed=True),
}

TASK_DEF_FIELDS: dict[str, Field] = {
    **_AUDIT,
    "name": _f("string"),
    "description": _f("string"),
    "retryCount": _f("integer", minimum=0),
    "timeoutSeconds": _f("integer"),
    "inputKeys": _f("string-list"),
    "outputKeys": _f("string-list"),
    "timeoutPolicy": _f("string", enum=("RETRY", "TIME_OUT_WF", "ALERT_ONLY")),
    "retryLogic": _f("string", enum=("FIXED", "EXPONENTIAL_BACKOFF", "LINEAR_BACKOFF")),
    "retryDelaySeconds": _f("integer"),
    "responseTimeoutSeconds": _f("integer", minimum=1),
    "concurrentExecLimit": _f("integer"),
    "inputTemplate": _f("object"),
    "rateLimitPerFrequency": _f("integer"),
    "rateLimitFrequencyInSeconds": _f("integer"),
    "isolationGroupId": _f("string"),
    "executionNameSpace": _f("string"),
    "ownerEmail": _f("string"),
    "pollTimeoutSeconds": _f("integer", minimum=0),
    "backoffScaleFactor": _f("integer", minimum=1),
    # conductor-oss 3.2x and later
    "runtimeMetadata": _f("string-list", oss=True),
    "maxRetryDelaySeconds": _f("integer", minimum=0, oss=True),
    "backoffJitterMs": _f("integer", minimum=0, oss=True),
    "baseType": _f("string", oss=True),
    "totalTimeoutSeconds": _f("integer", minimum=0, oss=True),
    "taskStatusListenerEnabled": _f("boolean", oss=True),
    "inputSchema": _f("object", oss=True),
    "outputSchema": _f("object", oss=True),
    "enforceSchema": _f("boolean", oss=True),
}

WORKFLOW_DEF_FIELDS: dict[str, Field] = {
    **_AUDIT,
    "name": _f("string"),
    "description": _f("string"),
    "version": _f("integer"),
    "tasks": _f("tasks"),
    "inputParameters": _f("string-list"),
    "outputParameters": _f("object"),
    "failureWorkflow": _f("string"),
    "schemaVersion": _f("integer"),
    "restartable": _f("boolean"),
    "workflowStatusListenerEnabled": _f("boolean"),
    "ownerEmail": _f("string"),
    "timeoutPolicy": _f("string", enum=("TIME_OUT_WF", "ALERT_ONLY")),
    "timeoutSeconds": _f("integer"),
    "variables": _f("object"),
    "inputTemplate": _f("object"),
    # conductor-oss 3.2x and later
    "failureWorkflowVersion": _f("integer", oss=True),
    "workflowStatusListenerSink": _f("string", oss=True),
    "rateLimitConfig": _f("object", oss=True),
    "inputSchema": _f("object", oss=True),
    "outputSchema": _f("object", oss=True),
    "enforceSchema": _f("boolean", oss=True),
    "metadata": _f("object", oss=True),
    "cacheConfig": _f("object", oss=True),
    "maskedFields": _f("string-list", oss=True),
}

WORKFLOW_TASK_FIELDS: dict[str, Field] = {
    "name": _f("string"),
    "taskReferenceName": _f("string"),
    "description": _f("string"),
    "inputParameters": _f("object"),
    "type": _f("string"),
    "dynamicTaskNameParam": _f("string"),
    "caseValueParam": _f("string"),
    "caseExpression": _f("string"),
    "scriptExpression": _f("string"),
    "decisionCases": _f("task-map"),
    "dynamicForkJoinTasksParam": _f("string"),
    "dynamicForkTasksParam": _f("string"),
    "dynamicForkTasksInputParamName": _f("string"),
    "defaultCase": _f("tasks"),
    "forkTasks": _f("task-lists"),
    "startDelay": _f("integer", minimum=0),
    "subWorkflowParam": _f("sub-workflow"),
    "joinOn": _f("string-list"),
    "sink": _f("string"),
    "optional": _f("boolean"),
    "taskDefinition": _f("task-def"),
    "rateLimited": _f("boolean"),
    "defaultExclusiveJoinTask": _f("string-list"),
    "asyncComplete": _f("boolean"),
    "loopCondition": _f("string"),
    "loopOver": _f("tasks"),
    "retryCount": _f("integer"),
    "evaluatorType": _f("string"),
    "expression": _f("string"),
    # conductor-oss 3.2x and later
    "onStateChange": _f("object", oss=True),
    "permissive": _f("boolean", oss=True),
    "metadata": _f("object", oss=True),
    "cacheConfig": _f("object", oss=True),
    "items": _f("any", oss=True),
    "joinStatus": _f("string", oss=True),
    "joinMode": _f("string", oss=True),
}

SUB_WORKFLOW_FIELDS: dict[str, Field] = {
    "name": _f("string"),
    "version": _f("integer"),
    "taskToDomain": _f("string-map"),
    "workflowDefinition": _f("workflow-def"),
    # conductor-oss 3.2x and later
    "idempotencyKey": _f("string", oss=True),
    "idempotencyStrategy": _f("string", oss=True),
    "priority": _f("any", oss=True),
}

#: Conductor 3.15 ``EventHandler``: it keeps exactly these keys (3.32 too) and drops the
#: rest, such as an action's ``condition`` or a handler's ``description``.
EVENT_HANDLER_FIELDS: dict[str, Field] = {
    "name": _f("string"),
    "event": _f("string"),
    "condition": _f("string"),
    "actions": _f("actions"),
    "active": _f("boolean"),
    "evaluatorType": _f("string"),
}

EVENT_ACTION_FIELDS: dict[str, Field] = {
    "action": _f("string", enum=("start_workflow", "complete_task", "fail_task")),
    "start_workflow": _f("object"),
    "complete_task": _f("object"),
    "fail_task": _f("object"),
    "expandInlineJSON": _f("boolean"),
}

START_WORKFLOW_FIELDS: dict[str, Field] = {
    "name": _f("string"),
    "version": _f("integer"),
    "correlationId": _f("string"),
    "input": _f("object"),
    "taskToDomain": _f("string-map"),
}

TASK_DETAILS_FIELDS: dict[str, Field] = {
    "workflowId": _f("string"),
    "taskRefName": _f("string"),
    "taskId": _f("string"),
    "output": _f("object"),
}

FIELDS: dict[ObjectKind, dict[str, Field]] = {
    "task-def": TASK_DEF_FIELDS,
    "workflow-def": WORKFLOW_DEF_FIELDS,
    "workflow-task": WORKFLOW_TASK_FIELDS,
    "sub-workflow": SUB_WORKFLOW_FIELDS,
    "event-handler": EVENT_HANDLER_FIELDS,
    "event-action": EVENT_ACTION_FIELDS,
    "start-workflow": START_WORKFLOW_FIELDS,
    "task-details": TASK_DETAILS_FIELDS,
}

OBJECT_LABELS: dict[ObjectKind, str] = {
    "task-def": "a task definition",
    "workflow-def": "a workflow definition",
    "workflow-task": "a workflow task",
    "sub-workflow": "subWorkflowParam",
    "event-handler": "an event handler",
    "event-action": "an event handler action",
    "start-workflow": "a start_workflow action",
    "task-details": "a complete_task or fail_task action",
}

#: Task types Conductor 3.15 knows (TaskType.java); any other is run as a worker task.
TASK_TYPES = frozenset({
    "SIMPLE", "DYNAMIC", "FORK_JOIN", "FORK_JOIN_DYNAMIC", "DECISION", "SWITCH", "JOIN",
    "DO_WHILE", "SUB_WORKFLOW", "START_WORKFLOW", "EVENT", "WAIT", "HUMAN", "USER_DEFINED",
    "HTTP", "LAMBDA", "INLINE", "EXCLUSIVE_JOIN", "TERMINATE", "KAFKA_PUBLISH",
    "JSON_JQ_TRANSFORM", "SET_VARIABLE", "NOOP",
})
