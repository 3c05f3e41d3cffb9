"""Definitions and live server state built by hand, for tests of planning and applying."""

from __future__ import annotations

from workflow_migrator import Definition, Source


def task(name: str, **fields: object) -> Definition:
    return Definition("task", {"name": name, **fields}, Source(f"tasks/{name}.json"))


def workflow(name: str, version: int | None = None, **fields: object) -> Definition:
    body: dict[str, object] = {"name": name, "tasks": [{"name": "a", "taskReferenceName": "a"}],
                               **fields}
    if version is not None:
        body["version"] = version
    return Definition("workflow", body, Source(f"workflows/{name}.json"))


def live_workflow(name: str, version: int, **fields: object) -> dict[str, object]:
    """A workflow as a 3.32 server returns it, defaults and server-managed fields included."""
    return {
        "createTime": 1, "updateTime": 2, "name": name, "version": version,
        "tasks": [{"name": "a", "taskReferenceName": "a", "inputParameters": {}, "type": "SIMPLE",
                   "decisionCases": {}, "defaultCase": [], "forkTasks": [], "startDelay": 0,
                   "joinOn": [], "optional": False, "asyncComplete": False, "loopOver": []}],
        "inputParameters": [], "outputParameters": {}, "schemaVersion": 2, "restartable": True,
        "timeoutPolicy": "ALERT_ONLY", "timeoutSeconds": 0, "enforceSchema": True, **fields,
    }
