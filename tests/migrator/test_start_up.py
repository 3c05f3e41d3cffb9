"""What a short command loads: `--help` and an offline `validate` must start quickly, so
they leave the HTTP client, the settings machinery and the terminal renderer unloaded
(bench/deploy.py measures the time itself)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.paths import REPO_ROOT

HEAVY = ("httpx", "pydantic", "pydantic_settings", "rich", "tenacity", "importlib.metadata",
         "concurrent.futures", "logging", "hashlib", "workflow_migrator._apply",
         "workflow_migrator._record")
#: What `--help` needs even less: the plan, and the rules and comparison it imports.
NOT_FOR_HELP = ("workflow_migrator._plan", "workflow_migrator._rules",
                "workflow_migrator._compare", "workflow_migrator._fields", "yaml")


@pytest.mark.parametrize(("args", "heavy"), [(["--help"], HEAVY + NOT_FOR_HELP),
                                             (["validate", "--config-dir", "config"], HEAVY)])
def test_a_short_command_loads_none_of_the_heavy_libraries(args: list[str],
                                                           heavy: tuple[str, ...]) -> None:
    code = ("import sys\n"
            "from workflow_migrator._cli import main\n"
            f"code = main({args!r})\n"
            f"print(code, sorted(set({heavy!r}) & set(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO_ROOT, check=True)
    assert result.stdout.splitlines()[-1] == "0 []", result.stdout + result.stderr
