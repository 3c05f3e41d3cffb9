"""Processes by PID: start detached, tell whether one still runs (and is still ours),
wait for it, stop exactly it. Also the port and HTTP probes used to wait for services."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from conductor_stack.base import log

STOP_GRACE_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port_pair(offset: int, highest: int) -> int:
    """A free port at most ``highest`` whose ``port + offset`` is free too (a Redis Cluster
    node listens on its port and on port + 10000 for the cluster bus)."""
    for _ in range(200):
        port = free_port()
        if port <= highest and not port_open(port + offset):
            return port
    for port in range(20000, highest):  # the kernel's choice kept landing too high
        if not port_open(port) and not port_open(port + offset):
            return port
    raise OSError(f"no free pair of ports {offset} apart below {highest}")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, ValueError):
        return None


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is as good as gone
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def pid_matches(pid: int, marker: str) -> bool:
    """Whether `pid` still runs the program we started (guards against PID reuse)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return pid_alive(pid)
    return marker in cmdline


def pid_runs(pid: int, marker: str) -> bool:
    """Whether `pid` is alive and still the program we started."""
    return pid_alive(pid) and pid_matches(pid, marker)


def wait_gone(pid: int, seconds: float, interval: float) -> bool:
    """Waits up to `seconds` for `pid` to exit (reaping it if it is our child)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(interval)
    return not pid_alive(pid)


def wait_ready(ready: Callable[[], bool], pid: int, seconds: float, interval: float) -> bool:
    """Polls `ready` until it holds (True), or `pid` exits or `seconds` pass (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return True
        if not pid_alive(pid):
            return False
        time.sleep(interval)
    return False


def stop_pid(pid: int, name: str, marker: str) -> None:
    """SIGTERM, wait, then SIGKILL: exactly this PID, nothing else."""
    if not pid_runs(pid, marker):
        return
    log(f"stopping {name} (pid {pid})")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if wait_gone(pid, STOP_GRACE_SECONDS, 0.2):
        return
    log(f"{name} (pid {pid}) ignored SIGTERM for {STOP_GRACE_SECONDS:.0f}s; sending SIGKILL")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    wait_gone(pid, 10, 0.1)


def spawn(args: Sequence[str], log_path: Path, *, cwd: Path,
          env: dict[str, str] | None = None) -> int:
    """Starts a detached process writing to `log_path`; returns its PID."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as out:
        proc = subprocess.Popen(
            list(args), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    return proc.pid
