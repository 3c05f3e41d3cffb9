"""Fixtures for tests that run the migrator against a real Conductor server."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.stacks import REPO_ROOT, Server
from workflow_migrator import ConductorClient, RetryPolicy
from workflow_migrator._cli import main

CONFIG_DIR = REPO_ROOT / "config"
SAMPLES_DIR = REPO_ROOT.parent / "shared" / "conductor" / "samples"


def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


def copy_config(destination: Path, prefix: str) -> Path:
    """A copy of the shipped processes whose names all start with ``prefix`` instead of
    ``ol``, so that a test owns its definitions on a server other tests share."""
    shutil.copytree(CONFIG_DIR, destination)
    for file in destination.rglob("*"):
        if file.is_file():
            file.write_text(file.read_text().replace("ol_", f"{prefix}_"))
    return destination


@pytest.fixture
def client(server: Server) -> ConductorClient:
    with ConductorClient(server.base_url, retry=RetryPolicy(attempts=2, initial_wait=0.1)) as c:
        yield c  # type: ignore[misc]


RunMigrator = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_migrator(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                 server: Server) -> RunMigrator:
    """Runs the CLI in-process against the server under test: (exit code, stdout, stderr)."""

    def run(*args: str, base_url: str = server.base_url, app_env: str = "test",
            **env: str) -> tuple[int, str, str]:
        monkeypatch.setenv("CONDUCTOR_BASE_URL", base_url)
        monkeypatch.setenv("APP_ENV", app_env)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
