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
the JSON Schemas (``_schema``). The derived views are methods of ``FieldTable``,
computed once per table, so a copy of the table with one more field
(``FieldTable.with_field``) derives everything anew.

This module imports nothing from the package: every other module may import it.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

Kind = Literal["task", "workflow", "event_handler"]
ObjectKind = Literal["task-def", "workflow-def", "workflow-task", "sub-workflow",
                     "event-handler", "event-action", "start-workflow", "task-details"]
#: A value's JSON type; the names of object kinds stand for an object of that kind.
FieldType = Literal[
    "string", "integer", "boolean", "object", "string-list", "string-map", "any",
    "tasks", "task-lists", "task-map", "actions",
    "task-def", "workflow-def", "sub-workflow", "start-workflow", "task-details",
]
#: The servers whose defaults the table records: Conductor 3.15 and conductor-oss 3.2x+.
Server = Literal["core", "oss"]
SERVERS: tuple[Server, ...] = get_args(Server)
OBJECT_KINDS: frozenset[str] = frozenset(get_args(ObjectKind))
#: The keys a server keeps of each kind of object; it drops every other key it is sent.
ServerKeys = Mapping[ObjectKind, frozenset[str]]


class _NoDefault(enum.Enum):
    NO_DEFAULT = "no default"

    def __repr__(self) -> str:
        return "NO_DEFAULT"


#: The server fills in nothing: a field left out stays out. (A default of ``{}``, ``[]``
#: or ``None`` is a default: the server fills in that value.)
NO_DEFAULT: Final = _NoDefault.NO_DEFAULT


@dataclasses.dataclass(frozen=True)
class Field:
    """One field of one kind of object."""

    type: FieldType
    _: dataclasses.KW_ONLY
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    #: an integer's size on the server (a Java int, or a long): a larger number is refused
    #: by its JSON parser, with a 500, after the definitions before it were written
    bits: int = 32
    #: the value the server fills in when a file leaves the field out, on every server
    #: that knows the field; NO_DEFAULT when it fills in nothing
    default: Any = NO_DEFAULT
    #: a file must state it (and not leave it empty)
    required: bool = False
    #: only conductor-oss 3.2x and later know it: Conductor 3.15 silently drops it
    oss_only: bool = False
    #: the server sets it; a file may carry it (copied from a server), it is ignored
    server_managed: bool = False

    def default_on(self, server: Server) -> Any:
        """The default ``server`` fills in; NO_DEFAULT when it has none or drops the field."""
        return NO_DEFAULT if self.oss_only and server == "core" else self.default

    @property
    def maximum(self) -> int:
        return (1 << (self.bits - 1)) - 1

    @property
    def lowest(self) -> int:
        """The smallest integer the server holds (``minimum`` may ask for more)."""
        return -(1 << (self.bits - 1))

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT

    @property
    def object_kind(self) -> ObjectKind | None:
        """The kind of object the value is, for a field that holds one object."""
        return self.type if self.type in OBJECT_KINDS else None  # type: ignore[return-value]


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
    "inputSchema": _f("object", oss=True),
    "outputSchema": _f("object", oss=True),
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
    "inputSchema": _f("object", oss=True),
    "outputSchema": _f("object", oss=True),
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

OBJECT_LABELS: Mapping[ObjectKind, str] = MappingProxyType({
    "task-def": "a task definition",
    "workflow-def": "a workflow definition",
    "workflow-task": "a workflow task",
    "sub-workflow": "subWorkflowParam",
    "event-handler": "an event handler",
    "event-action": "an event handler action",
    "start-workflow": "a start_workflow action",
    "task-details": "a complete_task or fail_task action",
})


