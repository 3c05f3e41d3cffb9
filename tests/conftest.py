from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.stacks import Stack, start_stack


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's own Conductor settings."""
    for name in ("CONDUCTOR_BASE_URL", "APP_ENV", "CONDUCTOR_AUTH_TOKEN", "CONDUCTOR_AUTH_KEY",
                 "CONDUCTOR_AUTH_SECRET", "CONDUCTOR_SECRETS_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def embedded_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A real Conductor server on its built-in storage, shared by the session."""
    stack = start_stack("embedded", tmp_path_factory.mktemp("stack-embedded"))
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def production_like_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A real Conductor server on real Redis and PostgreSQL, configured as the image is."""
    stack = start_stack("redis-postgres", tmp_path_factory.mktemp("stack-redis-postgres"))
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def embedded_base_url(request: pytest.FixtureRequest) -> str:
    """The embedded server's URL; CONDUCTOR_TEST_BASE_URL points the suite at a running one."""
    return os.environ.get("CONDUCTOR_TEST_BASE_URL") or request.getfixturevalue(
        "embedded_stack").base_url


@pytest.fixture(scope="session", params=["embedded", "redis-postgres"])
def any_profile_base_url(request: pytest.FixtureRequest) -> str:
    """Each profile's server in turn, for the tests that must hold on both."""
    if request.param == "embedded":
        return str(request.getfixturevalue("embedded_base_url"))
    return str(request.getfixturevalue("production_like_stack").base_url)
