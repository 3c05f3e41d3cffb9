"""What `up` started, saved as <state-dir>/stack.json, so that `status` and `down` act
on exactly those processes and nothing else."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conductor_stack.processes import pid_runs


@dataclasses.dataclass
class Service:
    """One process the stack started besides the server (a Redis, a sentinel, PostgreSQL).

    `marker` is a piece of its command line: a PID that no longer shows it was reused.
    """

    name: str
    pid: int
    port: int
    marker: str
    log: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Service:
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


@dataclasses.dataclass
class State:
    """Everything `up` started in one state directory."""

    state_dir: Path
    profile: str = "embedded"
    port: int = 0
    server_pid: int = 0
    java: str = ""
    jar: str = ""
    properties: str = ""
    server_env: dict[str, str] = dataclasses.field(default_factory=dict)
    services: list[Service] = dataclasses.field(default_factory=list)
    redis_mode: str = ""
    redis_tls: bool = False
    #: The Redis password `up --redis-password` generated ("" for none); the file is 0600.
    redis_password: str = ""
    postgres_data: str = ""
    postgres_socket_dir: str = ""

    @property
    def path(self) -> Path:
        return self.state_dir / "stack.json"

    @property
    def logs(self) -> Path:
        return self.state_dir / "logs"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def add(self, service: Service) -> None:
        self.services.append(service)
        self.save()

    def save(self) -> None:
        data = dataclasses.asdict(self)
        data.pop("state_dir")
        tmp = self.path.with_suffix(".tmp")
        # The file holds the server's database password: readable by its owner only.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(data, out, indent=2)
        tmp.replace(self.path)

    @classmethod
    def load(cls, state_dir: Path) -> State | None:
        try:
            data = json.loads(cls(state_dir=state_dir).path.read_text())
        except (OSError, ValueError):
            return None
        fields = {f.name for f in dataclasses.fields(cls)}
        data = {k: v for k, v in data.items() if k in fields}
        data["services"] = [Service.from_dict(s) for s in data.get("services", [])]
        return cls(state_dir=state_dir, **data)

    def processes(self) -> list[tuple[str, int, str]]:
        """(name, pid, cmdline marker), in the order `down` stops them: the server first."""
        found = [("conductor server", self.server_pid, self.jar)]
        found += [(s.name, s.pid, s.marker) for s in reversed(self.services)]
        return [(n, p, m) for n, p, m in found if p]

    def running(self) -> list[tuple[str, int, str]]:
        return [(n, p, m) for n, p, m in self.processes() if pid_runs(p, m)]


@contextlib.contextmanager
def state_lock(state_dir: Path) -> Iterator[None]:
    """One `up` or `down` at a time per state directory."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
