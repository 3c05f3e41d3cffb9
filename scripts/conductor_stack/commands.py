"""The stack's commands: fetch, up, status, down and run-server. Each returns an exit code."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from conductor_stack import postgres, redis
from conductor_stack.base import StackError, log, tail_file
from conductor_stack.jars import SERVER_BUILDS, fetch_jar
from conductor_stack.jdk import java_for
from conductor_stack.processes import free_port, pid_runs, port_open, spawn, stop_pid
from conductor_stack.profiles import Profile
from conductor_stack.server import (
    SERVER_ENV_NAMES,
    masked,
    resolve_server,
    server_base_env,
    wait_for_server,
)
from conductor_stack.state import State, state_lock


def fetch(profiles: Sequence[Profile] = ()) -> int:
    """Downloads the server jars (and the jars they run with) and finds (or installs) the
    Java that ``profiles`` use: every profile's when none is named."""
    keys = {p.build_key for p in profiles}
    for build in SERVER_BUILDS.values():
        if keys and build.key not in keys:
            continue
        print(f"CONDUCTOR_{build.key.upper()}_JAR={fetch_jar(build)}")
        print(f"CONDUCTOR_{build.key.upper()}_JAVA={java_for(build.java_min)}")
    return 0


def server_env(state: State, topology: redis.RedisTopology | None,
               db_password: str | None) -> dict[str, str]:
    """The variables the server image takes, with this stack's values."""
    env: dict[str, str] = {}
    if topology is not None:
        env.update(redis.server_env(topology))
    if db_password is not None:
        port = postgres.postgres_service(state).port
        env["SPRING_DATASOURCE_URL"] = (f"jdbc:postgresql://127.0.0.1:{port}/"
                                        f"{postgres.PG_DATABASE}?currentSchema={postgres.PG_SCHEMA}")
        env["SPRING_DATASOURCE_USERNAME"] = postgres.PG_ROLE
        env["SPRING_DATASOURCE_PASSWORD"] = db_password
    return env


#: Why ``--redis-tls`` is refused for 3.15.0: its Redis DAOs and queues have no TLS switch.
NO_TLS_IN_CORE = ("Netflix Conductor 3.15.0 has no conductor.redis.ssl: its Jedis pools "
                  "for definitions and queues cannot use TLS in any mode (Orkes v1.1.12 "
                  "added the switch)")


def check_redis_options(profile: Profile, redis_mode: str, redis_tls: bool,
                        redis_password: bool) -> None:
    """Refuses Redis options the profile cannot honour, saying why."""
    if not profile.redis and (redis_mode != "standalone" or redis_tls or redis_password):
        raise StackError(f"the {profile.name} profile runs no Redis; --redis, "
                         "--redis-tls and --redis-password need a profile that does")
    if redis_mode not in redis.MODES:
        raise StackError(f"unknown Redis mode {redis_mode!r}; choose one of "
                         + ", ".join(redis.MODES))
    if redis_tls:
        if profile.build_key == "core":
            raise StackError(f"--redis-tls: {NO_TLS_IN_CORE}")
        raise StackError("--redis-tls: the stack starts no TLS Redis yet")


def up(state_dir: Path, profile: Profile, port: int | None, redis_mode: str = "standalone",
       redis_tls: bool = False, redis_password: bool = False, reuse: bool = False) -> int:
    """Starts a stack in `state_dir`; prints CONDUCTOR_BASE_URL=... as its last line.

    A stack found there that no longer runs (its server crashed or was killed) is
    replaced, keeping its port when no other is asked for and free, and, for the
    embedded profile, the server's data (its SQLite file): a crash loses nothing.
    Redis and PostgreSQL start afresh. `down` first to start afresh in every case.

    :param state_dir: where the stack keeps its configuration, data, logs and PIDs.
    :param profile: which server, services and settings to run.
    :param port: the server's port; a free one when None.
    :param redis_mode: ``standalone``, ``sentinel`` or ``cluster``.
    :param redis_tls: TLS to Redis (refused, with the reason, where unsupported).
    :param redis_password: protect Redis with a generated password (kept in the state
        file and the processes' configuration files, never on a command line).
    :param reuse: when a stack of this profile already runs in `state_dir`, print its
        lines and return 0 instead of refusing.
    """
    check_redis_options(profile, redis_mode, redis_tls, redis_password)
    with state_lock(state_dir):
        previous = State.load(state_dir)
        if previous is not None:
            running = previous.running()
            if running and reuse and previous.profile == profile.name and \
                    len(running) == len(previous.processes()):
                log(f"reusing the {previous.profile} stack already running in {state_dir} "
                    f"(`down --state-dir {state_dir}` stops it)")
                return _print_started(previous)
            if running:
                names = ", ".join(f"{n} (pid {p})" for n, p, _ in running)
                raise StackError(f"a stack already runs in {state_dir}: {names}; "
                                 f"`down --state-dir {state_dir}` first")
            port = _after_crash(previous, profile, port)
        state = State(state_dir=state_dir, profile=profile.name)
        state.logs.mkdir(parents=True, exist_ok=True)
        server_log = state.logs / "server.log"
        if server_log.is_file() and server_log.stat().st_size:
            # The last server's log says why it ended: keep it beside the new one.
            server_log.replace(state.logs / "server.previous.log")
        server_log.write_bytes(b"")
        try:
            launch = resolve_server(profile)
            state.java, state.jar = launch.java, str(launch.jar)
            state.properties = str(profile.properties or "")
            state.port = port or free_port()
            if port_open(state.port):
                raise StackError(f"port {state.port} is already in use")
            topology = db_password = None
            if profile.redis:
                state.redis_password = secrets.token_hex(16) if redis_password else ""
                state.redis_mode = redis_mode
                state.save()
                topology = redis.start(state, redis_mode, state.redis_password)
            if profile.postgres:
                postgres.start_postgres(state)
                db_password = postgres.provision_postgres(state)
            state.server_env = server_env(state, topology, db_password)
            server_dir = state_dir / "server"
            server_dir.mkdir(parents=True, exist_ok=True)
            state.save()
            log(f"starting {profile.build.label} ({profile.name}) on port {state.port}; "
                f"log: {server_log}")
            state.server_pid = spawn(launch.command(state.port, state_dir), server_log,
                                     cwd=server_dir, env={**server_base_env(), **state.server_env})
            state.save()
            wait_for_server(state, server_log)
        except BaseException as exc:
            if isinstance(exc, StackError) and exc.log is not None:
                log(f"last lines of {exc.log}:\n{tail_file(exc.log)}")
            log("stopping what was started")
            teardown(state)
            raise
    return _print_started(state)


