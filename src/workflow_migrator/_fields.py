"""The one table of what a definition is made of: kinds of definition, and the fields
of every object inside one.

``KINDS`` lists the kinds of definition (task definition, workflow, event handler):
the folder of a config directory that holds them and how messages name them.

``TABLE`` lists, for each kind of object (task definition, workflow definition,
workflow task, sub-workflow parameters, event handler, event handler action and its
details), every field the server knows: its JSON type, its limits (allowed values,
minimum), whether a file must state it, whether the server manages it, which
servers know it, and the default a server fills in when a file leaves it out.
Conductor 3.15 (what Orkes Conductor v1.1.12 runs, production's engine) knows
fewer fields than conductor-oss 3.2x/3.3x; a field only the newer servers know
(``oss_only``) has its default only there.

Everything else is derived from the table, never written again: the comparison's
defaults (``_compare.normalise``, and so what an export leaves out), the fields the
server manages, the validator's type, limit and unknown-key checks (``_rules``) and
the JSON Schemas (``_schema``). The derived views are methods of ``FieldTable``
(``_field_table.py``, with ``Field``), computed once per table, so a copy of the table
with one more field (``FieldTable.with_field``) derives everything anew. What each type
of field accepts and its JSON Schema are ``_field_types.py``'s; the task types, and
which fields of a workflow task hold nested tasks, are ``_task_types.py``'s table.

This module imports nothing from the package but ``_field_table``, which imports nothing:
every other module may import it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Literal

# The names of the machinery are the table's too: modules import them from here.
from workflow_migrator._field_table import NO_DEFAULT as NO_DEFAULT
from workflow_migrator._field_table import Field as Field
from workflow_migrator._field_table import FieldTable
from workflow_migrator._field_table import FieldType as FieldType
from workflow_migrator._field_table import ObjectKind as ObjectKind
from workflow_migrator._field_table import Server as Server
from workflow_migrator._field_table import ServerKeys as ServerKeys

Kind = Literal["task", "workflow", "event_handler"]


@dataclasses.dataclass(frozen=True)
class KindInfo:
    """A kind of definition: its folder in a config directory, its name in messages."""

    kind: Kind
    folder: str
    #: how a message names one: "task", "workflow", "event handler"
    noun: str
    #: a heading over a list of them
    title: str
    #: the object kind of the definition's body
    object_kind: ObjectKind


#: The kinds of definition, in the order a plan lists and a deploy writes them: a
#: workflow after the tasks it runs, a handler after the workflows it starts.
KINDS: tuple[KindInfo, ...] = (
    KindInfo("task", "tasks", "task", "Task definitions", "task-def"),
    KindInfo("workflow", "workflows", "workflow", "Workflows", "workflow-def"),
    KindInfo("event_handler", "event-handlers", "event handler", "Event handlers",
             "event-handler"),
)
KIND: Mapping[Kind, KindInfo] = MappingProxyType({info.kind: info for info in KINDS})


def kinds() -> tuple[KindInfo, ...]:
    """The kinds of definition (``KINDS``), read at every call so a test may add one."""
    return KINDS


def kind_info(kind: str) -> KindInfo:
    """One kind of definition, by its name."""
    return next(info for info in KINDS if info.kind == kind)


def _f(type_: FieldType, default: Any = NO_DEFAULT, *, enum: tuple[str, ...] = (),
       minimum: int | None = None, required: bool = False, oss: bool = False,
       bits: int = 32) -> Field:
    return Field(type_, enum=enum, minimum=minimum, default=default, required=required,
                 oss_only=oss, bits=bits)


_AUDIT: dict[str, Field] = {
    "ownerApp": Field("string", server_managed=True),
    "createTime": Field("integer", server_managed=True, bits=64),
    "updateTime": Field("integer", server_managed=True, bits=64),
    "createdBy": Field("string", server_managed=True),
    "updatedBy": Field("string", server_managed=True),
    "accessPolicy": Field("object", server_managed=True),
}

_TASK_DEF: dict[str, Field] = {
    **_AUDIT,
    "name": _f("string", required=True),
    "description": _f("string"),
    "retryCount": _f("integer", 3, minimum=0),
    "timeoutSeconds": _f("integer", 0, bits=64),
    "inputKeys": _f("string-list", []),
    "outputKeys": _f("string-list", []),
    "timeoutPolicy": _f("string", "TIME_OUT_WF", enum=("RETRY", "TIME_OUT_WF", "ALERT_ONLY")),
    "retryLogic": _f("string", "FIXED",
                     enum=("FIXED", "EXPONENTIAL_BACKOFF", "LINEAR_BACKOFF")),
    "retryDelaySeconds": _f("integer", 60),
    "responseTimeoutSeconds": _f("integer", 3600, minimum=1, bits=64),
    "concurrentExecLimit": _f("integer"),
    "inputTemplate": _f("object", {}),
    "rateLimitPerFrequency": _f("integer", 0),
    "rateLimitFrequencyInSeconds": _f("integer", 1),
    "isolationGroupId": _f("string"),
    "executionNameSpace": _f("string"),
    "ownerEmail": _f("string"),
    "pollTimeoutSeconds": _f("integer", minimum=0),
    "backoffScaleFactor": _f("integer", 1, minimum=1),
    # conductor-oss 3.2x and later
    "runtimeMetadata": _f("string-list", [], oss=True),
    "maxRetryDelaySeconds": _f("integer", 0, minimum=0, oss=True),
    "backoffJitterMs": _f("integer", 0, minimum=0, oss=True),
    "baseType": _f("string", oss=True),
    "totalTimeoutSeconds": _f("integer", 0, minimum=0, oss=True, bits=64),
    "taskStatusListenerEnabled": _f("boolean", True, oss=True),
    "inputSchema": _f("schema-def", oss=True),
    "outputSchema": _f("schema-def", oss=True),
    "enforceSchema": _f("boolean", False, oss=True),
}

_WORKFLOW_DEF: dict[str, Field] = {
    **_AUDIT,
    "name": _f("string", required=True),
    "description": _f("string"),
    "version": _f("integer", 1),
    "tasks": _f("tasks", required=True),
    "inputParameters": _f("string-list", []),
    "outputParameters": _f("object", {}),
    "failureWorkflow": _f("string"),
    "schemaVersion": _f("integer", 2),
    "restartable": _f("boolean", True),
    "workflowStatusListenerEnabled": _f("boolean", False),
    "ownerEmail": _f("string"),
    "timeoutPolicy": _f("string", "ALERT_ONLY", enum=("TIME_OUT_WF", "ALERT_ONLY")),
    "timeoutSeconds": _f("integer", 0, bits=64),
    "variables": _f("object", {}),
    "inputTemplate": _f("object", {}),
    # conductor-oss 3.2x and later
    "failureWorkflowVersion": _f("integer", oss=True),
    "workflowStatusListenerSink": _f("string", oss=True),
    "rateLimitConfig": _f("object", oss=True),
    "inputSchema": _f("schema-def", oss=True),
    "outputSchema": _f("schema-def", oss=True),
    "enforceSchema": _f("boolean", True, oss=True),
    "metadata": _f("object", {}, oss=True),
    "cacheConfig": _f("object", oss=True),
    "maskedFields": _f("string-list", [], oss=True),
}

# Conductor 3.15 leaves the empty collections out of what it returns; its defaults are
# empty all the same (a field left out reads back as missing, or empty, never as more).
_WORKFLOW_TASK: dict[str, Field] = {
    "name": _f("string", required=True),
    "taskReferenceName": _f("string", required=True),
    "description": _f("string"),
    "inputParameters": _f("object", {}),
    "type": _f("string", "SIMPLE"),
    "dynamicTaskNameParam": _f("string"),
    "caseValueParam": _f("string"),
    "caseExpression": _f("string"),
    "scriptExpression": _f("string"),
    "decisionCases": _f("task-map", {}),
    "dynamicForkJoinTasksParam": _f("string"),
    "dynamicForkTasksParam": _f("string"),
    "dynamicForkTasksInputParamName": _f("string"),
    "defaultCase": _f("tasks", []),
    "forkTasks": _f("task-lists", []),
    "startDelay": _f("integer", 0, minimum=0),
    "subWorkflowParam": _f("sub-workflow"),
    "joinOn": _f("string-list", []),
    "sink": _f("string"),
    "optional": _f("boolean", False),
    "taskDefinition": _f("task-def"),
    "rateLimited": _f("boolean"),
    "defaultExclusiveJoinTask": _f("string-list", []),
    "asyncComplete": _f("boolean", False),
    "loopCondition": _f("string"),
    "loopOver": _f("tasks", []),
    "retryCount": _f("integer"),
    "evaluatorType": _f("string"),
    "expression": _f("string"),
    # conductor-oss 3.2x and later
    "onStateChange": _f("object", {}, oss=True),
    "permissive": _f("boolean", False, oss=True),
    "metadata": _f("object", {}, oss=True),
    "cacheConfig": _f("object", oss=True),
    "items": _f("any", oss=True),
    "joinStatus": _f("string", oss=True),
    "joinMode": _f("string", oss=True),
}

_SUB_WORKFLOW: dict[str, Field] = {
    "name": _f("string"),
    "version": _f("integer"),
    "taskToDomain": _f("string-map"),
    "workflowDefinition": _f("workflow-def"),
    # conductor-oss 3.2x and later
    "idempotencyKey": _f("string", oss=True),
    "idempotencyStrategy": _f("string", oss=True),
    "priority": _f("any", oss=True),
}

# Conductor 3.15 ``EventHandler``: it keeps exactly these keys (3.32 too) and drops the
# rest, such as an action's ``condition`` or a handler's ``description``. A handler is
# inactive unless it says ``active: true``; ``evaluatorType`` has no default (the server
# omits it, and evaluates ``condition`` as JavaScript).
_EVENT_HANDLER: dict[str, Field] = {
    "name": _f("string", required=True),
    "event": _f("string", required=True),
    "condition": _f("string"),
    "actions": _f("actions", required=True),
    "active": _f("boolean", False),
    "evaluatorType": _f("string"),
}

# The actions Conductor 3.15 knows; later servers know more, which 3.15 refuses. Each
# action's details sit under the key that names the action.
_EVENT_ACTION: dict[str, Field] = {
    "action": _f("string", enum=("start_workflow", "complete_task", "fail_task"),
                 required=True),
    "start_workflow": _f("start-workflow"),
    "complete_task": _f("task-details"),
    "fail_task": _f("task-details"),
    "expandInlineJSON": _f("boolean", False),
}

_START_WORKFLOW: dict[str, Field] = {
    "name": _f("string", required=True),
    "version": _f("integer"),
    "correlationId": _f("string"),
    "input": _f("object", {}),
    "taskToDomain": _f("string-map"),
}

_TASK_DETAILS: dict[str, Field] = {
    "workflowId": _f("string"),
    "taskRefName": _f("string"),
    "taskId": _f("string"),
    "output": _f("object", {}),
}

# A task's or workflow's inputSchema/outputSchema (conductor-oss only). The server keeps
# these keys, drops any other, and fills in the audit times and version 1 even into an
# empty object: without them, `inputSchema: {}` would differ from what it holds on every
# deploy. An unknown type is refused by its JSON parser (a 500).
_SCHEMA_DEF: dict[str, Field] = {
    **_AUDIT,
    "name": _f("string"),
    "version": _f("integer", 1),
    "type": _f("string", enum=("JSON", "AVRO", "PROTOBUF")),
    "data": _f("object"),
    "externalRef": _f("string"),
}

OBJECT_LABELS: Mapping[ObjectKind, str] = MappingProxyType({
    "task-def": "a task definition",
    "workflow-def": "a workflow definition",
    "workflow-task": "a workflow task",
    "sub-workflow": "subWorkflowParam",
    "event-handler": "an event handler",
    "event-action": "an event handler action",
    "start-workflow": "a start_workflow action",
    "task-details": "a complete_task or fail_task action",
    "schema-def": "an inputSchema or outputSchema",
})


TABLE = FieldTable({
    "task-def": _TASK_DEF,
    "workflow-def": _WORKFLOW_DEF,
    "workflow-task": _WORKFLOW_TASK,
    "sub-workflow": _SUB_WORKFLOW,
    "event-handler": _EVENT_HANDLER,
    "event-action": _EVENT_ACTION,
    "start-workflow": _START_WORKFLOW,
    "task-details": _TASK_DETAILS,
    "schema-def": _SCHEMA_DEF,
})


# The functions below read ``TABLE`` at every call, so a test may replace the table.

def object_label(kind: ObjectKind) -> str:
    """How a message names an object of ``kind``: "a workflow task"."""
    return OBJECT_LABELS.get(kind) or f"a {kind.replace('-', ' ')}"


def fields_of(kind: ObjectKind) -> Mapping[str, Field]:
    """Every field of ``kind``, by key."""
    return TABLE.fields(kind)


def required_fields(kind: ObjectKind) -> tuple[str, ...]:
    """The keys a file must state (and not leave empty) in an object of ``kind``."""
    return TABLE.required(kind)


def embedded_objects(kind: ObjectKind) -> tuple[tuple[str, ObjectKind], ...]:
    """The keys of ``kind`` that hold an object of another kind, with that kind."""
    return TABLE.embedded(kind)


def comparison_defaults(kind: ObjectKind) -> Mapping[str, Any]:
    """The defaults the comparison treats as equal to a field left out."""
    return TABLE.comparison_defaults(kind)


def server_managed_fields() -> frozenset[str]:
    """The keys the server manages: never compared, never a reason to write."""
    return TABLE.server_managed()


def kept_keys(server: Server | None = None) -> ServerKeys:
    """The keys ``server`` keeps of each kind of object (every key any server knows when
    it is not known): a key a live definition lacks and its server does not keep can
    never be a difference (``_compare.differences``)."""
    return TABLE.kept_keys(server)


def server_of(definitions: Iterable[Mapping[str, Any]]) -> Server | None:
    """Which server returned these task and workflow definitions: conductor-oss returns
    fields only it knows, with their defaults, in every one (``enforceSchema``,
    ``backoffJitterMs``…), Conductor 3.15 in none. None when there are none to tell by."""
    oss_only = TABLE.oss_only_keys()
    seen = False
    for definition in definitions:
        if not oss_only.isdisjoint(definition):
            return "oss"
        seen = True
    return "core" if seen else None


def default_of(kind: ObjectKind, key: str) -> Any:
    """The default of one field (NO_DEFAULT when the server fills in nothing)."""
    return TABLE.fields(kind)[key].default


def event_actions() -> tuple[str, ...]:
    """The event handler actions Conductor 3.15 knows."""
    return TABLE.fields("event-action")["action"].enum


def action_details() -> dict[str, ObjectKind]:
    """Each action's key for its details, with the kind of object the details are."""
    return {action: kind for action in event_actions()
            if (kind := TABLE.fields("event-action")[action].object_kind) is not None}

