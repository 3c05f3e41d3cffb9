"""Plays the workers of the shipped order flow (config/), so that it runs to completion
on a real engine."""

from __future__ import annotations

import threading
import time

import httpx

#: An order the flow accepts: it routes to the valid branch and notifies by SMS.
ORDER = {"orderId": "o-1", "customerId": "sms-42", "lines": [1]}

#: What each worker of the order flow answers; `valid` steers its SWITCH.
WORKER_OUTPUTS: dict[str, dict[str, object]] = {
    "validate_order": {"valid": True},
    "reserve_inventory": {"reserved": True},
    "charge_payment": {"charged": True},
    "ship_order": {"trackingId": "T-1"},
    "send_notification": {"sent": True},
}


def run_as_workers(http: httpx.Client, prefix: str, workflow_id: str,
                   timeout: float = 120.0) -> dict[str, object]:
    """Polls every worker task type of the flow and completes what it gets, until the
    workflow leaves RUNNING; returns the workflow with its tasks.

    As a real worker does, it goes on through a server's 5xx answers (a server whose Redis
    is failing over answers 500 until it reconnects), and sends a result again until the
    server takes it: a task it polled is its to finish."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = http.get(f"/api/workflow/{workflow_id}", params={"includeTasks": True})
        if answer.status_code >= 500:
            time.sleep(0.5)
            continue
        answer.raise_for_status()
        workflow = answer.json()
        if workflow["status"] != "RUNNING":
            return dict(workflow)
        for worker, output in WORKER_OUTPUTS.items():
            polled = http.get(f"/api/tasks/poll/{prefix}_{worker}", params={"workerid": "test"})
            if polled.status_code == 200 and polled.content:
                task = polled.json()
                _complete(http, task, output, deadline)
        time.sleep(0.2)
    raise AssertionError(f"workflow {workflow_id} still RUNNING after {timeout:.0f}s")


def _complete(http: httpx.Client, task: dict[str, object], output: dict[str, object],
              deadline: float) -> None:
    result = {"workflowInstanceId": task["workflowInstanceId"], "taskId": task["taskId"],
              "status": "COMPLETED", "outputData": output}
    while True:
        answer = http.post("/api/tasks", json=result)
        if answer.status_code < 500 or time.monotonic() > deadline:
            answer.raise_for_status()
            return
        time.sleep(0.5)


class Poller:
    """A real worker for one task type: a thread polling the server, as an SDK worker
    does, until the ``with`` block ends. It takes no task (no workflow schedules one)."""

    def __init__(self, base_url: str, task_type: str, interval: float = 0.2) -> None:
        self.base_url, self.task_type, self.interval = base_url, task_type, interval
        self.polls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as http:
            while not self._stop.is_set():
                http.get(f"/api/tasks/poll/{self.task_type}", params={"workerid": "poller"})
                self.polls += 1
                self._stop.wait(self.interval)

    def wait_for_polls(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.polls < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.task_type}: {self.polls} poll(s) in {timeout}s")
            time.sleep(0.05)