def _print_started(state: State) -> int:
    print(f"PROFILE={state.profile}")
    print(f"SERVER_LOG={state.logs / 'server.log'}")
    print(f"CONDUCTOR_BASE_URL={state.base_url}")
    return 0


def _after_crash(previous: State, profile: Profile, port: int | None) -> int | None:
    """Clears what a stack that no longer runs left, saying what is kept; returns the
    port to use (its old one, unless another was asked for or it is taken now)."""
    keep_data = previous.profile == profile.name and not profile.redis and not profile.postgres
    teardown(previous, keep_server_data=keep_data)
    kept = []
    if keep_data:
        kept.append("its data")
    if port is None and previous.port and not port_open(previous.port):
        port = previous.port
        kept.append(f"its port {port}")
    lost = "" if keep_data else (
        "; its data is not kept (a different profile)" if previous.profile != profile.name
        else "; Redis and PostgreSQL start afresh")
    log(f"the {previous.profile} stack in {previous.state_dir} no longer runs (crashed or "
        f"killed): starting it again" + (f", keeping {' and '.join(kept)}" if kept else "")
        + lost + f"; the last server log is {previous.logs / 'server.previous.log'}")
    return port


def teardown(state: State, keep_server_data: bool = False) -> None:
    """Stops the processes by PID, then removes their data directories (all but the
    server's own with ``keep_server_data``)."""
    postgres.stop_postgres(state)
    for name, pid, marker in state.processes():
        stop_pid(pid, name, marker)
    still = state.running()
    if still:
        raise StackError("could not stop: " + ", ".join(f"{n} (pid {p})" for n, p, _ in still))
    for service in state.services:
        if service.name != "postgres":
            shutil.rmtree(state.state_dir / service.name, ignore_errors=True)
    if not keep_server_data:
        shutil.rmtree(state.state_dir / "server", ignore_errors=True)
    pg_link = state.state_dir / "postgres"
    if pg_link.is_symlink():
        shutil.rmtree(pg_link.resolve(), ignore_errors=True)
        pg_link.unlink()
    else:
        shutil.rmtree(pg_link, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        state.path.unlink()


def down(state_dir: Path) -> int:
    """Stops exactly what `up` started in `state_dir`; does nothing when nothing runs."""
    if not state_dir.is_dir():
        return 0
    with state_lock(state_dir):
        state = State.load(state_dir)
        if state is None:
            return 0
        teardown(state)
    log(f"stopped the stack in {state_dir}")
    return 0


def status_lines(state: State) -> list[tuple[str, str]]:
    """NAME=VALUE pairs describing a stack; secret values masked."""
    lines = [
        ("CONDUCTOR_BASE_URL", state.base_url),
        ("PROFILE", state.profile),
        ("STATE_DIR", str(state.state_dir)),
        ("SERVER_PID", str(state.server_pid)),
        ("SERVER_PORT", str(state.port)),
        ("SERVER_LOG", str(state.logs / "server.log")),
        ("SERVER_JAR", state.jar),
        ("JAVA", state.java),
    ]
    if state.properties:
        lines.append(("PROPERTIES_FILE", state.properties))
    if state.redis_mode:
        lines.append(("REDIS_MODE", state.redis_mode))
    for service in state.services:
        prefix = service.name.upper().replace("-", "_")
        lines += [(f"{prefix}_PID", str(service.pid)), (f"{prefix}_PORT", str(service.port)),
                  (f"{prefix}_LOG", service.log)]
    if state.service("postgres"):
        lines += [
            ("POSTGRES_SETUP_LOG", str(state.logs / "postgres-setup.log")),
            ("POSTGRES_SOCKET_DIR", state.postgres_socket_dir),
            ("POSTGRES_ADMIN_URL", postgres.postgres_admin_url(state)),
        ]
    lines += [(name, masked(name, state.server_env[name]))
              for name in SERVER_ENV_NAMES if name in state.server_env]
    return lines


def status(state_dir: Path) -> int:
    """Prints NAME=VALUE lines for the stack in `state_dir`; exit 1 when nothing runs."""
    state = State.load(state_dir)
    if state is None or not state.running():
        log(f"no stack runs in {state_dir}")
        return 1
    for name, value in status_lines(state):
        print(f"{name}={value}")
    stopped = [n for n, p, m in state.processes() if not pid_runs(p, m)]
    if stopped:
        log("not running: " + ", ".join(stopped))
        return 1
    return 0


def run_server(state_dir: Path, profile: Profile, port: int) -> int:
    """Runs the server in the foreground with the caller's environment (never returns)."""
    launch = resolve_server(profile)
    (state_dir / "server").mkdir(parents=True, exist_ok=True)
    os.chdir(state_dir / "server")
    args = launch.command(port, state_dir)
    sys.stdout.flush()
    os.execv(args[0], args)
    return 1  # unreachable
