"""Fixtures for tests that run the migrator against a real Conductor server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.configs import server_client
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server
from workflow_migrator import ConductorClient
from workflow_migrator._cli import main


@pytest.fixture
def client(server: Server) -> Iterator[ConductorClient]:
    with server_client(server.base_url) as c:
        yield c


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
