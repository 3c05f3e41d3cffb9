from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.support import nginx_harness as harness

TEST_PREFIX = "ui_proxy_test_"


def loopback_url(base_url: str) -> str:
    """nginx resolves names through DNS only (no /etc/hosts): give it the address."""
    return base_url.rstrip("/").replace("://localhost:", "://127.0.0.1:")


@pytest.fixture(scope="session")
def conductor_url(embedded_stack: Any) -> str:
    """The real Conductor server of the session, as http://127.0.0.1:PORT (no trailing slash)."""
    return loopback_url(embedded_stack.base_url)


@pytest.fixture(scope="session")
def seeded_workflow(conductor_url: str) -> Iterator[dict[str, Any]]:
    """One task and one workflow definition of our own, removed again at the end."""
    task = {"name": f"{TEST_PREFIX}task", "retryCount": 0, "timeoutSeconds": 60,
            "responseTimeoutSeconds": 30, "ownerEmail": "ui-tests@example.com"}
    workflow = {
        "name": f"{TEST_PREFIX}flow with space", "version": 1, "schemaVersion": 2,
        "ownerEmail": "ui-tests@example.com",
        "tasks": [{"name": task["name"], "taskReferenceName": "t1", "type": "SIMPLE"}],
    }
    with httpx.Client(base_url=conductor_url, trust_env=False, timeout=30) as client:
        client.post("/api/metadata/taskdefs", json=[task]).raise_for_status()
        client.put("/api/metadata/workflow", json=[workflow]).raise_for_status()
        yield workflow
        client.delete(f"/api/metadata/workflow/{workflow['name']}/1")
        client.delete(f"/api/metadata/taskdefs/{task['name']}")


@pytest.fixture(scope="module")
def proxy(conductor_url: str, seeded_workflow: dict[str, Any]) -> Iterator[harness.RunningNginx]:
    """nginx, configured as the image configures itself, in front of the real server."""
    with harness.running_nginx({"CONDUCTOR_BASE_URL": conductor_url}) as nginx:
        yield nginx


class _EchoHandler(BaseHTTPRequestHandler):
    """Answers every request with what it received, as JSON."""

    def _echo(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        payload = json.dumps({
            "method": self.command, "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_length": len(body),
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _echo

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def echo_backend() -> Iterator[str]:
    """A loopback HTTP server that echoes the request it got (method, path, headers)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
