"""nginx's stub_status, served by the real nginx on a port of its own when
CONDUCTOR_UI_STUB_STATUS_PORT is set, and nowhere when it is not."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support import nginx_harness as harness
from tests.support.stacks import free_port

BASE = {"CONDUCTOR_BASE_URL": "http://127.0.0.1:9"}


def test_stub_status_answers_on_its_own_port_only() -> None:
    status_port = free_port()
    env = {**BASE, "CONDUCTOR_UI_STUB_STATUS_PORT": str(status_port)}
    with harness.running_nginx(env) as nginx:
        status = httpx.get(f"http://127.0.0.1:{status_port}/stub_status", timeout=5)
        assert status.status_code == 200
        assert status.text.startswith("Active connections:")
        assert "server accepts handled requests" in status.text
        assert "Server" not in status.headers or "nginx/" not in status.headers["Server"]
        assert httpx.get(f"http://127.0.0.1:{status_port}/", timeout=5).status_code == 404
        # The UI's port keeps serving the app: /stub_status there is a client-side route.
        on_ui = httpx.get(f"{nginx.url}/stub_status", timeout=5)
        assert "Active connections" not in on_ui.text


def test_no_stub_status_without_the_variable() -> None:
    with harness.prefix_dir() as prefix:
        (prefix.conf_d / "conductor-ui-stub-status.conf").write_text("# from a previous start\n")
        result = harness.run_start_steps(prefix, BASE)
        assert result.returncode == 0, result.stderr
        assert not (prefix.conf_d / "conductor-ui-stub-status.conf").exists()
        rendered = "".join(p.read_text() for p in prefix.conf_d.iterdir())
        assert re.search(r"^\s*stub_status\s*;", rendered, re.MULTILINE) is None


@pytest.mark.parametrize("port", ["8080", "0", "65536", "90a", "-1", "80 81"])
def test_a_bad_port_stops_the_start(port: str) -> None:
    with harness.prefix_dir() as prefix:
        result = harness.run_start_steps(prefix, {**BASE, "CONDUCTOR_UI_STUB_STATUS_PORT": port})
    assert result.returncode != 0
    assert "12-stub-status.sh: ERROR: CONDUCTOR_UI_STUB_STATUS_PORT=" in result.stderr
