"""kube-stack's commands: build, up, status and down. Each returns an exit code.

What `up` started is saved in ``<state-dir>/kube-stack.json`` (names, PIDs, command-line
markers), so that `status` and `down` act on exactly those processes. The process handling is
the Conductor stack's (scripts/conductor_stack/processes.py, state.py).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from conductor_stack.processes import (
    free_port,
    pid_runs,
    port_open,
    spawn,
    stop_pid,
    wait_ready,
)
from conductor_stack.state import Service, state_lock

from kube_stack import build, certs, components
from kube_stack.base import StackError, log, tail_file

STATE_FILE = "kube-stack.json"
#: Seconds `up` waits for the API server, then for the nodes to be Ready.
START_TIMEOUT = 180.0


def kubectl() -> Path:
    """The kubectl built with the control plane (the same version as the API server)."""
    return build.KUBERNETES.folder / "bin" / "kubectl"


def build_tools(helm: bool = True) -> int:
    """Builds what `up` runs (and the Helm clients) into version-keyed folders; prints them."""
    build.ensure_all(build.CONTROL_PLANE + (build.HELM_CLIENTS if helm else ()))
    print(f"KUBECTL={kubectl()}")
    if helm:
        print(f"HELM={build.HELM_V4.folder / 'bin' / 'helm'}")
        print(f"HELM_V3={build.HELM_V3.folder / 'bin' / 'helm'}")
    return 0


def _load(state_dir: Path) -> list[Service]:
    try:
        data = json.loads((state_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return []
    return [Service.from_dict(item) for item in data["services"]]


def _save(state_dir: Path, services: list[Service]) -> None:
    data = {"services": [vars(service) for service in services]}
    (state_dir / STATE_FILE).write_text(json.dumps(data, indent=2))


def _running(services: list[Service]) -> list[Service]:
    return [s for s in services if pid_runs(s.pid, s.marker)]


def _kubectl(kubeconfig: Path, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run([str(kubectl()), "--kubeconfig", str(kubeconfig), *args],
                            input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def up(state_dir: Path) -> int:
    """Starts the control plane in `state_dir`; prints KUBECONFIG=... as its last line.

    :param state_dir: where its certificates, etcd data, kubeconfigs and logs go.
    """
    build.ensure_all(build.CONTROL_PLANE)
    with state_lock(state_dir):
        running = _running(_load(state_dir))
        if running:
            names = ", ".join(f"{s.name} (pid {s.pid})" for s in running)
            raise StackError(f"a control plane already runs in {state_dir}: {names}; "
                             f"`down --state-dir {state_dir}` first")
        _teardown(state_dir, _load(state_dir))
        services: list[Service] = []
        try:
            kubeconfig = _start(state_dir, services)
        except BaseException as exc:
            if isinstance(exc, StackError) and exc.log is not None:
                log(f"last lines of {exc.log}:\n{tail_file(exc.log)}")
            log("stopping what was started")
            _teardown(state_dir, services)
            raise
    for name, value in _status_lines(state_dir, services):
        print(f"{name}={value}")
    print(f"KUBECONFIG={kubeconfig}")
    return 0


def _start(state_dir: Path, services: list[Service]) -> Path:
    logs = state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    pki = certs.make_pki(state_dir / "pki")
    ports = components.Ports(*(free_port() for _ in range(6)))
    server = f"https://127.0.0.1:{ports.apiserver}"

    def start(name: str, args: list[str], port: int) -> Service:
        log_path = logs / f"{name}.log"
        log_path.write_bytes(b"")
        pid = spawn(args, log_path, cwd=state_dir)
        service = Service(name, pid, port, args[0], str(log_path))
        services.append(service)
        _save(state_dir, services)
        return service

    def await_ready(service: Service, ready: Callable[[], bool], what: str) -> None:
        if not wait_ready(ready, service.pid, START_TIMEOUT, 0.5):
            raise StackError(f"{service.name} did not become {what}", log=Path(service.log))

    etcd = start("etcd", components.etcd(state_dir, ports), ports.etcd)
    await_ready(etcd, lambda: port_open(ports.etcd), "reachable")
    apiserver = start("kube-apiserver", components.apiserver(state_dir, ports, pki),
                      ports.apiserver)
    await_ready(apiserver, lambda: components.api_ready(server, pki), "ready")
    configs = {}
    for user in certs.USERS:
        path = state_dir / "kubeconfig" if user == "admin" else pki.folder / f"{user}.kubeconfig"
        path.write_text(certs.kubeconfig(pki, user, server))
        path.chmod(0o600)
        configs[user] = path
    start("kube-controller-manager",
          components.controller_manager(ports, pki, configs["controller-manager"]),
          ports.controller_manager)
    start("kube-scheduler", components.scheduler(ports, configs["scheduler"]), ports.scheduler)
    start("kwok", components.kwok(state_dir, ports, configs["kwok"]), ports.kwok)
    admin = configs["admin"]
    _kubectl(admin, "apply", "--server-side", "-f", "-", stdin=components.nodes_manifest())
    _kubectl(admin, "apply", "--server-side", "-f", str(build.CRDS.folder / "crds"))
    deadline = time.monotonic() + START_TIMEOUT
    while not _nodes_ready(admin):
        if time.monotonic() > deadline:
            raise StackError("the fake nodes did not become Ready", log=logs / "kwok.log")
        dead = [s.name for s in services if not _running([s])]
        if dead:
            raise StackError(f"{', '.join(dead)} exited", log=Path(services[-1].log))
        time.sleep(0.5)
    _kubectl(admin, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
    # Pods need their namespace's default service account, which the controller-manager makes.
    while not _kubectl(admin, "get", "serviceaccounts", "-n", "default", "-o", "name").strip():
        if time.monotonic() > deadline:
            raise StackError("no default service account", log=logs / "kube-controller-manager.log")
        time.sleep(0.5)
    return admin


def _nodes_ready(kubeconfig: Path) -> bool:
    nodes = json.loads(_kubectl(kubeconfig, "get", "nodes", "-o", "json"))["items"]
    ready = [n for n in nodes if any(c["type"] == "Ready" and c["status"] == "True"
                                     for c in n.get("status", {}).get("conditions", []))]
    return len(ready) == len(components.NODE_NAMES)


def _teardown(state_dir: Path, services: list[Service]) -> None:
    """Stops the processes by PID (the last started first), then removes etcd's data."""
    for service in reversed(services):
        stop_pid(service.pid, service.name, service.marker)
    still = _running(services)
    if still:
        raise StackError("could not stop: " + ", ".join(f"{s.name} (pid {s.pid})" for s in still))
    shutil.rmtree(state_dir / "etcd", ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        (state_dir / STATE_FILE).unlink()


def down(state_dir: Path) -> int:
    """Stops exactly what `up` started in `state_dir`; does nothing when nothing runs."""
    if not (state_dir / STATE_FILE).exists():
        return 0
    with state_lock(state_dir):
        _teardown(state_dir, _load(state_dir))
    log(f"stopped the control plane in {state_dir}")
    return 0


def _status_lines(state_dir: Path, services: list[Service]) -> list[tuple[str, str]]:
    lines = [("STATE_DIR", str(state_dir)), ("KUBECTL", str(kubectl()))]
    for service in services:
        prefix = service.name.upper().replace("-", "_")
        lines += [(f"{prefix}_PID", str(service.pid)), (f"{prefix}_LOG", service.log)]
    return lines


def status(state_dir: Path) -> int:
    """Prints NAME=VALUE lines for the control plane in `state_dir`; exit 1 unless all run."""
    services = _load(state_dir)
    if not services:
        log(f"no control plane runs in {state_dir}")
        return 1
    for name, value in _status_lines(state_dir, services):
        print(f"{name}={value}")
    print(f"KUBECONFIG={state_dir / 'kubeconfig'}")
    stopped = [s.name for s in services if not _running([s])]
    if stopped:
        log("not running: " + ", ".join(stopped))
        return 1
    return 0
