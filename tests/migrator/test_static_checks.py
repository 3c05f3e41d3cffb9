"""The code passes the static checks the project holds itself to."""

from __future__ import annotations

import subprocess
import sys

from tests.support.paths import REPO_ROOT


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300)


def test_package_is_strictly_typed() -> None:
    result = run_module("mypy", "--strict", "--no-error-summary", "src/workflow_migrator")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_passes_the_linter() -> None:
    result = run_module("ruff", "check", "--output-format", "concise", "src", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr
