"""What a definition is, and what the server fills in when a file leaves a field out.

Definitions travel as the raw JSON objects of their files: no typed model sits
between the file and the server, so no field is ever lost on the way. The tables
here describe the server's side of the contract: which fields it manages itself
and which defaults it fills in. They merge the defaults of Conductor 3.15 (what
Orkes Conductor v1.1.12 runs) and of conductor-oss 3.2x/3.3x, which added fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, Literal

from workflow_migrator._findings import json_path

Kind = Literal["task", "workflow", "event_handler"]
JSONObject = dict[str, Any]

#: Fields the server sets or keeps for itself; never compared, never a reason to write.
SERVER_MANAGED_FIELDS = frozenset(
    {"createTime", "updateTime", "createdBy", "updatedBy", "ownerApp", "accessPolicy"}
)

TASK_DEF_DEFAULTS: JSONObject = {
    "retryCount": 3,
    "timeoutSeconds": 0,
    "inputKeys": [],
    "outputKeys": [],
    "timeoutPolicy": "TIME_OUT_WF",
    "retryLogic": "FIXED",
    "retryDelaySeconds": 60,
    "responseTimeoutSeconds": 3600,
    "inputTemplate": {},
    "rateLimitPerFrequency": 0,
    "rateLimitFrequencyInSeconds": 1,
    "backoffScaleFactor": 1,
    # conductor-oss 3.2x and later
    "runtimeMetadata": [],
    "maxRetryDelaySeconds": 0,
    "backoffJitterMs": 0,
    "totalTimeoutSeconds": 0,
    "taskStatusListenerEnabled": True,
    "enforceSchema": False,
}

WORKFLOW_DEF_DEFAULTS: JSONObject = {
    "version": 1,
    "inputParameters": [],
    "outputParameters": {},
    "schemaVersion": 2,
    "restartable": True,
    "workflowStatusListenerEnabled": False,
    "timeoutPolicy": "ALERT_ONLY",
    "timeoutSeconds": 0,
    "variables": {},
    "inputTemplate": {},
    # conductor-oss 3.2x and later
    "enforceSchema": True,
    "metadata": {},
    "maskedFields": [],
}

WORKFLOW_TASK_DEFAULTS: JSONObject = {
    "inputParameters": {},
    "type": "SIMPLE",
    "decisionCases": {},
    "defaultCase": [],
    "forkTasks": [],
    "startDelay": 0,
    "joinOn": [],
    "optional": False,
    "defaultExclusiveJoinTask": [],
    "asyncComplete": False,
    "loopOver": [],
    # conductor-oss 3.2x and later
    "onStateChange": {},
    "permissive": False,
    "metadata": {},
}

#: An event handler's defaults (the same on Conductor 3.15 and conductor-oss 3.32): a
#: handler is inactive unless it says ``active: true``; ``evaluatorType`` has no default
#: (the server omits it, and evaluates ``condition`` as JavaScript).
EVENT_HANDLER_DEFAULTS: JSONObject = {"active": False}
EVENT_ACTION_DEFAULTS: JSONObject = {"expandInlineJSON": False}
#: The actions Conductor 3.15 knows; later servers know more, which 3.15 refuses.
EVENT_ACTIONS = ("start_workflow", "complete_task", "fail_task")

#: Definitions a Conductor server may (re)create at boot: stock Orkes Conductor v1.1.12
#: force-upserts these on every start (the project's image only with LOADSAMPLE=true).
#: They may be defined like any other name; prune never deletes them.
BOOT_SAMPLE_TASKS = frozenset(
    {"simple_task_1", "simple_task_2", "simple_task_3", "simple_task_4", "simple_task_5",
     "simple_task_6"}
)
BOOT_SAMPLE_WORKFLOWS = frozenset({"load_test", "http", "http_perf_test"})

#: The task definition in which the migrator keeps the record of the last deploy (a task
#: definition survives restarts on every Conductor and is never run). Never compared,
#: planned or pruned: it is taken out wherever the server's definitions are read.
DEPLOY_RECORD_TASK = "__workflow_migrator_deploy_record__"


@dataclasses.dataclass(frozen=True)
class Source:
    """Where a definition came from: a file, relative to the config directory, and,
    for a file that holds a list, the index in it."""

    file: str
    index: int | None = None

    def path(self, *parts: str | int) -> str:
        prefix: tuple[str | int, ...] = () if self.index is None else (self.index,)
        return json_path(*prefix, *parts)


@dataclasses.dataclass(frozen=True)
class Definition:
    """A task definition, workflow definition or event handler as its file states it."""

    kind: Kind
    body: JSONObject
    source: Source

    @property
    def name(self) -> str:
        return str(self.body.get("name", ""))

    @property
    def version(self) -> int | None:
        """The stated version of a workflow; ``None`` means versioned automatically."""
        version = self.body.get("version")
        return version if isinstance(version, int) and not isinstance(version, bool) else None

    @property
    def label(self) -> str:
        if self.kind == "task":
            return f"task {self.name}"
        if self.kind == "event_handler":
            return f"event handler {self.name}"
        version = "auto" if self.version is None else self.version
        return f"workflow {self.name} v{version}"


@dataclasses.dataclass(frozen=True)
class DefinitionSet:
    """Everything a config directory defines."""

    tasks: tuple[Definition, ...] = ()
    workflows: tuple[Definition, ...] = ()
    secret_values: frozenset[str] = frozenset()
    event_handlers: tuple[Definition, ...] = ()

    def __iter__(self) -> Iterator[Definition]:
        yield from self.tasks
        yield from self.workflows
        yield from self.event_handlers

    def __len__(self) -> int:
        return len(self.tasks) + len(self.workflows) + len(self.event_handlers)
