"""The package type-checks under mypy's strict mode."""

from __future__ import annotations

import subprocess
import sys

from tests.stacks import REPO_ROOT


def test_package_is_strictly_typed() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "src/workflow_migrator"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
