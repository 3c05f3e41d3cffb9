"""Running the migrator from a test: in-process (the ``run_migrator`` fixture of
tests/migrator/server/conftest.py) or as the installed command, against a stack."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT
from tests.support.stacks import Stack, clean_env

#: What the ``run_migrator`` fixture returns: run(*args, base_url=..., app_env=..., **env)
#: -> (exit code, stdout, stderr).
RunMigrator = Callable[..., tuple[int, str, str]]

#: Generous bound for one CLI run in a subprocess (Python start-up included).
RUN_TIMEOUT = 120

#: The command the virtualenv installs.
MIGRATOR = REPO_ROOT / ".venv" / "bin" / "workflow-migrator"


def deploy(stack: Stack, config: Path) -> subprocess.CompletedProcess[str]:
    """``workflow-migrator deploy`` of ``config`` to the stack, as its own process."""
    return subprocess.run(
        [str(MIGRATOR), "deploy", "--config-dir", str(config), "--log-format", "text"],
        env=clean_env(CONDUCTOR_BASE_URL=stack.base_url, APP_ENV="test"),
        capture_output=True, text=True, timeout=300, check=False,
    )


def start_cli(config: Path, base_url: str, *args: str) -> subprocess.Popen[str]:
    """``workflow-migrator deploy`` as its own process, as a Kubernetes Job runs it."""
    return subprocess.Popen(
        [sys.executable, "-m", "workflow_migrator", "deploy", "--config-dir", str(config),
         "--log-format", "json", *args],
        env=clean_env(CONDUCTOR_BASE_URL=base_url, APP_ENV="test"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str], timeout: float = RUN_TIMEOUT) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"deploy still running after {timeout}s:\n{out}\n{err}")
    return process.returncode, out, err


def kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL: no handler runs, nothing is cleaned up, as when a node dies."""
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
