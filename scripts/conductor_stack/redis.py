"""Redis from Debian's packages, started as plain processes on free loopback ports,
with their data in the state directory."""

from __future__ import annotations

import dataclasses
import shutil
import socket

from conductor_stack.base import StackError
from conductor_stack.processes import free_port, spawn, wait_ready
from conductor_stack.state import Service, State

#: The rack (availability zone) field of Conductor's host list; any name works for a
#: single Redis, but the queue client insists on one.
RACK = "local"


@dataclasses.dataclass(frozen=True)
class RedisTopology:
    """Where the server finds Redis: what its host list and lock address are made of."""

    mode: str
    nodes: tuple[tuple[str, int], ...]

    @property
    def hosts(self) -> str:
        """Conductor's ``conductor.redis.hosts``: ``host:port:rack`` joined by ``;``."""
        return ";".join(f"{host}:{port}:{RACK}" for host, port in self.nodes)

    @property
    def lock_address(self) -> str:
        """Redisson's address for the workflow execution lock."""
        host, port = self.nodes[0]
        return f"redis://{host}:{port}"


def start_standalone(state: State) -> RedisTopology:
    """One Redis, as most installations and Orkes' own defaults use it."""
    service = start_redis_server(state, "redis")
    return RedisTopology("standalone", (("127.0.0.1", service.port),))


def start_redis_server(state: State, name: str, *extra: str) -> Service:
    """A redis-server on a free port, data and log under <state-dir>/<name>/."""
    redis = shutil.which("redis-server")
    if not redis:
        raise StackError("redis-server is not installed; run scripts/install-system-deps")
    data = state.state_dir / name
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = state.logs / f"{name}.log"
    pid = spawn(
        [redis, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
         "--save", "", "--appendonly", "no", "--daemonize", "no",
         "--protected-mode", "yes", "--logfile", str(log_path), *extra],
        log_path, cwd=data,
    )
    service = Service(name=name, pid=pid, port=port, marker="redis-server", log=str(log_path))
    state.add(service)
    if not wait_ready(lambda: redis_ping(port), pid, 30, 0.1):
        raise StackError(f"redis-server did not start on port {port}", log_path)
    return service


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False
