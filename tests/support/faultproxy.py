"""A fault-injecting HTTP proxy for tests: it sits on 127.0.0.1 in front of a real
server and, when told to, answers an error status or a crafted body, delays, stalls, or drops the
connection, before or after the request reached the server. It counts every
request it sees by method and path.

    with FaultProxy("http://127.0.0.1:8080") as proxy:
        proxy.fail(3, method="PUT", path="/api/metadata/workflow")   # next 3 get 503
        proxy.fail(None, method="PUT", containing='"name":"task_7"') # every PUT naming it
        proxy.delay(0.5, path="/api/metadata/*")                      # every match, +0.5 s
        stall = proxy.stall(method="PUT", path="/api/metadata/workflow", after_forward=True)
        ...                                    # stall.entered.wait(); stall.release()
        gate = proxy.hold(method="POST")       # held until gate.release(), then forwarded
        proxy.answer("<html>...</html>", path="/api/event", content_type="text/html")
        proxy.count("PUT", "/api/metadata/workflow")

Rules match on the method, on the path (query string excluded) as an fnmatch
pattern, and on a text the request's body contains; the first rule that matches and has
uses left applies, and ``count=None`` means forever. Standard library only.
"""

from __future__ import annotations

import collections
import dataclasses
import fnmatch
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import urlsplit

Action = Literal["status", "delay", "drop", "stall", "hold", "answer"]

#: Headers that describe one hop, not the message; never forwarded.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                        "te", "trailer", "upgrade", "content-length", "host"})

#: The longest a stalled request is held before its connection is dropped anyway.
MAX_STALL_SECONDS = 60.0


@dataclasses.dataclass
class Rule:
    """One fault: what to do to the requests it matches, and how many more times."""

    action: Action
    method: str | None = None
    path: str = "*"
    count: int | None = 1
    #: a text the request's body must contain
    containing: str | None = None
    status: int = 503
    seconds: float = 0.0
    after_forward: bool = False
    body: bytes = b""
    content_type: str = "application/json"
    entered: threading.Event = dataclasses.field(default_factory=threading.Event)
    released: threading.Event = dataclasses.field(default_factory=threading.Event)

    def matches(self, method: str, path: str, request_body: bytes = b"") -> bool:
        return ((self.method is None or self.method == method)
                and fnmatch.fnmatchcase(path, self.path)
                and (self.containing is None or self.containing.encode() in request_body))

    def release(self) -> None:
        """Lets a stalled request go on (its connection is then dropped)."""
        self.released.set()


