"""What a short command loads: `--help` and an offline `validate` must start quickly, so
they leave the HTTP client, the settings machinery and the terminal renderer unloaded
(bench/deploy.py measures the time itself)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

HEAVY = ("httpx", "pydantic", "pydantic_settings", "rich", "tenacity", "importlib.metadata",
         "concurrent.futures", "logging", "hashlib", "workflow_migrator._apply",
         "workflow_migrator._record")
#: What an offline `validate` needs no more than the libraries: the plan, and the
#: comparison and risk model it imports.
NOT_FOR_VALIDATE = ("workflow_migrator._plan", "workflow_migrator._compare",
                    "workflow_migrator._risk")
#: What `--help` needs even less: the rules, the field table, the YAML reader.
NOT_FOR_HELP = ("workflow_migrator._rules", "workflow_migrator._fields", "yaml")


@pytest.mark.parametrize(("args", "heavy"), [
    (["--help"], HEAVY + NOT_FOR_VALIDATE + NOT_FOR_HELP),
    (["validate", "--config-dir", "config"], HEAVY + NOT_FOR_VALIDATE)])
def test_a_short_command_loads_none_of_the_heavy_libraries(args: list[str],
                                                           heavy: tuple[str, ...]) -> None:
    code = ("import sys\n"
            "from workflow_migrator._cli import main\n"
            f"code = main({args!r})\n"
            f"print(code, sorted(set({heavy!r}) & set(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO_ROOT, check=True)
    assert result.stdout.splitlines()[-1] == "0 []", result.stdout + result.stderr


def test_a_server_command_on_plain_http_loads_no_settings_library_and_no_tls_context() -> None:
    """A command that talks to an http:// server reads its settings without pydantic, and
    builds no TLS context (loading the certificate authorities takes 30 ms): the server
    answers nothing here (a closed port), the command fails after one try."""
    code = ("import ssl, sys\n"
            "built = []\n"
            "real = ssl.create_default_context\n"
            "ssl.create_default_context = lambda *a, **k: built.append(k) or real(*a, **k)\n"
            "from workflow_migrator._cli import main\n"
            "code = main(['plan', '--config-dir', 'config', '--wait-timeout', '0'])\n"
            "heavy = {'pydantic', 'pydantic_settings', 'rich', 'httpx._main'}\n"
            "print(code, sorted(n for n in heavy if sys.modules.get(n)), len(built))\n")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CONDUCTOR_", "APP_ENV"))}
    env["CONDUCTOR_BASE_URL"] = "http://127.0.0.1:9"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO_ROOT, check=True, env=env)
    assert result.stdout.splitlines()[-1] == "1 [] 0", result.stdout + result.stderr


def test_a_directory_of_json_files_loads_without_pyyaml(tmp_path: Path) -> None:
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.json").write_text('{"name": "t", "retryCount": 1}')
    code = ("import sys\n"
            "from pathlib import Path\n"
            "from workflow_migrator import validate_directory\n"
            f"definitions, findings = validate_directory(Path({str(tmp_path)!r}))\n"
            "print(len(definitions), 'yaml' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO_ROOT, check=True)
    assert result.stdout.splitlines()[-1] == "1 False", result.stdout + result.stderr
