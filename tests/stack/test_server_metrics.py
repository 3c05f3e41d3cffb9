"""The production core's metrics, as the Orkes jar serves them: 3.15.0 started by
`conductor-stack up --profile production-core` answers /actuator/prometheus (Micrometer's
Prometheus registry and conductor-metrics' Spectator bridge on its classpath), a real
Prometheus scrapes it, and after a workflow ran a Conductor metric and a JVM metric are
in Prometheus' query API.

The Grafana dashboard is checked against the same real server: every metric it uses is
in the server's output, or recorded by 3.15.0 only when an event happens (the name is in
its ``Monitors`` class), or exported only by the Orkes jar (listed with the reason)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import httpx
import pytest

from tests.support.configs import copy_config, unique_prefix
from tests.support.migrator import deploy
from tests.support.paths import REPO_ROOT
from tests.support.stacks import Stack, free_port, wait_for
from tests.support.workers import ORDER, run_as_workers

pytestmark = [pytest.mark.server, pytest.mark.slow]

DASHBOARD = REPO_ROOT / "charts" / "conductor-server" / "dashboards" / "conductor-server.json"

#: Dashboard metrics only the Orkes v1.1.12 jar exports, and why.
_TASK_COMPLETED = ("Orkes MetricsCollector.recordTaskComplete (a timer with quantiles); "
                   "3.15.0 records task_execution_seconds (taskType, status) instead")
ORKES_ONLY = {
    "task_completed_seconds": _TASK_COMPLETED,
    "task_completed_seconds_sum": _TASK_COMPLETED,
    "task_completed_seconds_count": _TASK_COMPLETED,
    "workflow_completed_seconds_count": "Orkes MetricsCollector.recordWorkflowComplete "
    "(with status); 3.15.0 records workflow_execution_seconds (workflowName, no status)",
}
#: Dashboard metrics 3.15.0 records only when something happens: WorkflowMonitor's gauges
#: (first published two minutes after start), timeouts and start errors. Their names are
#: checked in 3.15.0's Monitors class instead of in the output.
ON_EVENT = {
    "task_queue_depth", "task_in_progress", "workflow_running", "task_timeout_total",
    "task_response_timeout_total", "workflow_start_error_total",
}


def dashboard_metrics() -> set[str]:
    exprs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                exprs.append(value) if key == "expr" else walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(DASHBOARD.read_text()))
    names = {m for e in exprs for m in re.findall(r"\b([a-z_][a-z0-9_]*)\{", e)}
    return names


def exported_names(text: str) -> set[str]:
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines()
            if line and not line.startswith("#")}


@pytest.fixture(scope="module")
def prometheus(core_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prometheus scraping the production core every second; its base URL."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is not installed: run scripts/install-system-deps")
    work = tmp_path_factory.mktemp("prometheus")
    target = core_stack.base_url.removeprefix("http://")
    (work / "prometheus.yml").write_text(json.dumps({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{"job_name": "conductor-server",
                            "metrics_path": "/actuator/prometheus",
                            "static_configs": [{"targets": [target]}]}],
    }))
    port = free_port()
    with open(work / "prometheus.log", "wb") as log:
        process = subprocess.Popen(
            [binary, f"--config.file={work / 'prometheus.yml'}",
             f"--storage.tsdb.path={work / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _ready(url), 60, 0.5), (work / "prometheus.log").read_text()
        yield url
    finally:
        process.terminate()
        process.wait(30)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/-/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def query(prometheus: str, promql: str) -> list[dict[str, object]]:
    answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": promql}, timeout=10)
    answer.raise_for_status()
    result: list[dict[str, object]] = answer.json()["data"]["result"]
    return result


@pytest.fixture(scope="module")
def ran(core_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Deploys config/ and runs the order flow to completion; terminates a second run.
    Returns the name prefix."""
    prefix = unique_prefix()
    config = copy_config(tmp_path_factory.mktemp("metrics") / "config", prefix)
    result = deploy(core_stack, config)
    assert result.returncode == 0, result.stderr
    with httpx.Client(base_url=core_stack.base_url, timeout=30) as http:
        started = http.post(f"/api/workflow/{prefix}_order_fulfilment", json=ORDER)
        started.raise_for_status()
        workflow = run_as_workers(http, prefix, started.text.strip('"'))
        assert workflow["status"] == "COMPLETED"
        doomed = http.post(f"/api/workflow/{prefix}_order_fulfilment", json=ORDER).text
        http.delete(f"/api/workflow/{doomed.strip(chr(34))}",
                    params={"reason": "metrics test"}).raise_for_status()
    return prefix


def test_prometheus_scrapes_conductor_and_jvm_metrics(prometheus: str, ran: str) -> None:
    flow = f'workflowName="{ran}_order_fulfilment"'
    conductor = f"workflow_execution_seconds_count{{{flow}}}"
    assert wait_for(lambda: bool(query(prometheus, conductor)), 30, 1), conductor
    assert wait_for(lambda: bool(query(prometheus, f"workflow_start_success_total{{{flow}}}")),
                    30, 1)
    jvm = 'jvm_memory_used_bytes{job="conductor-server", area="heap"}'
    assert query(prometheus, jvm), jvm
    up = query(prometheus, 'up{job="conductor-server"}')
    assert [r["value"][1] for r in up] == ["1"]  # type: ignore[index]


def test_every_dashboard_metric_is_exported_or_accounted_for(core_stack: Stack,
                                                             ran: str) -> None:
    used = dashboard_metrics()
    assert used, "no metric found in the dashboard"
    exported = exported_names(httpx.get(f"{core_stack.base_url}/actuator/prometheus",
                                        timeout=30).text)
    missing = used - exported - set(ORKES_ONLY) - ON_EVENT
    assert not missing, f"the dashboard uses metrics the real server does not export: {missing}"
    assert set(ORKES_ONLY) <= used, "ORKES_ONLY lists a metric the dashboard no longer uses"
    assert not set(ORKES_ONLY) & exported, "an Orkes-only metric is exported by 3.15.0 too"
    monitors = _monitors_class()
    for name in ON_EVENT & used:
        base = name.removesuffix("_total").encode()
        assert base in monitors, f"3.15.0's Monitors never records {name}"


def _monitors_class() -> bytes:
    """com/netflix/conductor/metrics/Monitors.class from the 3.15.0 boot jar's core jar."""
    jar = (Path.home() / ".m2" / "repository" / "com" / "netflix" / "conductor"
           / "conductor-server" / "3.15.0" / "conductor-server-3.15.0-boot.jar")
    with zipfile.ZipFile(jar) as boot:
        core = boot.read("BOOT-INF/lib/conductor-core-3.15.0.jar")
    with zipfile.ZipFile(BytesIO(core)) as inner:
        return inner.read("com/netflix/conductor/metrics/Monitors.class")
