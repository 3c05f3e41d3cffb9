"""A PostgreSQL cluster of its own for the stack: initdb in the state directory, a
database and schema `conductor`, and a login role with only the rights the server needs
on that schema (nothing in `public`), as a production database administrator grants."""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from conductor_stack.base import StackError
from conductor_stack.processes import free_port
from conductor_stack.state import Service, State

PG_DATABASE = "conductor"
PG_SCHEMA = "conductor"
PG_ROLE = "conductor"
PG_ADMIN = "postgres"


def pg_bindir() -> Path:
    override = os.environ.get("CONDUCTOR_STACK_PG_BIN")
    if override:
        return Path(override)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise StackError("PostgreSQL (initdb, pg_ctl) is not installed; "
                     "run scripts/install-system-deps")


def pg_user() -> str | None:
    """PostgreSQL refuses to run as root: then it runs as the `postgres` user."""
    if os.geteuid() != 0:
        return None
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise StackError("running as root, but there is no `postgres` user to run PostgreSQL "
                         "as; run scripts/install-system-deps") from exc
    return "postgres"


def as_pg_user(args: Sequence[str]) -> list[str]:
    user = pg_user()
    return ["runuser", "-u", user, "--", *args] if user else list(args)


def pg_dir(state: State) -> Path:
    """A directory the PostgreSQL user can write: <state-dir>/postgres when it can reach it,
    else a private temporary directory that <state-dir>/postgres links to."""
    link = state.state_dir / "postgres"
    user = pg_user()
    if link.is_symlink():
        link.unlink()
    link.mkdir(parents=True, exist_ok=True)
    if user is None:
        return link
    shutil.chown(link, user, user)
    reachable = subprocess.run(["runuser", "-u", user, "--", "test", "-w", str(link)],
                               check=False).returncode == 0
    if reachable:
        return link
    link.rmdir()
    target = Path(tempfile.mkdtemp(prefix="conductor-stack-pg-"))
    shutil.chown(target, user, user)
    link.symlink_to(target)
    return target


def pg_run(args: Sequence[str], log_path: Path, what: str,
           server_log: Path | None = None) -> None:
    with open(log_path, "ab") as out:
        result = subprocess.run(list(args), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise StackError(f"PostgreSQL: {what} failed (exit {result.returncode})",
                         server_log or log_path)


def start_postgres(state: State) -> None:
    bindir = pg_bindir()
    base = pg_dir(state)
    data, sock = base / "data", base / "socket"
    state.postgres_data, state.postgres_socket_dir = str(data), str(sock)
    # Set-up commands log here; the server itself logs inside its own directory (which
    # the PostgreSQL user can write), reached through <state-dir>/postgres/.
    log_path = state.logs / "postgres-setup.log"
    server_log = base / "postgres.log"
    pg_run(as_pg_user(["mkdir", "-p", str(sock)]), log_path, "creating the socket directory")
    pg_run(as_pg_user([str(bindir / "initdb"), "-D", str(data), "-U", PG_ADMIN, "-E", "UTF8",
                       "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"]),
           log_path, "initdb")
    # The admin connects without a password (socket, or TCP from loopback); the server's
    # role only with its password.
    hba = (f"local all all trust\n"
           f"host all {PG_ADMIN} 127.0.0.1/32 trust\n"
           f"host all all 127.0.0.1/32 scram-sha-256\n")
    pg_run(as_pg_user(["sh", "-c", f"cat > {shlex.quote(str(data / 'pg_hba.conf'))}"
                       f" <<'EOF'\n{hba}EOF"]), log_path, "writing pg_hba.conf")
    port = free_port()
    state.add(Service(name="postgres", pid=0, port=port, marker="postgres",
                      log=str(state.state_dir / "postgres" / "postgres.log")))
    options = (f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 "
               "-c fsync=off -c full_page_writes=off")
    pg_run(as_pg_user([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(server_log),
                       "-o", options, "-w", "-t", "60", "start"]), log_path, "pg_ctl start",
           server_log)
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError) as exc:
        raise StackError("PostgreSQL started but wrote no postmaster.pid") from exc
    postgres_service(state).pid = pid
    state.save()


def postgres_service(state: State) -> Service:
    service = state.service("postgres")
    if service is None:
        raise StackError(f"no PostgreSQL was started in {state.state_dir}")
    return service


def psql(state: State, database: str, sql: str) -> str:
    bindir = pg_bindir()
    port = postgres_service(state).port
    result = subprocess.run(
        as_pg_user([str(bindir / "psql"), "-h", state.postgres_socket_dir, "-p",
                    str(port), "-U", PG_ADMIN, "-d", database, "-X", "-q",
                    "-v", "ON_ERROR_STOP=1", "-At", "-c", sql]),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise StackError(f"PostgreSQL: psql on {database} failed: {result.stderr.strip()}")
    return result.stdout


def provision_postgres(state: State) -> str:
    """Database `conductor`, schema `conductor`, a login role that may connect and use and
    create in that schema only, nothing in `public`. Returns the role's password."""
    password = secrets.token_urlsafe(24)
    psql(state, "postgres", f"CREATE ROLE {PG_ROLE} LOGIN PASSWORD '{password}'")
    psql(state, "postgres", f"CREATE DATABASE {PG_DATABASE} OWNER {PG_ADMIN}")
    psql(state, PG_DATABASE, ";\n".join([
        f"REVOKE ALL ON DATABASE {PG_DATABASE} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {PG_DATABASE} TO {PG_ROLE}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"REVOKE ALL ON SCHEMA public FROM {PG_ROLE}",
        f"CREATE SCHEMA {PG_SCHEMA} AUTHORIZATION {PG_ADMIN}",
        f"GRANT USAGE, CREATE ON SCHEMA {PG_SCHEMA} TO {PG_ROLE}",
        f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {PG_SCHEMA} TO {PG_ROLE}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {PG_SCHEMA} "
        f"GRANT SELECT, INSERT, UPDATE ON TABLES TO {PG_ROLE}",
    ]))
    return password


def postgres_admin_url(state: State) -> str:
    port = postgres_service(state).port
    return f"postgresql://{PG_ADMIN}@127.0.0.1:{port}/{PG_DATABASE}"


def stop_postgres(state: State) -> None:
    """A fast shutdown through pg_ctl (PostgreSQL's own way), before its PID is checked."""
    service = state.service("postgres")
    if service is None or not service.pid or not state.postgres_data:
        return
    subprocess.run(
        as_pg_user([str(pg_bindir() / "pg_ctl"), "-D", state.postgres_data, "-m", "fast",
                    "-w", "-t", "30", "stop"]),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        check=False,
    )
