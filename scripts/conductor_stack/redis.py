"""Redis from Debian's packages in the three topologies production uses, started as plain
processes on free loopback ports, with their configuration and data in the state directory.

- ``standalone``: one ``redis-server``;
- ``sentinel``: a master, a replica and three ``redis-sentinel`` processes (quorum 2),
  with short timeouts so that a failover takes seconds;
- ``cluster``: three masters joined by ``redis-cli --cluster create`` (no replicas).

A password, when there is one, goes into each process's configuration file (mode 0600)
and into ``redis-cli``'s environment, never onto a command line.

``server_env`` turns a topology into the server's environment exactly as the
``conductor-server`` chart's helper ``conductor-server.redis.env`` does; a chart test
renders the chart with the same topology and compares the two.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import time
from pathlib import Path

from conductor_stack.base import StackError
from conductor_stack.processes import free_port, free_port_pair, spawn, wait_ready
from conductor_stack.state import Service, State

#: The rack (availability zone) field of Conductor's host list; any name works, but the
#: queue client insists on one.
RACK = "local"
#: The name the Sentinels monitor the master under (``conductor.redis.clusterName``).
MASTER_NAME = "conductor"
MODES = ("standalone", "sentinel", "cluster")
SENTINELS = 3
CLUSTER_MASTERS = 3
#: Sentinel timings: a dead master is noticed after 2 s and a failover may take 10 s.
#: Production uses Redis' defaults (30 s, 180 s); a test should not wait that long.
DOWN_AFTER_MS = 2000
FAILOVER_TIMEOUT_MS = 10000


@dataclasses.dataclass(frozen=True)
class RedisTopology:
    """Where the server finds Redis: the nodes it is given (the server itself, the
    Sentinels or the cluster's seed nodes), the Sentinel master's name, the password."""

    mode: str
    nodes: tuple[tuple[str, int], ...]
    master_name: str = ""
    password: str = ""

    def hosts(self, password: str | None = None) -> str:
        """Conductor's ``conductor.redis.hosts``: ``host:port:rack[:password]`` joined by
        ``;``. `password` replaces the real one (e.g. a mask)."""
        secret = self.password if password is None else password
        suffix = f":{secret}" if self.password else ""
        return ";".join(f"{host}:{port}:{RACK}{suffix}" for host, port in self.nodes)

    @property
    def lock_address(self) -> str:
        """Redisson's address: the first node; for a cluster every node, comma-separated."""
        addresses = [f"redis://{host}:{port}" for host, port in self.nodes]
        return ",".join(addresses) if self.mode == "cluster" else addresses[0]


def server_env(topology: RedisTopology) -> dict[str, str]:
    """The server's Redis variables for `topology`, as the chart's Deployment sets them
    (standalone leaves the types to the properties file, as the image's defaults do)."""
    env: dict[str, str] = {}
    if topology.mode != "standalone":
        env["CONDUCTOR_DB_TYPE"] = f"redis_{topology.mode}"
        env["CONDUCTOR_QUEUE_TYPE"] = f"redis_{topology.mode}"
    env["CONDUCTOR_REDIS_HOSTS"] = topology.hosts()
    if topology.mode == "sentinel":
        env["CONDUCTOR_REDIS_CLUSTER_NAME"] = topology.master_name
    if topology.password:
        env["CONDUCTOR_REDIS_LOCK_SERVER_PASSWORD"] = topology.password
    if topology.mode != "standalone":
        env["CONDUCTOR_REDIS_LOCK_SERVER_TYPE"] = topology.mode.upper()
    if topology.mode == "sentinel":
        env["CONDUCTOR_REDIS_LOCK_SERVER_MASTER_NAME"] = topology.master_name
    env["CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS"] = topology.lock_address
    return env


def start(state: State, mode: str, password: str = "") -> RedisTopology:
    """Starts Redis in `mode`; every process becomes a Service of `state`."""
    if mode == "standalone":
        service = start_redis_server(state, "redis", password)
        return RedisTopology("standalone", (("127.0.0.1", service.port),), password=password)
    if mode == "sentinel":
        return start_sentinel(state, password)
    if mode == "cluster":
        return start_cluster(state, password)
    raise StackError(f"unknown Redis mode {mode!r}; choose one of {', '.join(MODES)}")


def start_sentinel(state: State, password: str) -> RedisTopology:
    """A master, a replica of it and three Sentinels watching it (quorum 2)."""
    master = start_redis_server(state, "redis-master", password)
    start_redis_server(state, "redis-replica", password,
                       [f"replicaof 127.0.0.1 {master.port}"])
    sentinels = [start_sentinel_process(state, f"sentinel-{i}", master.port, password)
                 for i in range(1, SENTINELS + 1)]
    first = sentinels[0]

    def all_see_the_replica_and_each_other() -> bool:
        # ``SENTINEL MASTER`` is a flat name/value list: every Sentinel must know the
        # replica and the two other Sentinels before a failover can succeed.
        for sentinel in sentinels:
            fields = redis_cli(sentinel.port, password, "SENTINEL", "MASTER", MASTER_NAME)
            pairs = dict(zip(fields[::2], fields[1::2], strict=False))
            if pairs.get("num-slaves") != "1" or pairs.get("num-other-sentinels") != "2":
                return False
        return True

    if not wait_ready(all_see_the_replica_and_each_other, first.pid, 60, 0.5):
        raise StackError("the Sentinels did not discover the replica and each other in 60s",
                         Path(first.log))
    return RedisTopology("sentinel", tuple(("127.0.0.1", s.port) for s in sentinels),
                         master_name=MASTER_NAME, password=password)


#: A cluster node also listens on its port + 10000, for the cluster bus.
CLUSTER_BUS_OFFSET = 10000


def start_cluster(state: State, password: str) -> RedisTopology:
    """Three masters sharing the 16384 slots, joined by ``redis-cli --cluster create``."""
    nodes = [start_redis_server(state, f"redis-node-{i}", password,
                                ["cluster-enabled yes", "cluster-config-file nodes.conf",
                                 "cluster-node-timeout 2000"],
                                port=free_port_pair(CLUSTER_BUS_OFFSET, 65535 - CLUSTER_BUS_OFFSET))
             for i in range(1, CLUSTER_MASTERS + 1)]
    addresses = [f"127.0.0.1:{n.port}" for n in nodes]
    log_path = state.logs / "redis-cluster-create.log"
    with open(log_path, "w") as out:
        result = subprocess.run(
            [redis_cli_path(), "--cluster", "create", *addresses, "--cluster-replicas", "0",
             "--cluster-yes"],
            env=redis_cli_env(password), stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, check=False, timeout=60,
        )
    if result.returncode != 0:
        raise StackError("redis-cli --cluster create failed", log_path)

    def cluster_ok() -> bool:
        return all("cluster_state:ok" in "\n".join(redis_cli(n.port, password, "CLUSTER", "INFO"))
                   for n in nodes)

    if not wait_ready(cluster_ok, nodes[0].pid, 60, 0.5):
        raise StackError("the Redis cluster did not reach cluster_state:ok in 60s", log_path)
    return RedisTopology("cluster", tuple(("127.0.0.1", n.port) for n in nodes),
                         password=password)


def start_redis_server(state: State, name: str, password: str = "",
                       extra: list[str] | None = None, port: int | None = None) -> Service:
    """A redis-server on ``port`` (default: a free one); configuration, data and log under
    the state dir."""
    port = port or free_port()
    lines = base_config(state, name, port, password)
    lines += ["save \"\"", "appendonly no"]
    if password:
        # A replica authenticates to its master; a master that comes back after a
        # failover becomes a replica and needs the same.
        lines.append(f"masterauth {password}")
    service = spawn_redis(state, name, "redis-server", port, lines + (extra or []))
    if not wait_ready(lambda: redis_ping(port, password), service.pid, 30, 0.1):
        raise StackError(f"{name} did not start on port {port}", Path(service.log))
    return service


def start_sentinel_process(state: State, name: str, master_port: int,
                           password: str) -> Service:
    port = free_port()
    lines = base_config(state, name, port, password)
    lines += [
        f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master_port} 2",
        f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}",
        f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}",
        f"sentinel parallel-syncs {MASTER_NAME} 1",
    ]
    if password:
        lines.append(f"sentinel auth-pass {MASTER_NAME} {password}")
    service = spawn_redis(state, name, "redis-sentinel", port, lines)
    if not wait_ready(lambda: redis_ping(port, password), service.pid, 30, 0.1):
        raise StackError(f"{name} did not start on port {port}", Path(service.log))
    return service


def base_config(state: State, name: str, port: int, password: str) -> list[str]:
    data = state.state_dir / name
    data.mkdir(parents=True, exist_ok=True)
    lines = [f"port {port}", "bind 127.0.0.1", "protected-mode yes", "daemonize no",
             f"dir {data}", f"logfile {state.logs / (name + '.log')}"]
    if password:
        lines.append(f"requirepass {password}")
    return lines


def spawn_redis(state: State, name: str, program: str, port: int, lines: list[str]) -> Service:
    """Writes <state-dir>/<name>/<name>.conf (0600: it may hold the password) and starts
    `program` with it. A Sentinel rewrites its file, so it must be writable."""
    executable = shutil.which(program)
    if not executable:
        raise StackError(f"{program} is not installed; run scripts/install-system-deps")
    data = state.state_dir / name
    conf = data / f"{name}.conf"
    fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("\n".join(lines) + "\n")
    log_path = state.logs / f"{name}.log"
    pid = spawn([executable, str(conf)], log_path, cwd=data)
    # Redis sets its process title to "<program> 127.0.0.1:<port>", which `status` and
    # `down` check so that a reused PID is never taken for this process.
    service = Service(name=name, pid=pid, port=port, marker=f"{program} 127.0.0.1:{port}",
                      log=str(log_path))
    state.add(service)
    return service


