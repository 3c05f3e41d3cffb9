"""docker/ui's nginx, rendered and started as the image does it, in front of real backends."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.support import nginx_harness as harness
from tests.support.stacks import free_port

pytestmark = pytest.mark.server

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "referrer-policy": "strict-origin-when-cross-origin",
}
IMMUTABLE = "public, max-age=31536000, immutable"
JS = f"/static/js/{harness.STANDIN_JS_NAME}"
CSS = f"/static/css/{harness.STANDIN_CSS_NAME}"


def harness_name(suffix: str) -> str:
    """A definition name of these tests' own (conftest removes what it seeds)."""
    return f"ui_proxy_test_{suffix}"


def client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, trust_env=False, timeout=30)


def get_proxied_and_direct(nginx_url: str, conductor_url: str,
                           path: str) -> tuple[httpx.Response, httpx.Response]:
    """``path`` through nginx and straight from the server."""
    with client(nginx_url) as via_proxy, client(conductor_url) as direct:
        return via_proxy.get(path), direct.get(path)


def assert_security_headers(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get_list(name) == [value], (response.url, name, response.headers)
    assert response.headers["server"] == "nginx", "server_tokens off: no version"


# --- the API through the proxy ---------------------------------------------------------------


@pytest.mark.parametrize("trailing_slash", [False, True], ids=["no-slash", "trailing-slash"])
def test_workflow_list_through_nginx_equals_the_servers(
    conductor_url: str, seeded_workflow: dict[str, Any], trailing_slash: bool
) -> None:
    base = conductor_url + ("/" if trailing_slash else "")
    with harness.running_nginx({"CONDUCTOR_BASE_URL": base}) as nginx:
        assert nginx.start.env["CONDUCTOR_BASE_URL"] == conductor_url
        proxied, expected = get_proxied_and_direct(nginx.url, conductor_url,
                                                   "/api/metadata/workflow")
    assert proxied.status_code == expected.status_code == 200
    assert proxied.json() == expected.json()
    assert seeded_workflow["name"] in {w["name"] for w in proxied.json()}
    assert_security_headers(proxied)


def test_encoded_path_and_query_reach_the_server_unchanged(
    proxy: harness.RunningNginx, conductor_url: str, seeded_workflow: dict[str, Any]
) -> None:
    path = f"/api/metadata/workflow/{quote(seeded_workflow['name'])}?version=1"
    proxied, expected = get_proxied_and_direct(proxy.url, conductor_url, path)
    assert proxied.status_code == expected.status_code == 200
    assert proxied.json() == expected.json()
    assert proxied.json()["name"] == seeded_workflow["name"]


def test_server_errors_pass_through_with_the_headers(
    proxy: harness.RunningNginx, conductor_url: str
) -> None:
    path = f"/api/metadata/workflow/{harness_name('does-not-exist')}"
    proxied, expected = get_proxied_and_direct(proxy.url, conductor_url, path)
    assert proxied.status_code == expected.status_code == 404
    assert proxied.json() == expected.json()
    assert_security_headers(proxied)


def test_a_large_workflow_definition_goes_through(
    proxy: harness.RunningNginx, conductor_url: str
) -> None:
    """Far above nginx's default 1 MB request body limit."""
    name = harness_name("large")
    workflow = {
        "name": name, "version": 1, "schemaVersion": 2, "ownerEmail": "ui-tests@example.com",
        "description": "x" * (8 * 1024 * 1024),
        "tasks": [{"name": harness_name("task"), "taskReferenceName": "t1", "type": "SIMPLE"}],
    }
    body = json.dumps([workflow])
    assert len(body) > 8 * 1024 * 1024
    try:
        with client(proxy.url) as via_proxy:
            put = via_proxy.put("/api/metadata/workflow", content=body,
                                headers={"Content-Type": "application/json"})
            assert put.status_code == 200, put.text[:500]
            got = via_proxy.get(f"/api/metadata/workflow/{name}", params={"version": 1})
        assert got.status_code == 200
        assert len(got.json()["description"]) == 8 * 1024 * 1024
    finally:
        with client(conductor_url) as direct:
            direct.delete(f"/api/metadata/workflow/{name}/1")


def test_a_body_over_the_limit_is_refused_by_nginx(proxy: harness.RunningNginx) -> None:
    body = b"[" + b" " * (33 * 1024 * 1024) + b"]"
    with client(proxy.url) as via_proxy:
        response = via_proxy.put("/api/metadata/workflow", content=body,
                                 headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert_security_headers(response)


@pytest.mark.parametrize("trailing_slash", [False, True], ids=["no-slash", "trailing-slash"])
def test_request_as_the_backend_sees_it(echo_backend: str, trailing_slash: bool) -> None:
    """Path and query as sent, Host of the backend, X-Forwarded-* of the client."""
    base = echo_backend + ("/" if trailing_slash else "")
    with harness.running_nginx({"CONDUCTOR_BASE_URL": base}) as nginx:
        with client(nginx.url) as via_proxy:
            seen = via_proxy.get(
                "/api/metadata/workflow/a%20b%2Fc?version=2&x=%3D",
                headers={"Host": "ui.example.com", "X-Forwarded-For": "203.0.113.7"},
            ).json()
            behind_tls = via_proxy.get(
                "/api/x", headers={"X-Forwarded-Proto": "https"}
            ).json()
    assert seen["path"] == "/api/metadata/workflow/a%20b%2Fc?version=2&x=%3D"
    assert seen["headers"]["host"] == echo_backend.removeprefix("http://")
    assert seen["headers"]["x-forwarded-host"] == "ui.example.com"
    assert seen["headers"]["x-forwarded-for"] == "203.0.113.7, 127.0.0.1"
    assert seen["headers"]["x-forwarded-proto"] == "http"
    assert behind_tls["headers"]["x-forwarded-proto"] == "https"
    assert behind_tls["path"] == "/api/x"


def test_an_unreachable_backend_is_a_502_with_the_headers() -> None:
    with harness.running_nginx(
        {"CONDUCTOR_BASE_URL": f"http://127.0.0.1:{free_port()}"}
    ) as nginx, client(nginx.url) as via_proxy:
        response = via_proxy.get("/api/metadata/workflow")
    assert response.status_code == 502
    assert_security_headers(response)


# --- the static build -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/index.html", "/workflowDefs",
                                  "/workflowDef/my.flow/2", "/execution/3f0c/tasks?x=1"])
