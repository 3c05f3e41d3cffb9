"""The Conductor client's behaviour under faults, over httpx.MockTransport: what is
retried and what is not, how it gives up, bulk errors, auth, and that no credential
reaches a log line."""

from __future__ import annotations

import io
import json
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from workflow_migrator import (
    ConductorClient,
    Reporter,
    RetryPolicy,
    ServerRejectedError,
    ServerUnavailableError,
    deploy,
)
from workflow_migrator._http import no_tls_context

BASE = "http://conductor.test"
NO_WAIT = RetryPolicy(attempts=3, initial_wait=0, max_wait=0)
TOKEN = "tok-3f9a1c-never-log-me"
KEY, SECRET = "key-1234", "secret-5678-never-log-me"

Handler = Callable[[httpx.Request], httpx.Response]


class Server:
    """A scripted server: answers from ``answers`` in turn (the last one repeats), and
    keeps every request it was sent."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def client_for(handler: Handler, retry: RetryPolicy = NO_WAIT, **kwargs: Any) -> ConductorClient:
    return ConductorClient(BASE, retry=retry, transport=httpx.MockTransport(handler), **kwargs)


def test_retries_5xx_until_the_server_answers() -> None:
    server = Server(httpx.Response(503), httpx.Response(500), httpx.Response(200, json=[]))
    with client_for(server) as client:
        assert client.list_task_defs() == []
    assert len(server.seen) == 3
    assert [r.status for r in client.requests] == [503, 500, 200]


def test_retries_connection_errors_and_timeouts() -> None:
    server = Server(httpx.ConnectError("connection refused"), httpx.ReadTimeout("timed out"),
                    httpx.Response(200, json=[{"name": "w", "version": 1}]))
    with client_for(server) as client:
        assert client.list_workflow_defs() == [{"name": "w", "version": 1}]
    assert len(server.seen) == 3
    assert [r.status for r in client.requests] == [None, None, 200]


def test_gives_up_after_the_policys_attempts_naming_method_url_and_status() -> None:
    server = Server(httpx.Response(503, json={"message": "Service Unavailable"}))
    with client_for(server, RetryPolicy(attempts=4, initial_wait=0, max_wait=0)) as client:
        with pytest.raises(ServerUnavailableError) as caught:
            client.upsert_workflow_defs([{"name": "w", "version": 1}])
    assert len(server.seen) == 4
    error = caught.value
    assert (error.method, error.url, error.status) == ("PUT", f"{BASE}/api/metadata/workflow", 503)
    assert str(error) == (f"PUT {BASE}/api/metadata/workflow -> 503: Service Unavailable "
                          "(after 4 attempts)")


def test_gives_up_on_a_server_that_never_answers() -> None:
    server = Server(httpx.ConnectError("[Errno 111] Connection refused"))
    with client_for(server) as client:
        with pytest.raises(ServerUnavailableError) as caught:
            client.upsert_task_defs([{"name": "t"}])
    assert len(server.seen) == 3
    assert caught.value.status is None
    assert str(caught.value) == (f"POST {BASE}/api/metadata/taskdefs: ConnectError: "
                                 "[Errno 111] Connection refused (after 3 attempts)")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_4xx_is_not_retried(status: int) -> None:
    server = Server(httpx.Response(status, json={"status": status, "message": "no"}))
    with client_for(server) as client:
        with pytest.raises(ServerRejectedError) as caught:
            client.update_task_def({"name": "t"})
    assert len(server.seen) == 1
    assert str(caught.value) == f"PUT {BASE}/api/metadata/taskdefs -> {status}: no"


def test_400_names_every_validation_error() -> None:
    server = Server(httpx.Response(400, json={
        "status": 400, "message": "Validation failed, check below errors for detail.",
        "validationErrors": [
            {"path": "updateWorkflowDef.workflowDefList[0].name",
             "message": "name cannot be empty"},
            {"path": "updateWorkflowDef.workflowDefList[1].tasks", "message": "tasks is empty"}]}))
    with client_for(server) as client:
        with pytest.raises(ServerRejectedError) as caught:
            client.upsert_workflow_defs([{"name": ""}, {"name": "w"}])
    assert len(server.seen) == 1
    assert "workflowDefList[0].name: name cannot be empty" in str(caught.value)
    assert "workflowDefList[1].tasks: tasks is empty" in str(caught.value)


def test_bulk_put_answering_200_with_errors_is_a_rejection_naming_the_items() -> None:
    server = Server(httpx.Response(200, json={
        "bulkErrorResults": {"orders": "Workflow with orders.2 is locked",
                             "billing": "Invalid task reference"},
        "bulkSuccessfulResults": ["shipping"]}))
    with client_for(server) as client:
        with pytest.raises(ServerRejectedError) as caught:
            client.upsert_workflow_defs([{"name": n, "version": 2}
                                         for n in ("orders", "billing", "shipping")])
    assert len(server.seen) == 1
    message = str(caught.value)
    assert message.startswith(f"PUT {BASE}/api/metadata/workflow -> 200: the server refused 2 ")
    assert "orders: Workflow with orders.2 is locked" in message
    assert "billing: Invalid task reference" in message
    assert "shipping" not in message


def test_bulk_put_without_errors_succeeds() -> None:
    server = Server(httpx.Response(200, json={"bulkErrorResults": {},
                                              "bulkSuccessfulResults": ["orders"]}))
    with client_for(server) as client:
        client.upsert_workflow_defs([{"name": "orders", "version": 1}])
    assert json.loads(server.seen[0].content) == [{"name": "orders", "version": 1}]


def test_deleting_what_is_already_gone_succeeds() -> None:
    server = Server(httpx.Response(404, json={"message": "No such workflow definition"}))
    with client_for(server) as client:
        client.delete_workflow_def("orders", 3)
        client.delete_task_def("a task/with slashes")
    assert [(r.method, r.url.raw_path) for r in server.seen] == [
        ("DELETE", b"/api/metadata/workflow/orders/3"),
        ("DELETE", b"/api/metadata/taskdefs/a%20task%2Fwith%20slashes")]
    assert client.write_count == 2


@pytest.mark.parametrize("message", ["No such workflow definition: orders version: 3",
                                     "No such task definition",
                                     "Cannot remove the task - no such task definition"])
def test_deleting_what_is_gone_succeeds_when_the_server_says_so_with_a_500(message: str) -> None:
    """Conductor 3.32's embedded storage answers 500, not 404, to deleting what is gone."""
    server = Server(httpx.Response(500, json={"status": 500, "message": message,
                                              "retryable": False}))
    with client_for(server) as client:
        client.delete_workflow_def("orders", 3)
    assert len(server.seen) == 1  # not retried


