"""The Conductor API the migrator uses: metadata (task and workflow definitions, event
handlers), readiness and version, the workflow executions its workflow tests run, and the
read-only execution and worker queries of the impact analysis.

Definitions are sent and received as raw JSON objects. How one request is sent, retried,
logged and its answer checked against the shape expected of it is ``_http.py``'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import httpx

from workflow_migrator import _answers as shapes
from workflow_migrator._exceptions import (
    ConductorError,
    ServerRejectedError,
    ServerUnavailableError,
)
from workflow_migrator._http import HttpSession
from workflow_migrator._http import RequestRecord as RequestRecord
from workflow_migrator._http import RetryPolicy as RetryPolicy
from workflow_migrator._http import root_url as root_url
from workflow_migrator._models import JSONObject


class ConductorClient(HttpSession):
    """A Conductor server's API."""

    # -- readiness -----------------------------------------------------------------------

    def wait_until_ready(self, timeout: float,
                         on_wait: Callable[[str], None] | None = None) -> None:
        """Polls the health endpoint, with backoff, until the server answers or ``timeout``."""
        deadline = time.monotonic() + timeout
        delay = 0.5
        while True:
            # A server that accepts connections but does not answer yet must not hold a
            # poll longer than the time left.
            budget = min(max(deadline - time.monotonic(), 0.1), self.timeout)
            try:
                response = self._send("GET", "/health", timeout=budget, auth=None)
                if response.status_code == 200:
                    break
                reason = f"health answered {response.status_code}"
            except httpx.TransportError as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ServerUnavailableError(
                    f"server not ready after {timeout:.0f}s ({reason})", method="GET",
                    url=f"{self.base_url}/health")
            if on_wait:
                on_wait(f"waiting for {self.base_url}: {reason}; "
                        f"next try in {min(delay, remaining):.1f}s")
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 10.0)

    def server_version(self) -> str | None:
        """The version the server states in ``GET /api/admin/config`` (Conductor 3.15 and
        conductor-oss both state it, as ``version``); None when it does not say (a secured
        endpoint, another build). Only that key is read: the rest of the answer (the JVM's
        properties and command line) is neither kept nor shown."""
        try:
            answer = self._request("GET", "/api/admin/config", retry_server_errors=False)
        except ConductorError:
            return None
        version = answer.get("version") if isinstance(answer, dict) else None
        return version.strip() if isinstance(version, str) and version.strip() else None

    # -- metadata ------------------------------------------------------------------------

    def list_task_defs(self) -> list[JSONObject]:
        return list(self._request("GET", "/api/metadata/taskdefs", shape=shapes.TASK_DEFS) or [])

    def list_workflow_defs(self) -> list[JSONObject]:
        """Every version of every workflow."""
        return list(self._request("GET", "/api/metadata/workflow",
                                  shape=shapes.WORKFLOW_DEFS) or [])

    def list_all_defs(self) -> tuple[list[JSONObject], list[JSONObject]]:
        """Every task definition and every workflow version, asked for at once: the two
        listings are independent and the server takes most of their time."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            tasks = pool.submit(self.list_task_defs)
            workflows = pool.submit(self.list_workflow_defs)
            return tasks.result(), workflows.result()

    def upsert_task_defs(self, task_defs: list[JSONObject]) -> None:
        """Creates or replaces each task definition. Every generation stores each item
        whether it exists or not, stamping it with a new ``createTime`` (what ``PUT``
        keeps differs: 3.15 drops the ``createTime`` it is not sent, conductor-oss keeps
        it); one invalid item, and the whole list is refused (400) with nothing stored."""
        self._request("POST", "/api/metadata/taskdefs", json=task_defs)

    def update_task_def(self, task_def: JSONObject) -> None:
        self._request("PUT", "/api/metadata/taskdefs", json=task_def)

    def upsert_workflow_defs(self, workflow_defs: list[JSONObject]) -> None:
        """Creates or replaces each workflow version; the server answers 200 even when
        items fail, so the per-item errors of its answer are checked too."""
        answer = self._request("PUT", "/api/metadata/workflow", json=workflow_defs,
                               shape=shapes.BULK_RESULT)
        failed = (answer or {}).get("bulkErrorResults")
        if failed:
            details = "; ".join(f"{name}: {message}" for name, message in failed.items())
            raise ServerRejectedError(f"the server refused {len(failed)} workflow(s): {details}",
                                      method="PUT", url=f"{self.base_url}/api/metadata/workflow",
                                      status=200)

    def create_workflow_def(self, workflow_def: JSONObject) -> bool:
        """Registers one workflow version only if it does not exist yet.

        :returns: False when that name and version already exist (409), whoever wrote them.
        """
        try:
            self._request("POST", "/api/metadata/workflow", json=workflow_def)
        except ServerRejectedError as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def workflow_def(self, name: str, version: int) -> JSONObject | None:
        """One version of a workflow, or None when the server does not have it."""
        answer = self._request("GET", f"/api/metadata/workflow/{quote(name, safe='')}",
                               params={"version": version}, missing_ok=True,
                               shape=shapes.WORKFLOW_DEF)
        return dict(answer) if answer is not None else None

    def latest_workflow_def(self, name: str) -> JSONObject | None:
        """The newest version of a workflow, or None when it has none."""
        answer = self._request("GET", f"/api/metadata/workflow/{quote(name, safe='')}",
                               missing_ok=True, shape=shapes.WORKFLOW_DEF)
        return dict(answer) if answer is not None else None

    def delete_task_def(self, name: str) -> None:
        self._request("DELETE", f"/api/metadata/taskdefs/{quote(name, safe='')}", missing_ok=True)

    def delete_workflow_def(self, name: str, version: int) -> None:
        self._request("DELETE", f"/api/metadata/workflow/{quote(name, safe='')}/{version}",
                      missing_ok=True)

    def list_event_handlers(self) -> list[JSONObject]:
        """Every event handler, active or not."""
        return list(self._request("GET", "/api/event", shape=shapes.EVENT_HANDLERS) or [])

    def create_event_handler(self, handler: JSONObject) -> None:
        """Registers a new event handler; when one of that name exists already (another
        deploy, or an earlier attempt of this request whose answer was lost), replaces it.
        Conductor 3.15 says so with a 409, conductor-oss 3.32 with a 500, so a 500 is
        retried only when it says something else."""
        try:
            self._request("POST", "/api/event", json=handler, retry_server_errors=False)
            return
        except ServerRejectedError as exc:
            if not _exists(exc):
                if (exc.status or 0) < 500:
                    raise
                try:
                    self._request("POST", "/api/event", json=handler)
                    return
                except ServerRejectedError as again:
                    if not _exists(again):
                        raise
        self.update_event_handler(handler)

    def update_event_handler(self, handler: JSONObject) -> None:
        self._request("PUT", "/api/event", json=handler)

    def delete_event_handler(self, name: str) -> None:
        self._request("DELETE", f"/api/event/{quote(name, safe='')}", missing_ok=True)

    def validate_workflow_def(self, workflow_def: JSONObject) -> list[str]:
        """The server's verdict on one workflow: its error messages, empty when valid."""
        try:
            self._request("POST", "/api/metadata/workflow/validate", json=workflow_def,
                          retry_server_errors=False)
        except ServerRejectedError as exc:
            return exc.messages
        return []

    # -- running workflows (workflow tests) --------------------------------------------
    # Starting a workflow and taking a task are not idempotent: a 5xx answer may hide
    # one that happened, so these are not retried on 5xx (connection errors still are).

    def start_workflow(self, request: JSONObject) -> str:
        """Starts a workflow from a StartWorkflowRequest (which may carry its
        ``workflowDef`` inline and a ``taskToDomain`` mapping); returns its id."""
        return str(self._request("POST", "/api/workflow", json=request,
                                 retry_server_errors=False, text=True))

    def get_workflow(self, workflow_id: str) -> JSONObject:
        """An execution, with its tasks."""
        return dict(self._request("GET", f"/api/workflow/{quote(workflow_id, safe='')}",
                                  params={"includeTasks": True}, shape=shapes.EXECUTION))

    def poll_task(self, task_type: str, domain: str, worker_id: str) -> JSONObject | None:
        """Takes one scheduled task of ``task_type`` in ``domain``, as a worker does;
        None when there is none."""
        answer = self._request("GET", f"/api/tasks/poll/{quote(task_type, safe='')}",
                               params={"workerid": worker_id, "domain": domain},
                               retry_server_errors=False, shape=shapes.POLLED_TASK)
        return dict(answer) if answer is not None and answer.get("taskId") else None

    def update_task(self, result: JSONObject) -> None:
        """Reports a task's result; ``workflowInstanceId`` must be the task's own
        workflow (a sub-workflow's task belongs to the child)."""
        self._request("POST", "/api/tasks", json=result, text=True)

    def terminate_workflow(self, workflow_id: str, reason: str) -> None:
        self._request("DELETE", f"/api/workflow/{quote(workflow_id, safe='')}",
                      params={"reason": reason}, missing_ok=True, text=True)

    # -- impact analysis (plan): read-only ------------------------------------------------

    def running_ids(self, name: str) -> list[str]:
        """The ids of every RUNNING and PAUSED execution of workflow ``name``, whatever
        its version: both servers ignore the ``version`` parameter of this endpoint."""
        return list(self._request("GET", f"/api/workflow/running/{quote(name, safe='')}",
                                  shape=shapes.WORKFLOW_IDS) or [])

    def search_workflows(self, query: str, *, start: int = 0, size: int = 1000,
                         sort: str = "") -> JSONObject:
        """One page of the execution index's summaries (``totalHits``, ``results``:
        ``workflowId``, ``status``, ...) for ``query`` (``workflowType="order_flow" AND
        status="COMPLETED"``), in ``sort`` order (``startTime:DESC``). A server without an
        index (Conductor 3.15 with ``conductor.indexing.enabled=false``, as the production
        core runs) finds none. Not retried on 5xx: a plan goes on without it."""
        params: dict[str, str | int] = {"query": query, "start": start, "size": size}
        if sort:
            params["sort"] = sort
        return dict(self._request("GET", "/api/workflow/search", params=params,
                                  retry_server_errors=False, shape=shapes.SEARCH_RESULT))

    def workflow_summary(self, workflow_id: str) -> JSONObject | None:
        """An execution without its tasks; None when the server no longer has it."""
        answer = self._request("GET", f"/api/workflow/{quote(workflow_id, safe='')}",
                               params={"includeTasks": False}, missing_ok=True,
                               shape=shapes.EXECUTION_SUMMARY)
        return answer if isinstance(answer, dict) else None

    def poll_data(self) -> list[JSONObject]:
        """Every worker poll the server recorded, one entry per task queue, domain and
        worker: ``queueName``, ``domain`` (absent for the default queue), ``workerId``,
        ``lastPollTime`` (ms since the epoch, the server's clock)."""
        return list(self._request("GET", "/api/tasks/queue/polldata/all",
                                  shape=shapes.POLL_DATA) or [])


def _exists(exc: ServerRejectedError) -> bool:
    return "already exists" in str(exc)
