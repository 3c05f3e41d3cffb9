"""One request to a Conductor server, sent, retried, logged and its answer checked.

The base URL is checked once, up front. Every request the client sends is idempotent (task
definitions are upserted, workflows are upserted by name and version, deletes of what is
already gone succeed), so it is retried on connection errors, timeouts and 5xx answers,
unless the caller says otherwise. Every answer is checked against the shape expected of it
(``_answers.py``) before it is returned, and one of the wrong shape, or not JSON at all, is
an ``UnexpectedAnswerError``. The transport is injectable, so tests can put a fake or a
fault-injecting one in front of a real server.

``HttpSession`` is the base of ``ConductorClient`` (``_client.py``), which says which
requests the API offers; this module says how one is made.
"""

from __future__ import annotations

import dataclasses
import re
import ssl
from typing import Any, Self
from urllib.parse import urlsplit

import httpx
import tenacity

from workflow_migrator import _answers as shapes
from workflow_migrator._auth import KeySecretAuth, TokenAuth
from workflow_migrator._exceptions import (
    InvalidURLError,
    ServerRejectedError,
    ServerUnavailableError,
    UnexpectedAnswerError,
)

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})
READ_ONLY_POSTS = ("/api/metadata/workflow/validate", "/api/token")
#: How both servers (3.15.0 and 3.32.3) begin the message of a body their parser refuses.
PARSE_ERROR_PREFIX = "JSON parse error"


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


def no_tls_context() -> ssl.SSLContext:
    """A TLS context that verifies certificates and host names but trusts no authority:
    built in a fraction of a millisecond, and any TLS connection made with it fails, so
    one can never go unverified."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class HttpSession:
    """A Conductor server's HTTP API: sends requests, with retries, and keeps a log of them."""

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
        # Loading the certificate authorities costs 30 ms of every start. A client of an
        # http:// server never needs them: it follows no redirect, and every request goes
        # to its base URL (a proxy's own TLS is verified by httpcore's default context).
        verify: ssl.SSLContext | bool = (
            no_tls_context() if urlsplit(self.base_url).scheme == "http" else True)
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport,
                                  headers={"Accept": "application/json"}, auth=auth,
                                  verify=verify)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def write_count(self) -> int:
        return sum(1 for record in self.requests if record.is_write)

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
            if response.status_code >= 500 and retry_server_errors \
                    and not _is_parse_refusal(response):
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


def _is_parse_refusal(response: httpx.Response) -> bool:
    """Whether a 500 is the server's JSON parser refusing the body (Conductor answers
    Spring's HttpMessageNotReadableException with a 500, "JSON parse error: ..."): the
    same body would be refused again, so it is a refusal to report, not an outage to
    wait out."""
    return response.status_code == 500 and \
        shapes.error_message(response).startswith(PARSE_ERROR_PREFIX)


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