class FieldTable:
    """The fields of every kind of object, and every view derived from them."""

    def __init__(self, objects: Mapping[ObjectKind, Mapping[str, Field]]) -> None:
        self._objects: Mapping[ObjectKind, Mapping[str, Field]] = MappingProxyType(
            {kind: MappingProxyType(dict(fields)) for kind, fields in objects.items()})
        self._defaults = {
            (kind, server): MappingProxyType(
                {key: f.default_on(server) for key, f in fields.items()
                 if f.default_on(server) is not NO_DEFAULT})
            for kind, fields in self._objects.items() for server in SERVERS}
        self._comparison = {
            kind: MappingProxyType({key: f.default for key, f in fields.items()
                                    if f.has_default})
            for kind, fields in self._objects.items()}
        self._server_managed = frozenset(
            key for fields in self._objects.values() for key, f in fields.items()
            if f.server_managed)
        self._kept = {
            server: MappingProxyType({
                kind: frozenset(key for key, f in fields.items()
                                if server != "core" or not f.oss_only)
                for kind, fields in self._objects.items()})
            for server in (*SERVERS, None)}
        self._oss_only = frozenset(
            key for kind in ("task-def", "workflow-def")
            for key, f in self._objects[kind].items() if f.oss_only)
        # Asked for every task of every workflow on every validation: computed once.
        self._embedded = {
            kind: tuple((key, f.object_kind) for key, f in fields.items()
                        if f.object_kind is not None)
            for kind, fields in self._objects.items()}

    def fields(self, kind: ObjectKind) -> Mapping[str, Field]:
        """Every field of ``kind``, by key."""
        return self._objects[kind]

    def defaults(self, kind: ObjectKind, server: Server) -> Mapping[str, Any]:
        """What ``server`` fills in for each field of ``kind`` a file leaves out."""
        return self._defaults[(kind, server)]

    def comparison_defaults(self, kind: ObjectKind) -> Mapping[str, Any]:
        """The defaults of every server, merged: a field holding one equals a field left
        out. (No field has different defaults on different servers.)"""
        return self._comparison[kind]

    def server_managed(self) -> frozenset[str]:
        """The keys the server manages, in any kind of object."""
        return self._server_managed

    def kept_keys(self, server: Server | None) -> ServerKeys:
        """The keys ``server`` keeps of each kind of object; with no server, every key
        any server knows."""
        return self._kept[server]

    def oss_only_keys(self) -> frozenset[str]:
        """The keys of task and workflow definitions only conductor-oss knows."""
        return self._oss_only

    def embedded(self, kind: ObjectKind) -> tuple[tuple[str, ObjectKind], ...]:
        """The keys of ``kind`` that hold an object of another kind, with that kind."""
        return self._embedded[kind]

    def required(self, kind: ObjectKind) -> tuple[str, ...]:
        return tuple(key for key, f in self._objects[kind].items() if f.required)

    def with_field(self, kind: ObjectKind, key: str, field: Field) -> FieldTable:
        """A copy of the table with one field added (or replaced)."""
        return FieldTable({**self._objects, kind: {**self._objects[kind], key: field}})


TABLE = FieldTable({
    "task-def": _TASK_DEF,
    "workflow-def": _WORKFLOW_DEF,
    "workflow-task": _WORKFLOW_TASK,
    "sub-workflow": _SUB_WORKFLOW,
    "event-handler": _EVENT_HANDLER,
    "event-action": _EVENT_ACTION,
    "start-workflow": _START_WORKFLOW,
    "task-details": _TASK_DETAILS,
})


# The functions below read ``TABLE`` at every call, so a test may replace the table.

def fields_of(kind: ObjectKind) -> Mapping[str, Field]:
    """Every field of ``kind``, by key."""
    return TABLE.fields(kind)


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


#: Task types Conductor 3.15 knows (TaskType.java); any other is run as a worker task.
TASK_TYPES = frozenset({
    "SIMPLE", "DYNAMIC", "FORK_JOIN", "FORK_JOIN_DYNAMIC", "DECISION", "SWITCH", "JOIN",
    "DO_WHILE", "SUB_WORKFLOW", "START_WORKFLOW", "EVENT", "WAIT", "HUMAN", "USER_DEFINED",
    "HTTP", "LAMBDA", "INLINE", "EXCLUSIVE_JOIN", "TERMINATE", "KAFKA_PUBLISH",
    "JSON_JQ_TRANSFORM", "SET_VARIABLE", "NOOP",
})
