"""A plan's pending changes as Prometheus gauges, in the text exposition format."""

from __future__ import annotations

import time

from workflow_migrator._fields import kinds
from workflow_migrator._plan import Action, Plan

DRIFT_ACTIONS: tuple[Action, ...] = ("create", "update", "delete")


def drift_metrics(plan: Plan, *, app_env: str = "", now: float | None = None) -> str:
    """The plan's pending changes in Prometheus' text exposition format.

    :param plan: the plan of the configuration against the server.
    :param app_env: the environment, as the ``app_env`` label of every sample.
    :param now: the unix time of the check (defaults to the current time).
    """
    checked = time.time() if now is None else now
    env = f'app_env="{_label_value(app_env)}"'
    lines = [
        "# HELP workflow_migrator_drift_definitions Definitions the server holds differently "
        "from the configuration, by kind and by the action a deploy would take.",
        "# TYPE workflow_migrator_drift_definitions gauge",
    ]
    for info in kinds():
        for action in DRIFT_ACTIONS:
            count = len(plan.pending(action, info.kind))
            lines.append(f'workflow_migrator_drift_definitions{{{env},kind="{info.kind}",'
                         f'action="{action}"}} {count}')
    lines += [
        "# HELP workflow_migrator_drift_conflicts Changes a deploy would refuse.",
        "# TYPE workflow_migrator_drift_conflicts gauge",
        f"workflow_migrator_drift_conflicts{{{env}}} {len(plan.conflicts)}",
        "# HELP workflow_migrator_drift_last_check_timestamp_seconds Unix time of the last "
        "completed drift check.",
        "# TYPE workflow_migrator_drift_last_check_timestamp_seconds gauge",
        f"workflow_migrator_drift_last_check_timestamp_seconds{{{env}}} {checked:.3f}",
    ]
    return "\n".join(lines) + "\n"


def _label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
