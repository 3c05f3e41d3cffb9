"""The CLI: it ends on SIGTERM (how Kubernetes stops a Job) as it does on Ctrl-C, offers
each command only the options it uses, and refuses a malformed server URL at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.stacks import free_port
from workflow_migrator._cli import main


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
    from workflow_migrator._cli import main
    from workflow_migrator._commands.options import DURATION

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
def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_status_offers_no_prune(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """status only reads: --prune (and --keep, which only narrows a prune) are not its."""
    code, out, _ = _run(["status", "--help"], capsys)
    assert code == 0 and "--prune" not in out and "--keep" not in out
    code, _, err = _run(["status", "--config-dir", str(tmp_path), "--prune",
                         "--log-format", "text"], capsys)
    assert code == 1 and "No such option '--prune'" in err


@pytest.mark.parametrize(("url", "says"), [
    ("127.0.0.1:8080", "has no scheme"),
    ("localhost", "has no scheme"),
    ("ftp://127.0.0.1:8080", "must start with http:// or https://"),
    ("http://127.0.0.1:99999", "port"),
    ("http://127.0.0.1:80x", "port"),
    ("http://127.0.0.1:8080 /api", "space"),
    ("http:///api", "no host"),
    ("http://admin:pa55word@127.0.0.1:0", "port"),
])
def test_a_malformed_base_url_fails_at_once(url: str, says: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Not retried for the wait timeout (300 s): no wait at all, one line naming it."""
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.json").write_text('{"name": "t", "ownerEmail": "a@b.c"}')
    monkeypatch.setenv("CONDUCTOR_BASE_URL", url)
    code, _, err = _run(["plan", "--config-dir", str(tmp_path), "--log-format", "text"], capsys)
    assert code == 1, err
    assert "waiting for" not in err
    [line] = err.strip().splitlines()
    assert line.startswith("Error: CONDUCTOR_BASE_URL") and says in line, line
    assert "pa55word" not in line
    assert url in line or "'http://***@127.0.0.1:0'" in line, line
