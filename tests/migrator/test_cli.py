"""The CLI ends on SIGTERM (how Kubernetes stops a Job) as it does on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.support.stacks import free_port


def test_sigterm_while_waiting_for_the_server_exits_130_with_a_message(tmp_path) -> None:
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
