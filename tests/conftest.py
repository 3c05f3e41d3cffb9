"""Fixtures every test folder shares: a clean environment and the real servers.

Each server is started once per test run and shared; tests isolate themselves by
unique names. The migrator's server tests take the ``server`` fixture and so run
against both builds the stack offers:

- ``oss-3.32.3``: conductor-oss 3.32.3 on its embedded storage, the newest server;
- ``core-3.15.0``: Netflix Conductor 3.15.0 on Redis, the engine and storage shape of
  Orkes Conductor community v1.1.12, which production runs.

``CONDUCTOR_TEST_BASE_URL`` and ``CONDUCTOR_TEST_CORE_URL`` point the suite at servers
that already run instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.fuzz import load_profile
from tests.support.stacks import SERVER_IDS, Server, Stack, running_stack
from workflow_migrator import _environment as environment

load_profile()  # how many examples the fuzz tests try: HYPOTHESIS_PROFILE, else ci


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's own Conductor settings."""
    for name in environment.VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def embedded_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A real conductor-oss server on its built-in storage, shared by the session."""
    yield from running_stack("embedded", tmp_path_factory.mktemp("stack-embedded"))


@pytest.fixture(scope="session")
def core_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A real Netflix Conductor 3.15.0 on a real Redis, shared by the session."""
    yield from running_stack("production-core", tmp_path_factory.mktemp("stack-core"))


@pytest.fixture(scope="session")
def production_like_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A real conductor-oss server on real Redis and PostgreSQL, configured as the image is."""
    yield from running_stack("redis-postgres", tmp_path_factory.mktemp("stack-redis-postgres"))


@pytest.fixture(scope="session")
def embedded_base_url(request: pytest.FixtureRequest) -> str:
    """The embedded server's URL; CONDUCTOR_TEST_BASE_URL points the suite at a running one."""
    return os.environ.get("CONDUCTOR_TEST_BASE_URL") or request.getfixturevalue(
        "embedded_stack").base_url


@pytest.fixture(scope="session")
def core_base_url(request: pytest.FixtureRequest) -> str:
    """The 3.15.0 server's URL; CONDUCTOR_TEST_CORE_URL points the suite at a running one."""
    return os.environ.get("CONDUCTOR_TEST_CORE_URL") or request.getfixturevalue(
        "core_stack").base_url


@pytest.fixture(scope="session", params=list(SERVER_IDS), ids=list(SERVER_IDS.values()))
def server(request: pytest.FixtureRequest) -> Server:
    """Each server build in turn, for the tests that must hold on both."""
    fixture = "embedded_base_url" if request.param == "oss" else "core_base_url"
    return Server(request.param, str(request.getfixturevalue(fixture)))
