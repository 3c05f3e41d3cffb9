"""A real browser on a deep route of the stand-in build, talking to Conductor through nginx."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import nginx_harness as harness

pytestmark = pytest.mark.server

CHROMIUM = Path("/usr/bin/chromium")
DEEP_ROUTE = "/workflowDef/ui_proxy_test_flow/1"


def dump_dom(url: str) -> str:
    """The page's DOM after its scripts ran (virtual time lets the fetch finish first)."""
    profile = tempfile.mkdtemp(prefix="conductor-ui-chromium-")
    try:
        result = subprocess.run(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-proxy-server", f"--user-data-dir={profile}",
             "--virtual-time-budget=15000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                    "(scripts/install-system-deps)")
def test_the_page_on_a_deep_route_reads_workflows_through_the_proxy(
    proxy: harness.RunningNginx, conductor_url: str, seeded_workflow: dict[str, Any]
) -> None:
    dom = dump_dom(proxy.url + DEEP_ROUTE)
    assert "Conductor UI (stand-in)" in dom, "the deep route served index.html"
    match = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert match, dom
    text = html.unescape(match.group(1))
    assert not text.startswith(("pending", "FETCH-ERROR")), text
    seen = json.loads(text)
    assert seen["path"] == DEEP_ROUTE
    assert seen["status"] == 200
    direct = httpx.get(conductor_url + "/api/metadata/workflow", trust_env=False, timeout=30)
    assert json.loads(seen["body"]) == direct.json()
    assert seeded_workflow["name"] in {w["name"] for w in json.loads(seen["body"])}