def test_a_delete_failing_with_another_500_is_retried_and_fails() -> None:
    server = Server(httpx.Response(500, json={"message": "database is locked"}))
    with client_for(server) as client:
        with pytest.raises(ServerUnavailableError, match="database is locked"):
            client.delete_task_def("t")
    assert len(server.seen) == 3


def test_a_500_from_the_servers_json_parser_is_a_refusal_not_retried() -> None:
    """The same body would be refused again: reported as the server's refusal, with its
    message, after one attempt (not five, ending in "server unavailable")."""
    message = ("JSON parse error: Cannot deserialize value of type `SchemaDef$Type` from "
               "String \"json\": not one of the values accepted for Enum class: [JSON]")
    server = Server(httpx.Response(500, json={"status": 500, "message": message,
                                              "retryable": False}))
    with client_for(server) as client:
        with pytest.raises(ServerRejectedError, match="JSON parse error") as refused:
            client.update_task_def({"name": "t", "inputSchema": {"type": "json"}})
    assert len(server.seen) == 1
    assert refused.value.status == 500


def test_a_500_saying_no_such_is_still_an_error_for_other_requests() -> None:
    server = Server(httpx.Response(500, json={"message": "No such task definition"}))
    with client_for(server) as client:
        with pytest.raises(ServerUnavailableError):
            client.update_task_def({"name": "t"})
    assert len(server.seen) == 3


def test_the_request_log_counts_validation_and_token_posts_as_reads() -> None:
    server = Server(httpx.Response(200, json={"token": TOKEN}))
    with client_for(server) as client:
        assert client.validate_workflow_def({"name": "w"}) == []
        client.upsert_task_defs([{"name": "t"}])
    assert [r.is_write for r in client.requests] == [False, True]
    assert client.write_count == 1


def test_a_bearer_token_is_sent_as_x_authorization() -> None:
    server = Server(httpx.Response(200, json=[]))
    with client_for(server, auth_token=TOKEN) as client:
        client.list_task_defs()
        client.list_workflow_defs()
    assert [r.headers.get("X-Authorization") for r in server.seen] == [TOKEN, TOKEN]
    assert all("Authorization" not in r.headers for r in server.seen)


def test_key_and_secret_are_exchanged_at_api_token_once_ready() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/token":
            assert json.loads(request.content) == {"keyId": KEY, "keySecret": SECRET}
            return httpx.Response(200, json={"token": TOKEN})
        if request.url.path == "/health":
            return httpx.Response(200, json={"healthy": True})
        return httpx.Response(200, json=[])

    seen: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    with client_for(recording, auth_key=KEY, auth_secret=SECRET) as client:
        client.wait_until_ready(5)
        client.list_task_defs()
    assert [(r.method, r.url.path) for r in seen] == [
        ("GET", "/health"), ("POST", "/api/token"), ("GET", "/api/metadata/taskdefs")]
    assert seen[-1].headers["X-Authorization"] == TOKEN
    assert "X-Authorization" not in seen[0].headers


def test_a_refused_key_exchange_is_an_error_without_the_secret() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/token":
            return httpx.Response(401, json={"message": "invalid credentials"})
        return httpx.Response(200, json={"healthy": True})

    with client_for(handler, auth_key=KEY, auth_secret=SECRET) as client:
        client.wait_until_ready(5)  # waiting needs no credentials
        with pytest.raises(ServerRejectedError) as caught:
            client.list_task_defs()
    assert str(caught.value) == f"POST {BASE}/api/token -> 401: invalid credentials"
    assert SECRET not in str(caught.value)


