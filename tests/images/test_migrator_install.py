"""The migrator image's install path, run outside Docker exactly as the Dockerfile runs it.

Dockerfile, build stage:   python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist .
                           (in a directory holding what .dockerignore lets through)
Dockerfile, runtime stage: python -m venv /opt/workflow-migrator
                           install-migrator /opt/workflow-migrator /dist/*.whl
test_dockerfiles.py asserts the Dockerfile still runs these commands; this module runs them
and then the image's default command against a real Conductor server.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.configs import definition_names, names_on_server
from tests.support.paths import REPO_ROOT
from tests.support.stacks import Stack, clean_env

# What the root .dockerignore lets into the build stage (besides config/ and the script).
BUILD_CONTEXT = ["pyproject.toml", "README.md", "src"]


@dataclass
class Installed:
    venv: Path
    wheel: Path

    @property
    def migrator(self) -> Path:
        return self.venv / "bin" / "workflow-migrator"


def _run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    work = tmp_path_factory.mktemp("migrator-image")
    context = work / "src"
    context.mkdir()
    for name in BUILD_CONTEXT:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, context / name,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
            )
        else:
            shutil.copyfile(source, context / name)
    dist = work / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-cache-dir", "--no-deps",
         "--wheel-dir", dist, ".", cwd=context)
    (wheel,) = dist.glob("*.whl")
    venv = work / "venv"
    _run(sys.executable, "-m", "venv", venv)
    _run(REPO_ROOT / "scripts" / "install-migrator", venv, wheel)
    yield Installed(venv=venv, wheel=wheel)


def _package_version() -> str:
    import tomllib

    return str(tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"])


@pytest.mark.slow
def test_the_image_install_yields_the_console_script(installed: Installed) -> None:
    assert installed.wheel.name.startswith(f"workflow_migrator-{_package_version()}-")
    result = _run(installed.migrator, "--version")
    assert _package_version() in result.stdout
    # a wheel install, not an editable one pointing back into the checkout
    site = next((installed.venv / "lib").glob("python3*/site-packages"))
    assert (site / "workflow_migrator" / "__init__.py").exists()
    assert not list(site.glob("__editable__*"))


@pytest.mark.server
@pytest.mark.slow
def test_the_image_default_command_deploys_config(
    installed: Installed, embedded_stack: Stack, tmp_path: Path
) -> None:
    config = tmp_path / "workflow-migrator"  # stands in for /etc/config/workflow-migrator
    shutil.copytree(REPO_ROOT / "config", config)
    result = subprocess.run(
        [str(installed.migrator), "deploy", "--config-dir", str(config)],
        env=clean_env(CONDUCTOR_BASE_URL=embedded_stack.base_url, APP_ENV="image-test"),
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    assert definition_names(config) <= names_on_server(embedded_stack.base_url)
