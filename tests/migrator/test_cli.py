"""The CLI ends on SIGTERM (how Kubernetes stops a Job) as it does on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.stacks import free_port


def test_sigterm_while_waiting_for_the_server_exits_130_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.json").write_text('{"name": "t"}')
    env = {**os.environ, "CONDUCTOR_BASE_URL": f"http://127.0.0.1:{free_port()}",
           "APP_ENV": "test"}
    process = subprocess.Popen(
        [sys.executable, "-m", "workflow_migrator", "deploy", "--config-dir", str(tmp_path),
         "--wait-timeout", "60", "--log-format", "json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    line = ""
    while "waiting for" not in line and time.monotonic() < deadline:
        line = process.stderr.readline() if process.stderr else ""
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "Interrupted" in err


def test_plan_gates_need_the_impact_analysis_and_a_window_is_a_duration(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from workflow_migrator._cli import DURATION, main

    code = main(["plan", "--config-dir", str(tmp_path), "--no-impact", "--fail-on", "breaking",
                 "--log-format", "text"])
    assert code == 1
    assert "--fail-on and --require-workers need the impact analysis" in capsys.readouterr().err
    code = main(["plan", "--config-dir", str(tmp_path), "--worker-window", "soon",
                 "--log-format", "text"])
    assert code == 1
    assert "'soon' is not a duration" in capsys.readouterr().err
    assert [DURATION.convert(v, None, None) for v in ("90s", "10m", "1h", "45", 30)] == \
        [90.0, 600.0, 3600.0, 45.0, 30.0]