def test_index_and_client_routes_serve_index_html(proxy: harness.RunningNginx, path: str) -> None:
    with client(proxy.url) as c:
        response = c.get(path)
    assert response.status_code == 200
    assert "Conductor UI (stand-in)" in response.text
    assert response.headers["cache-control"] == "no-store"
    assert_security_headers(response)


def test_healthz_is_answered_by_nginx() -> None:
    """Even with the backend down."""
    with harness.running_nginx(
        {"CONDUCTOR_BASE_URL": f"http://127.0.0.1:{free_port()}"}
    ) as nginx, client(nginx.url) as c:
        response = c.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok\n"
    assert response.headers["cache-control"] == "no-store"
    assert_security_headers(response)


@pytest.mark.parametrize("path", ["/static/js/main.00000000.js", "/static/css/missing.css",
                                  "/static/media/logo.0a1b2c3d.svg",
                                  "/monaco-editor/min/vs/editor/editor.main.js"])
def test_a_missing_asset_is_a_404_not_index_html(proxy: harness.RunningNginx, path: str) -> None:
    with client(proxy.url) as c:
        response = c.get(path)
    assert response.status_code == 404
    assert "stand-in" not in response.text
    assert "cache-control" not in response.headers, "a 404 must not be cached for a year"
    assert_security_headers(response)


@pytest.mark.parametrize(("path", "cache_control"), [
    (JS, IMMUTABLE),
    (CSS, IMMUTABLE),
    ("/monaco-editor/min/vs/loader.js", "no-cache"),
    ("/favicon.svg", "no-cache"),
])
def test_cache_policy(proxy: harness.RunningNginx, path: str, cache_control: str) -> None:
    with client(proxy.url) as c:
        response = c.get(path)
    assert response.status_code == 200
    assert response.headers.get_list("cache-control") == [cache_control]
    assert_security_headers(response)


def test_revalidation_keeps_the_headers(proxy: harness.RunningNginx) -> None:
    with client(proxy.url) as c:
        first = c.get(JS)
        again = c.get(JS, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == IMMUTABLE
    assert_security_headers(again)


@pytest.mark.parametrize("path", [JS, CSS, "/"])
def test_text_assets_are_gzipped(proxy: harness.RunningNginx, path: str) -> None:
    with client(proxy.url) as c:
        gz = c.get(path, headers={"Accept-Encoding": "gzip"})
        plain = c.get(path, headers={"Accept-Encoding": "identity"})
    if path == "/":
        # index.html is small: under gzip_min_length it is sent as is.
        assert "content-encoding" not in gz.headers
        return
    assert gz.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in gz.headers["vary"]
    assert "content-encoding" not in plain.headers
    assert gz.content == plain.content  # httpx decoded it


def test_api_responses_keep_the_servers_cache_headers(
    proxy: harness.RunningNginx, conductor_url: str
) -> None:
    proxied, expected = get_proxied_and_direct(proxy.url, conductor_url, "/api/metadata/taskdefs")
    assert proxied.headers.get_list("cache-control") == expected.headers.get_list("cache-control")
