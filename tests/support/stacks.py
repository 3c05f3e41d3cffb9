"""Starts and stops real Conductor stacks for the tests through scripts/conductor-stack.

Each stack gets its own state directory and free ports, so several can run at
once and none touches the one `make demo` started.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from tests.support.paths import REPO_ROOT
from workflow_migrator import _environment as environment

STACK_SCRIPT = REPO_ROOT / "scripts" / "conductor-stack"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], bool], timeout: float,
             interval: float = 0.05) -> bool:
    """Polls ``predicate`` until it holds or ``timeout`` seconds pass; returns whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@dataclasses.dataclass
class Stack:
    """A running stack: its base URL and everything `status` reports."""

    profile: str
    state_dir: Path
    base_url: str
    status: dict[str, str]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_stack_script(*args, "--state-dir", str(self.state_dir), check=check)

    def refresh_status(self) -> dict[str, str]:
        self.status = parse_assignments(self.run("status").stdout)
        return self.status

    def stop(self) -> None:
        self.run("down", check=False)

    def server_env(self) -> dict[str, str]:
        """The environment variables `up` passed to the server, secrets unmasked.

        `status` masks the password; tests that start another server against the same
        Redis and PostgreSQL (e.g. through `run-server`) need the real values.
        """
        data = json.loads((self.state_dir / "stack.json").read_text())
        return dict(data.get("server_env", {}))


@dataclasses.dataclass(frozen=True)
class Server:
    """A real Conductor server under test: which build, and where."""

    build: str
    base_url: str

    @property
    def is_core(self) -> bool:
        """Netflix Conductor 3.15.0, production's engine (else conductor-oss 3.32.3)."""
        return self.build == "core"


SERVER_IDS = {"oss": "oss-3.32.3", "core": "core-3.15.0"}


def run_stack_script(*args: str, check: bool = True, env: Mapping[str, str] | None = None,
                     timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(STACK_SCRIPT), *args], capture_output=True, text=True, check=check, env=env,
        timeout=timeout,
    )


def parse_assignments(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def start_stack(profile: str, state_dir: Path, *extra: str) -> Stack:
    try:
        result = run_stack_script(
            "up", "--profile", profile, "--port", str(free_port()), "--state-dir", str(state_dir),
            *extra,
        )
    except subprocess.CalledProcessError as exc:
        run_stack_script("down", "--state-dir", str(state_dir), check=False)
        raise RuntimeError(f"conductor-stack up failed:\n{exc.stdout}\n{exc.stderr}") from exc
    base_url = parse_assignments(result.stdout.strip().splitlines()[-1])["CONDUCTOR_BASE_URL"]
    stack = Stack(profile=profile, state_dir=state_dir, base_url=base_url, status={})
    stack.refresh_status()
    return stack


def running_stack(profile: str, state_dir: Path, *extra: str) -> Iterator[Stack]:
    """For a fixture to ``yield from``: a stack that is stopped when the fixture's scope
    ends, whatever its tests did to it."""
    stack = start_stack(profile, state_dir, *extra)
    try:
        yield stack
    finally:
        stack.stop()


def clean_env(**overrides: str) -> dict[str, str]:
    """The process environment without the migrator's own variables, plus overrides."""
    env = {k: v for k, v in os.environ.items() if k not in environment.VARIABLES}
    env.update(overrides)
    return env
