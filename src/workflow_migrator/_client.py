"""The Conductor metadata API, over HTTP, with retries and a log of every request.

Definitions are sent and received as raw JSON objects; every answer is checked against
the shape expected of it (``_answers.py``) before it leaves the client, and one of the
wrong shape, or not JSON at all, is an ``UnexpectedAnswerError``. Every request is
idempotent (task definitions are upserted, workflows are upserted by name and
version, deletes of what is already gone succeed), so every request is retried on
connection errors, timeouts and 5xx answers. The transport is injectable, so
tests can put a fake or a fault-injecting one in front of a real server.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import tenacity

from workflow_migrator import _answers as shapes
from workflow_migrator._auth import KeySecretAuth, TokenAuth
from workflow_migrator._exceptions import (
    ConductorError,
    InvalidURLError,
    ServerRejectedError,
    ServerUnavailableError,
    UnexpectedAnswerError,
)
from workflow_migrator._models import JSONObject

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})
READ_ONLY_POSTS = ("/api/metadata/workflow/validate", "/api/token")


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up on one request."""

    attempts: int = 5
    initial_wait: float = 0.5
    max_wait: float = 8.0


@dataclasses.dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    status: int | None

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS and not self.path.startswith(READ_ONLY_POSTS)


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        self.response = response


def root_url(base_url: str) -> str:
    """The server's root URL, whether ``base_url`` ends with ``/api`` (and ``/``) or not.

    :raises InvalidURLError: when it is not an http(s) URL with a host (and a valid port):
        such a URL can never answer, so it fails at once rather than after every retry.
    """
    _check_url(base_url.strip())
    url = base_url.strip().rstrip("/")
    return url[: -len("/api")] if url.endswith("/api") else url


def _check_url(url: str) -> None:
    def invalid(problem: str) -> InvalidURLError:
        # Credentials written into the URL (user:password@) are not repeated back.
        shown = re.sub(r"(?<=//)[^/@\s]*@", "***@", url)
        return InvalidURLError(f"{shown!r} {problem}")

    if any(char.isspace() for char in url):
        raise invalid("contains a space or another blank")
    if "://" not in url:
        raise invalid(f"has no scheme: write it as http://{url} (or https://)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise invalid("must start with http:// or https://")
    try:
        port = parts.port
    except ValueError:
        raise invalid("has an invalid port: a number from 1 to 65535") from None
    if port == 0:
        raise invalid("has an invalid port: a number from 1 to 65535")
    if not parts.hostname:
        raise invalid("has no host: write it as http://HOST:PORT")


class ConductorClient:
    """A Conductor server's metadata API."""

    def __init__(
        self,
        base_url: str,
        *,
        auth_token: str | None = None,
        auth_key: str | None = None,
        auth_secret: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = RetryPolicy(),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = root_url(base_url)
        self.retry = retry
        self.timeout = timeout
        self.requests: list[RequestRecord] = []
        auth: httpx.Auth | None = None
        if auth_token:
            auth = TokenAuth(auth_token)
        elif auth_key and auth_secret:
            auth = KeySecretAuth(auth_key, auth_secret)
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport,
                                  headers={"Accept": "application/json"}, auth=auth)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ConductorClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def write_count(self) -> int:
        return sum(1 for record in self.requests if record.is_write)

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

    def create_task_defs(self, task_defs: list[JSONObject]) -> None:
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

    # -- plumbing ------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError:
            self.requests.append(RequestRecord(method, path, None))
            raise
        self.requests.append(RequestRecord(method, path, response.status_code))
        return response

    def _request(self, method: str, path: str, *, missing_ok: bool = False,
                 retry_server_errors: bool = True, text: bool = False,
                 shape: shapes.Shape | None = None, **kwargs: Any) -> Any:
        """Sends one request, with retries; returns its answer, decoded and checked:
        JSON of ``shape`` (None for an empty body where the shape allows one), or with
        ``text`` the one-line text answer (an id)."""
        url = f"{self.base_url}{path}"

        def attempt() -> httpx.Response:
            response = self._send(method, path, **kwargs)
            if missing_ok and _is_missing(response):
                return response
            if response.status_code >= 500 and retry_server_errors:
                raise _RetryableStatus(response)
            return response

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.retry.attempts),
            wait=tenacity.wait_exponential(multiplier=self.retry.initial_wait,
                                           max=self.retry.max_wait),
            retry=tenacity.retry_if_exception_type((httpx.TransportError, _RetryableStatus)),
            reraise=True,
        )
        try:
            response = retrying(attempt)
        except _RetryableStatus as exc:
            raise ServerUnavailableError(
                f"{shapes.error_message(exc.response)} (after {self.retry.attempts} attempts)",
                method=method, url=url, status=exc.response.status_code) from None
        except httpx.TransportError as exc:
            raise ServerUnavailableError(
                f"{type(exc).__name__}: {exc or 'no answer'} "
                f"(after {self.retry.attempts} attempts)",
                method=method, url=url) from exc
        if missing_ok and _is_missing(response):
            return None
        if response.status_code >= 400:
            messages = shapes.validation_messages(response) or [shapes.error_message(response)]
            raise ServerRejectedError("; ".join(messages), messages=messages, method=method,
                                      url=url, status=response.status_code)
        def unexpected(expected: str, got: str) -> UnexpectedAnswerError:
            return UnexpectedAnswerError(f"expected {expected}, got {got}", method=method,
                                         url=url, status=response.status_code)

        if text:  # an answer in plain text: a started workflow's id, an updated task's id
            answer = response.text.strip().strip('"')
            if not answer or any(c.isspace() or c in "<>{}" for c in answer):
                raise unexpected("an id (one word of text)",
                                 shapes.describe_body(response.text, shapes.content_type(response)))
            return answer
        if not response.content.strip():
            if shape is None or shape.empty_ok:
                return None
            raise unexpected(shape.expected, "an empty body")
        expected = shape.expected if shape else "JSON"
        try:
            answer = response.json()
        except ValueError as exc:
            if response.text.lstrip()[:1] in ("{", "["):
                raise unexpected(expected, f"JSON cut short or malformed ({exc})") from None
            raise unexpected(expected, shapes.describe_body(
                response.text, shapes.content_type(response))) from None
        problem = shape.problem(answer) if shape else ""
        if problem:
            raise UnexpectedAnswerError(
                f"expected {shape.expected if shape else expected}"
                f"{', ' if problem.startswith('got ') else ': '}{problem}",
                method=method, url=url, status=response.status_code)
        return answer


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


def _is_missing(response: httpx.Response) -> bool:
    """Whether the answer says the thing is not there: a 404, or the 500 that some
    Conductor storage backends (3.32's embedded SQLite) answer to deleting what is gone,
    "No such workflow definition: ..." / "No such task definition" / "EventHandler with
    name x not found!"."""
    if response.status_code == 404:
        return True
    if response.status_code != 500:
        return False
    message = shapes.error_message(response).lower()
    return "no such " in message or message.endswith("not found!")
