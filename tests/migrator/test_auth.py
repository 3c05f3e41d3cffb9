"""``_auth.py``: how the migrator proves who it is, each scheme on its own over
``httpx.MockTransport`` (the client's tests show them in use against the client)."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from workflow_migrator import ServerRejectedError, ServerUnavailableError
from workflow_migrator._auth import HEADER, TOKEN_PATH, KeySecretAuth, TokenAuth


class Server:
    """Answers the token exchange with ``tokens`` in turn; any other request is accepted
    while it carries the token ``valid`` names (else 401)."""

    def __init__(self, *tokens: httpx.Response, valid: tuple[str, ...] = ("t1",)) -> None:
        self.tokens = list(tokens)
        self.valid = valid
        self.seen: list[tuple[str, str, str | None]] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.seen.append((request.method, request.url.path, request.headers.get(HEADER)))
            if request.url.path == TOKEN_PATH:
                assert json.loads(request.content) == {"keyId": "key", "keySecret": "s3cret"}
                assert request.url.query == b""
                return self.tokens.pop(0)
        return httpx.Response(200 if request.headers.get(HEADER) in self.valid else 401)


def _client(server: Server, auth: httpx.Auth) -> httpx.Client:
    return httpx.Client(base_url="http://conductor.test", auth=auth,
                        transport=httpx.MockTransport(server))


def test_a_token_is_sent_as_it_is_in_conductor_s_header() -> None:
    server = Server(valid=("tok",))
    with _client(server, TokenAuth("tok")) as client:
        assert client.get("/api/metadata/taskdefs").status_code == 200
    assert server.seen == [("GET", "/api/metadata/taskdefs", "tok")]


def test_key_and_secret_are_exchanged_once_for_a_token_that_is_kept() -> None:
    server = Server(httpx.Response(200, json={"token": "t1"}))
    with _client(server, KeySecretAuth("key", "s3cret")) as client:
        assert client.get("/api/metadata/workflow?x=1").status_code == 200
        assert client.get("/api/metadata/taskdefs").status_code == 200
    assert server.seen == [("POST", TOKEN_PATH, None), ("GET", "/api/metadata/workflow", "t1"),
                           ("GET", "/api/metadata/taskdefs", "t1")]


def test_an_expired_token_is_exchanged_again_and_the_request_sent_once_more() -> None:
    server = Server(httpx.Response(200, json={"token": "old"}),
                    httpx.Response(200, json={"token": "t1"}))
    with _client(server, KeySecretAuth("key", "s3cret")) as client:
        assert client.get("/api/metadata/taskdefs").status_code == 200
    assert server.seen == [("POST", TOKEN_PATH, None), ("GET", "/api/metadata/taskdefs", "old"),
                           ("POST", TOKEN_PATH, None), ("GET", "/api/metadata/taskdefs", "t1")]


@pytest.mark.parametrize(("answer", "error", "message"), [
    (httpx.Response(401, json={"message": "bad key"}), ServerRejectedError, "bad key"),
    (httpx.Response(403, text="<html>no</html>"), ServerRejectedError, "Forbidden"),
    (httpx.Response(503, json={"message": "starting"}), ServerUnavailableError, "starting"),
    (httpx.Response(200, json={"nothing": 1}), ServerRejectedError, "holds no token"),
    (httpx.Response(200, text="not json"), ServerRejectedError, "holds no token"),
    (httpx.Response(200, json={"token": ""}), ServerRejectedError, "holds no token"),
])
def test_a_failed_exchange_says_which_request_failed_and_why(
        answer: httpx.Response, error: type[Exception], message: str) -> None:
    server = Server(answer)
    with _client(server, KeySecretAuth("key", "s3cret")) as client, \
            pytest.raises(error) as raised:
        client.get("/api/metadata/taskdefs")
    assert message in str(raised.value)
    assert f"POST http://conductor.test{TOKEN_PATH}" in str(raised.value)
    assert "s3cret" not in str(raised.value)
    assert [path for _, path, _ in server.seen] == [TOKEN_PATH]  # nothing sent without one
