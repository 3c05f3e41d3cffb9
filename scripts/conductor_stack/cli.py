"""conductor-stack's arguments and exit codes."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from conductor_stack import commands
from conductor_stack.base import StackError, default_state_dir, log
from conductor_stack.profiles import PROFILES

USAGE = """\
  conductor-stack fetch [--profile PROFILE ...]
  conductor-stack up [--profile embedded|redis-postgres|production-core] [--port N]
                     [--redis standalone|sentinel|cluster] [--redis-password]
                     [--redis-tls] [--reuse] [--state-dir DIR]
  conductor-stack status [--state-dir DIR]
  conductor-stack down [--state-dir DIR]
  conductor-stack run-server --port N [--profile PROFILE] [--state-dir DIR]
"""
EPILOG = """\
profiles:
  embedded         conductor-oss 3.32.3 on its own built-in storage (a SQLite file)
  redis-postgres   conductor-oss 3.32.3 on a Redis and a PostgreSQL of its own,
                   configured as the server image is (docker/server/config/)
  production-core  Netflix Conductor 3.15.0, the engine of Orkes Conductor v1.1.12
                   (production), on Redis: definitions, queues and the lock

Redis topologies (--redis, profiles with Redis):
  standalone       one redis-server (default)
  sentinel         a master, a replica and three redis-sentinel processes (quorum 2)
  cluster          three masters made with redis-cli --cluster create
The server gets the variables the conductor-server chart sets for that mode.
--redis-password protects every Redis process with a generated password (in their
configuration files and the state file, never on a command line); --redis-tls is
refused for production-core (Netflix Conductor 3.15.0 has no conductor.redis.ssl).

The state dir defaults to $CONDUCTOR_STACK_DIR, else .stack/ in the repository; every
log goes to a file under <state-dir>/logs/, and `status` names them.

After a crash (the state dir remains, its processes are gone) `up` starts the stack
again on its old port (unless --port names another, or the port is taken now); the
embedded profile keeps its data, while Redis and PostgreSQL start afresh. The crashed
server's log is kept as logs/server.previous.log. `down` removes the data: `down`, then
`up`, to start afresh.

environment:
  CONDUCTOR_JAVA             the java executable to use
  CONDUCTOR_STACK_DIR        the default state dir
  CONDUCTOR_STACK_TIMEOUT    seconds `up` waits for the server (default 480)
  CONDUCTOR_STACK_JAVA_OPTS  JVM options (default: a small heap, fast start-up)

Exit codes: 0 = success, 1 = error, 130 = interrupted.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conductor-stack", usage=USAGE, epilog=EPILOG,
        description="Runs a real Conductor server locally, in one command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def with_state_dir(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--state-dir", type=Path, default=None,
                       help="where the stack keeps its data and logs "
                            "(default: $CONDUCTOR_STACK_DIR, else .stack/ in the repository)")
        return p

    p_fetch = sub.add_parser("fetch", help="download the server jars and find a Java for each")
    p_fetch.add_argument("--profile", choices=sorted(PROFILES), action="append", default=[],
                         help="only what this profile runs (repeatable; default: every profile)")
    p_up = with_state_dir(sub.add_parser("up", help="start a stack and wait until it answers"))
    p_up.add_argument("--profile", choices=sorted(PROFILES), default="embedded")
    p_up.add_argument("--port", type=int, default=None, help="server port (default: a free one)")
    p_up.add_argument("--redis", choices=("standalone", "sentinel", "cluster"),
                      default="standalone", help="Redis topology (default: standalone)")
    p_up.add_argument("--redis-password", action="store_true",
                      help="protect Redis with a generated password")
    p_up.add_argument("--redis-tls", action="store_true",
                      help="TLS to Redis (refused where the server has no TLS switch)")
    p_up.add_argument("--reuse", action="store_true",
                      help="when this profile's stack already runs in the state dir, print its "
                           "lines and succeed (default: refuse)")
    with_state_dir(sub.add_parser("status", help="print NAME=VALUE lines for the running stack"))
    with_state_dir(sub.add_parser("down", help="stop the stack and remove its data"))
    p_run = with_state_dir(sub.add_parser(
        "run-server", help="run the server in the foreground with the caller's environment"))
    p_run.add_argument("--port", type=int, required=True)
    p_run.add_argument("--profile", choices=sorted(PROFILES), default="redis-postgres",
                       help="whose server and properties file to run (default: redis-postgres)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    state_dir = (getattr(args, "state_dir", None) or default_state_dir()).resolve()
    try:
        if args.command == "fetch":
            return commands.fetch([PROFILES[name] for name in args.profile])
        if args.command == "up":
            return commands.up(state_dir, PROFILES[args.profile], args.port,
                               redis_mode=args.redis, redis_tls=args.redis_tls,
                               redis_password=args.redis_password, reuse=args.reuse)
        if args.command == "status":
            return commands.status(state_dir)
        if args.command == "down":
            return commands.down(state_dir)
        if args.command == "run-server":
            return commands.run_server(state_dir, PROFILES[args.profile], args.port)
    except StackError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    raise NotImplementedError(args.command)
