"""How the migrator proves who it is to a secured Conductor server, as ``httpx.Auth``.

- ``TokenAuth``: a token given as it is (``CONDUCTOR_AUTH_TOKEN``), sent as
  ``X-Authorization`` (Conductor's header, not ``Authorization``).
- ``KeySecretAuth``: an Orkes application key and secret, exchanged at ``POST /api/token``
  for a token on the first request that needs one, and exchanged again when the server
  answers 401 (the token expired): the request is then sent once more with the new one.

The health check is sent without authentication, so waiting for a server that is still
starting never depends on the credentials.
"""

from __future__ import annotations

import threading
from collections.abc import Generator

import httpx

from workflow_migrator._exceptions import ServerRejectedError, ServerUnavailableError

HEADER = "X-Authorization"
TOKEN_PATH = "/api/token"


class TokenAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[HEADER] = self._token
        yield request


class KeySecretAuth(httpx.Auth):
    requires_response_body = True

    def __init__(self, key: str, secret: str) -> None:
        self._key = key
        self._secret = secret
        self._token: str | None = None
        self._lock = threading.Lock()  # the client lists tasks and workflows in parallel

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._token
        if token is None:
            token = self._store(request, (yield self._exchange(request)))
        request.headers[HEADER] = token
        response = yield request
        if response.status_code == 401:
            request.headers[HEADER] = self._store(request, (yield self._exchange(request)))
            yield request

    def _exchange(self, request: httpx.Request) -> httpx.Request:
        return httpx.Request("POST", request.url.copy_with(path=TOKEN_PATH, query=None),
                             json={"keyId": self._key, "keySecret": self._secret},
                             headers={"Accept": "application/json"})

    def _store(self, request: httpx.Request, answer: httpx.Response) -> str:
        """The token of the exchange's answer, kept for the next requests."""
        url = str(request.url.copy_with(path=TOKEN_PATH, query=None))
        if answer.status_code >= 400:
            message = _message(answer)
            error = ServerUnavailableError if answer.status_code >= 500 else ServerRejectedError
            raise error(message, method="POST", url=url, status=answer.status_code)
        try:
            token = answer.json().get("token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise ServerRejectedError("the answer holds no token", method="POST", url=url,
                                      status=answer.status_code)
        with self._lock:
            self._token = token
        return token


def _message(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.reason_phrase
    return str(body.get("message")) if isinstance(body, dict) and body.get("message") \
        else answer.reason_phrase
