"""Plays the workers of the shipped order flow (config/), so that it runs to completion
on a real engine."""

from __future__ import annotations

import time

import httpx

#: An order the flow accepts: it routes to the valid branch and notifies by SMS.
ORDER = {"orderId": "o-1", "customerId": "sms-42", "lines": [1]}

#: What each worker of the order flow answers; `valid` steers its SWITCH.
WORKER_OUTPUTS = {
    "validate_order": {"valid": True},
    "reserve_inventory": {"reserved": True},
    "charge_payment": {"charged": True},
    "ship_order": {"trackingId": "T-1"},
    "send_notification": {"sent": True},
}


def run_as_workers(http: httpx.Client, prefix: str, workflow_id: str,
                   timeout: float = 120.0) -> dict[str, object]:
    """Polls every worker task type of the flow and completes what it gets, until the
    workflow leaves RUNNING; returns the workflow with its tasks."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workflow = http.get(f"/api/workflow/{workflow_id}", params={"includeTasks": True}).json()
        if workflow["status"] != "RUNNING":
            return dict(workflow)
        for worker, output in WORKER_OUTPUTS.items():
            polled = http.get(f"/api/tasks/poll/{prefix}_{worker}", params={"workerid": "test"})
            if polled.status_code == 200 and polled.content:
                task = polled.json()
                http.post("/api/tasks", json={
                    "workflowInstanceId": task["workflowInstanceId"], "taskId": task["taskId"],
                    "status": "COMPLETED", "outputData": output}).raise_for_status()
        time.sleep(0.2)
    raise AssertionError(f"workflow {workflow_id} still RUNNING after {timeout:.0f}s")