def redis_cli_path() -> str:
    cli = shutil.which("redis-cli")
    if not cli:
        raise StackError("redis-cli is not installed; run scripts/install-system-deps")
    return cli


def redis_cli_env(password: str) -> dict[str, str]:
    """redis-cli's environment: the password through REDISCLI_AUTH, not its arguments."""
    env = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"}
    if password:
        env["REDISCLI_AUTH"] = password
    return env


def redis_cli(port: int, password: str, *command: str) -> list[str]:
    """Runs one command against 127.0.0.1:`port`; its reply as lines ([] on failure)."""
    try:
        result = subprocess.run(
            [redis_cli_path(), "--no-auth-warning", "-h", "127.0.0.1", "-p", str(port),
             *command],
            env=redis_cli_env(password), capture_output=True, text=True, check=False,
            timeout=10, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return []
    return result.stdout.splitlines() if result.returncode == 0 else []


def redis_ping(port: int, password: str = "") -> bool:
    return redis_cli(port, password, "PING") == ["PONG"]


def sentinel_master(port: int, password: str = "") -> tuple[str, int] | None:
    """The master a Sentinel currently names, or None when it does not answer."""
    reply = redis_cli(port, password, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)
    return (reply[0], int(reply[1])) if len(reply) == 2 else None


def wait_for_new_master(port: int, old: tuple[str, int], password: str,
                        seconds: float) -> tuple[str, int] | None:
    """Waits until the Sentinel on `port` names a master other than `old`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        current = sentinel_master(port, password)
        if current is not None and current != old:
            return current
        time.sleep(0.1)
    return None
