"""Carries out a plan against a server, in the order that keeps it consistent.

Task definitions come first (new ones in one bulk request), then every new or
changed workflow version in bulk, then deletions. Each step is an idempotent
upsert or delete, so a run that stops half-way leaves a state the next run,
which plans again from what the server then holds, completes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from workflow_migrator._client import ConductorClient
from workflow_migrator._plan import Change, Plan

#: Workflows per bulk request: one request for a typical set, bounded bodies for huge ones.
WORKFLOW_BATCH = 200


@dataclasses.dataclass(frozen=True)
class ApplyResult:
    created: int
    updated: int
    deleted: int


def apply_plan(plan: Plan, client: ConductorClient,
               on_change: Callable[[Change], None] = lambda change: None) -> ApplyResult:
    """Writes every pending change of ``plan``; the plan must have no conflicts."""
    if plan.conflicts:
        raise ValueError("a plan with conflicts cannot be applied")
    new_tasks = plan.pending("create", "task")
    if new_tasks:
        client.create_task_defs([_payload(c) for c in new_tasks])
        for change in new_tasks:
            on_change(change)
    for change in plan.pending("update", "task"):
        client.update_task_def(_payload(change))
        on_change(change)
    workflows = plan.pending("create", "workflow") + plan.pending("update", "workflow")
    for start in range(0, len(workflows), WORKFLOW_BATCH):
        batch = workflows[start:start + WORKFLOW_BATCH]
        client.upsert_workflow_defs([_payload(c) for c in batch])
        for change in batch:
            on_change(change)
    for change in plan.pending("delete", "workflow"):
        assert change.version is not None
        client.delete_workflow_def(change.name, change.version)
        on_change(change)
    for change in plan.pending("delete", "task"):
        client.delete_task_def(change.name)
        on_change(change)
    return ApplyResult(
        created=plan.count("create"), updated=plan.count("update"), deleted=plan.count("delete"))


def _payload(change: Change) -> dict[str, object]:
    assert change.payload is not None, f"{change.address}: nothing to write"
    return change.payload