def test_an_expired_token_is_exchanged_again_and_the_request_sent_once_more() -> None:
    tokens = iter(["first-token", "second-token"])
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers.get("X-Authorization")))
        if request.url.path == "/api/token":
            return httpx.Response(200, json={"token": next(tokens)})
        if request.headers.get("X-Authorization") == "first-token" and len(seen) > 2:
            return httpx.Response(401, json={"message": "token expired"})
        return httpx.Response(200, json=[{"name": "t"}])

    with client_for(handler, auth_key=KEY, auth_secret=SECRET) as client:
        assert client.list_task_defs() == [{"name": "t"}]
        assert client.list_task_defs() == [{"name": "t"}]
        assert client.list_task_defs() == [{"name": "t"}]
    assert seen == [
        ("/api/token", None), ("/api/metadata/taskdefs", "first-token"),
        ("/api/metadata/taskdefs", "first-token"),  # expired: 401
        ("/api/token", None), ("/api/metadata/taskdefs", "second-token"),
        ("/api/metadata/taskdefs", "second-token")]


def test_waiting_for_the_server_times_out_with_method_and_url() -> None:
    server = Server(httpx.ConnectError("connection refused"))
    with client_for(server) as client:
        with pytest.raises(ServerUnavailableError) as caught:
            client.wait_until_ready(0)
    assert str(caught.value) == (f"GET {BASE}/health: server not ready after 0s "
                                 "(ConnectError: connection refused)")


def test_waiting_reports_progress_then_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("workflow_migrator._client.time.sleep", lambda seconds: None)
    server = Server(httpx.ConnectError("connection refused"), httpx.Response(503),
                    httpx.Response(200, json={"healthy": True}))
    progress: list[str] = []
    with client_for(server) as client:
        client.wait_until_ready(300, on_wait=progress.append)
    assert len(server.seen) == 3
    assert "ConnectError: connection refused" in progress[0]
    assert "health answered 503" in progress[1]
    assert all(p.startswith(f"waiting for {BASE}: ") for p in progress)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_token_or_secret_ever_reaches_the_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                 log_format: str) -> None:
    monkeypatch.setattr("workflow_migrator._client.time.sleep", lambda seconds: None)
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.json").write_text(json.dumps({"name": "t", "description": "x"}))
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "w.json").write_text(json.dumps({
        "name": "w", "tasks": [{"name": "t", "taskReferenceName": "t", "type": "SIMPLE"}]}))
    health = iter([httpx.Response(503), httpx.Response(200, json={"healthy": True})])
    headers_seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        headers_seen.append(request.headers.get("X-Authorization"))
        if request.url.path == "/health":
            return next(health)
        if request.url.path == "/api/token":
            return httpx.Response(200, json={"token": TOKEN})
        if request.method == "GET":
            return httpx.Response(200, json=[])
        if request.url.path == "/api/metadata/workflow":
            return httpx.Response(200, json={"bulkErrorResults": {},
                                             "bulkSuccessfulResults": ["w"]})
        return httpx.Response(200)

    out, err = io.StringIO(), io.StringIO()
    reporter = Reporter("prod", log_format, out=out, err=err)  # type: ignore[arg-type]
    with client_for(handler, auth_key=KEY, auth_secret=SECRET) as client:
        plan, result = deploy(tmp_path, client, wait_timeout=60, reporter=reporter)
    assert result.created == 2
    assert TOKEN in headers_seen  # the token was used...
    logged = out.getvalue() + err.getvalue()
    assert "waiting for" in logged and "workflow w v1" in logged  # ...and there were logs
    for credential in (TOKEN, SECRET, KEY):
        assert credential not in logged


def test_a_health_check_never_outlasts_the_wait_timeout() -> None:
    """A server that accepts connections but never answers must not hold one poll for the
    whole request timeout (30 s) when the wait timeout is shorter."""
    server = Server(httpx.Response(200, json={"healthy": True}), httpx.Response(200, json=[]))
    with client_for(server) as client:
        client.wait_until_ready(2)
        client.list_task_defs()
    assert client.timeout == 30.0
    assert 0 < server.seen[0].extensions["timeout"]["read"] <= 2
    assert server.seen[1].extensions["timeout"]["read"] == 30.0


def test_a_client_of_a_plain_http_server_builds_no_tls_context_but_one_of_https_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[dict[str, Any]] = []
    real = ssl.create_default_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        built.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counting)
    with ConductorClient("http://127.0.0.1:9"):
        assert built == []
    with ConductorClient("https://127.0.0.1:9"):
        assert len(built) == 1  # verified against the certificate authorities


def test_the_context_of_a_plain_http_client_refuses_every_tls_server() -> None:
    """Should a plain-http client ever reach a TLS server, it fails, never unverified."""
    context = no_tls_context()

    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert context.get_ca_certs() == []
