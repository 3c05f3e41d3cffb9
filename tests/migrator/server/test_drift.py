"""Drift: a definition changed on the server by hand is found by a scheduled plan, named
in its output and counted in its metrics (a textfile for node-exporter, a Pushgateway)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.configs import copy_config, unique_prefix
from tests.support.metrics import drift, parse_metrics
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server, free_port, wait_for
from workflow_migrator import MigratorError
from workflow_migrator._drift import push_metrics

pytestmark = pytest.mark.server

PUSHGATEWAY = "prometheus-pushgateway"  # Debian's package (scripts/install-system-deps)


@pytest.fixture(scope="module")
def pushgateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prometheus Pushgateway on a free port."""
    binary = shutil.which(PUSHGATEWAY) or f"/usr/bin/{PUSHGATEWAY}"
    if not Path(binary).exists():
        pytest.fail(f"{PUSHGATEWAY} is not installed: run `make setup`")
    port = free_port()
    log = tmp_path_factory.mktemp("pushgateway") / "log"
    with log.open("w") as output:
        process = subprocess.Popen([binary, f"--web.listen-address=127.0.0.1:{port}"],
                                   stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        assert wait_for(ready, 30), log.read_text()
        yield url
    finally:
        process.terminate()
        process.wait(10)


def test_a_hand_made_change_is_drift(run_migrator: RunMigrator, server: Server,
                                     pushgateway: str, tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = copy_config(tmp_path / "config", prefix)
    code, _, err = run_migrator("deploy", "--config-dir", str(config))
    assert code == 0, err
    metrics = tmp_path / "textfile" / "workflow_migrator.prom"
    metrics.parent.mkdir()
    args = ("plan", "--config-dir", str(config), "--detailed-exitcode",
            "--metrics-file", str(metrics), "--pushgateway-url", pushgateway)

    code, out, err = run_migrator(*args, app_env="drift-test")
    assert code == 0, err
    samples = parse_metrics(metrics.read_text())
    assert drift(samples, kind="task", action="update") == 0

    # someone changes a task definition on the server, bypassing the migrator
    task_name = f"{prefix}_send_notification"
    base = server.base_url.rstrip("/")
    task = httpx.get(f"{base}/api/metadata/taskdefs/{task_name}").raise_for_status().json()
    httpx.put(f"{base}/api/metadata/taskdefs",
              json={**task, "retryCount": 9, "description": "patched by hand"}
              ).raise_for_status()

    before = time.time()
    code, out, err = run_migrator(*args, app_env="drift-test")
    assert code == 2, err
    # the log names the drifted definition and its fields
    assert f"~ task {task_name} will be updated in place" in out
    assert "- retryCount: 9" in out  # the file leaves it at the default
    assert '"patched by hand"' in out
    samples = parse_metrics(metrics.read_text())
    assert drift(samples, kind="task", action="update", app_env="drift-test") == 1
    assert sum(v for (name, _), v in samples.items()
               if name == "workflow_migrator_drift_definitions") == 1
    (checked,) = [v for (name, _), v in samples.items()
                  if name == "workflow_migrator_drift_last_check_timestamp_seconds"]
    assert before - 1 <= checked <= time.time() + 1
    assert [p.name for p in metrics.parent.iterdir()] == [metrics.name]  # no temporary left

    pushed = parse_metrics(httpx.get(f"{pushgateway}/metrics").raise_for_status().text)
    assert drift(pushed, job="workflow_migrator_drift", app_env="drift-test", kind="task",
                 action="update") == 1

    # a deploy repairs it, and the next check says so
    code, _, err = run_migrator("deploy", "--config-dir", str(config))
    assert code == 0, err
    code, _, err = run_migrator(*args, app_env="drift-test")
    assert code == 0, err
    assert drift(parse_metrics(metrics.read_text()), kind="task", action="update") == 0
    pushed = parse_metrics(httpx.get(f"{pushgateway}/metrics").raise_for_status().text)
    assert drift(pushed, app_env="drift-test", kind="task", action="update") == 0


def test_a_pushgateway_that_refuses_is_an_error(pushgateway: str) -> None:
    with pytest.raises(MigratorError, match=r"PUT .*/metrics/job/j: 400"):
        push_metrics(pushgateway, "not a metric line\n", job="j")
    with pytest.raises(MigratorError, match="did not answer"):
        push_metrics(f"http://127.0.0.1:{free_port()}", "x 1\n", job="j", timeout=2)
