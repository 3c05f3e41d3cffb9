"""Running the migrator from a test: in-process (the ``run_migrator`` fixture of
tests/migrator/server/conftest.py) or as the installed command, against a stack."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.support.paths import REPO_ROOT
from tests.support.stacks import Stack, clean_env

#: What the ``run_migrator`` fixture returns: run(*args, base_url=..., app_env=..., **env)
#: -> (exit code, stdout, stderr).
RunMigrator = Callable[..., tuple[int, str, str]]

#: The command the virtualenv installs.
MIGRATOR = REPO_ROOT / ".venv" / "bin" / "workflow-migrator"


def deploy(stack: Stack, config: Path) -> subprocess.CompletedProcess[str]:
    """``workflow-migrator deploy`` of ``config`` to the stack, as its own process."""
    return subprocess.run(
        [str(MIGRATOR), "deploy", "--config-dir", str(config), "--log-format", "text"],
        env=clean_env(CONDUCTOR_BASE_URL=stack.base_url, APP_ENV="test"),
        capture_output=True, text=True, timeout=300, check=False,
    )