class FaultProxy:
    """A threaded HTTP/1.1 proxy to ``upstream`` with programmable faults."""

    def __init__(self, upstream: str, port: int = 0, upstream_timeout: float = 60.0) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.upstream_timeout = upstream_timeout
        self.port = port
        self.counts: collections.Counter[tuple[str, str]] = collections.Counter()
        #: requests the server answered, counted once its answer is in hand
        self.answered: collections.Counter[tuple[str, str]] = collections.Counter()
        #: every request's method, path and body, in the order they came
        self.requests: list[tuple[str, str, bytes]] = []
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.proxy = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"faultproxy-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            for rule in self._rules:
                rule.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- faults --------------------------------------------------------------------------

    def fail(self, count: int | None = 1, *, status: int = 503, method: str | None = None,
             path: str = "*", containing: str | None = None) -> Rule:
        """Answers ``status`` (without forwarding) to the next ``count`` matching requests;
        with ``containing``, only to those whose body contains that text (one definition
        among requests sent at once, whatever their order)."""
        return self._add(Rule("status", method, path, count, status=status,
                              containing=containing))

    def delay(self, seconds: float, *, count: int | None = None, method: str | None = None,
              path: str = "*") -> Rule:
        """Holds matching requests ``seconds`` before forwarding them."""
        return self._add(Rule("delay", method, path, count, seconds=seconds))

    def drop(self, count: int | None = 1, *, method: str | None = None, path: str = "*",
             after_forward: bool = False) -> Rule:
        """Closes the connection without an answer; ``after_forward`` lets the server
        carry the request out first, so only the answer is lost."""
        return self._add(Rule("drop", method, path, count, after_forward=after_forward))

    def stall(self, *, method: str | None = None, path: str = "*", count: int | None = 1,
              after_forward: bool = False) -> Rule:
        """Holds matching requests until ``rule.release()`` (at most MAX_STALL_SECONDS),
        then drops the connection; ``rule.entered`` is set when one arrives."""
        return self._add(Rule("stall", method, path, count, after_forward=after_forward))

    def answer(self, body: str | bytes, *, status: int = 200,
               content_type: str = "application/json", method: str | None = None,
               path: str = "*", count: int | None = None) -> Rule:
        """Answers ``body`` with ``status`` (without forwarding) to matching requests:
        a server, or something in front of it, that answers nonsense."""
        payload = body.encode() if isinstance(body, str) else body
        return self._add(Rule("answer", method, path, count, status=status, body=payload,
                              content_type=content_type))

    def hold(self, *, method: str | None = None, path: str = "*",
             count: int | None = None, containing: str | None = None) -> Rule:
        """Holds matching requests until ``rule.release()`` (at most MAX_STALL_SECONDS),
        then forwards them: a gate, to line up concurrent clients."""
        return self._add(Rule("hold", method, path, count, containing=containing))

    def clear(self) -> None:
        """Removes every rule, releasing stalled requests."""
        with self._lock:
            for rule in self._rules:
                rule.release()
            self._rules.clear()

    def count(self, method: str | None = None, path: str = "*", *,
              answered: bool = False, containing: str | None = None) -> int:
        """How many requests matched ``method`` and the ``path`` pattern; with ``answered``,
        only those the server has already answered (its answer reflects its state then);
        with ``containing``, only those whose body contains that text."""
        if containing is not None:
            like = Rule("hold", method, path, containing=containing)
            with self._lock:
                return sum(1 for m, p, body in self.requests if like.matches(m, p, body))
        counts = self.answered if answered else self.counts
        with self._lock:
            return sum(n for (m, p), n in counts.items()
                       if (method is None or m == method) and fnmatch.fnmatchcase(p, path))

    # -- used by the handler -------------------------------------------------------------

    def _add(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def _record(self, method: str, path: str, body: bytes) -> list[Rule]:
        """Logs one request and takes a use of every rule that applies to it: all matching
        delays, plus the first matching status, drop or stall."""
        applied: list[Rule] = []
        with self._lock:
            self.counts[(method, path)] += 1
            self.requests.append((method, path, body))
            terminal_taken = False
            for rule in self._rules:
                if not rule.matches(method, path, body) or rule.count == 0:
                    continue
                if rule.action != "delay":
                    if terminal_taken:
                        continue
                    terminal_taken = True
                if rule.count is not None:
                    rule.count -= 1
                applied.append(rule)
        return applied


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: FaultProxy


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        """Quiet: the counts say what happened."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _handle(self) -> None:
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        rules = proxy._record(self.command, path, body)
        for rule in rules:
            if rule.action == "delay":
                time.sleep(rule.seconds)
        fault = next((r for r in rules if r.action != "delay"), None)
        if fault is not None and fault.action == "hold":
            fault.entered.set()
            fault.released.wait(MAX_STALL_SECONDS)
            fault = None
        if fault is not None and fault.action == "status":
            self._answer_error(fault.status)
            return
        if fault is not None and fault.action == "answer":
            self._send(fault.status, fault.content_type, fault.body)
            return
        if fault is not None and not fault.after_forward:
            self._drop(fault)
            return
        try:
            status, headers, payload = self._forward(body)
        except OSError as exc:
            self._answer_error(502, f"faultproxy: upstream failed: {exc}")
            return
        with proxy._lock:
            proxy.answered[(self.command, path)] += 1
        if fault is not None:
            self._drop(fault)
            return
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        proxy = self.server.proxy
        connection = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port,
                                                timeout=proxy.upstream_timeout)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _answer_error(self, status: int, message: str | None = None) -> None:
        payload = json.dumps({"status": status, "retryable": status >= 500,
                              "message": message or f"faultproxy: injected {status}"}).encode()
        self._send(status, "application/json", payload)

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _drop(self, rule: Rule) -> None:
        if rule.action == "stall":
            rule.entered.set()
            rule.released.wait(MAX_STALL_SECONDS)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def iter_counts(proxy: FaultProxy) -> Iterator[str]:
    """The proxy's counts as ``METHOD path: n`` lines, for assertion messages."""
    for (method, path), n in sorted(proxy.counts.items()):
        yield f"{method} {path}: {n}"
