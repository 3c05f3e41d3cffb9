#!/usr/bin/env python3
"""Benchmark: the migrator's deploy against one-by-one registration, on a real server.

Generates 1,000 task definitions and 300 workflows (SIMPLE, SWITCH, FORK_JOIN/JOIN,
DO_WHILE, INLINE, SET_VARIABLE, HTTP), one definition per file, starts a Conductor
server with scripts/conductor-stack (embedded profile, free port, temporary state),
and measures, in the same run:

  1. ``deploy`` on the empty server (cold);
  2. ``deploy`` again, nothing changed: in-process, and as a ``workflow-migrator``
     process (interpreter start-up included);
  3. registering the same files one by one, as the official Conductor CLI does
     (``conductor task create FILE`` / ``conductor workflow create FILE``, one call per
     file). With a CLI binary (``--cli PATH``, ``$CONDUCTOR_CLI`` or ``conductor`` on
     PATH) it runs that binary; without one it makes exactly the requests the CLI
     makes, one per file on a fresh connection: ``POST /api/metadata/taskdefs`` with a
     one-element list per task file, ``POST /api/metadata/workflow?overwrite=true``
     per workflow file. Process start-up is not counted then, so the loop is a lower
     bound on the CLI's time;
  4. ``deploy`` once more, after the one-by-one registration rewrote everything.

It also measures the command's start-up: the process time (user + system CPU) of
``workflow-migrator --help`` and of ``validate`` of the shipped ``config/``, over that of
a bare interpreter (``python -c pass``), median of 9 each, taken in turns. The package's
bytecode is compiled first, as installing the wheel does (a checkout run with
``PYTHONDONTWRITEBYTECODE`` would otherwise compile every module on every start).
``--start-up-only`` measures only that, without a server.

In the same run it measures the unchanged re-deploy's floor, the server answering the
two listings a deploy reads (``GET /api/metadata/taskdefs`` and ``/workflow``, at once)
and nothing else, and ``validate`` of the generated directory offline, in process.

It prints a table and exits 1 if the targets are missed: the unchanged re-deploy makes at
most 3 requests, in process takes at most twice its floor, and as a process (start-up
included) is at least 10x faster than the one-by-one registration; the offline
``validate`` takes at most 1 s; ``--help`` starts in at most 80 ms and ``validate`` of a small
directory in at most 120 ms of process time over the bare interpreter.

Usage:
  .venv/bin/python bench/deploy.py [--tasks 1000] [--workflows 300]
                                   [--base-url URL] [--cli PATH] [--markdown]

``--base-url`` uses a running server instead of starting one; the definitions then get
names of their own, and "cold" means only that those names are new to the server.
``--profile FILE`` writes a cProfile of the unchanged re-deploy.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import http.client
import json
import os
import random
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from workflow_migrator import ConductorClient, RetryPolicy, deploy

REPO_ROOT = Path(__file__).resolve().parent.parent
STACK_SCRIPT = REPO_ROOT / "scripts" / "conductor-stack"
MAX_UNCHANGED_REQUESTS = 3
MIN_SPEEDUP = 10.0
#: The most process time each short command may take over a bare interpreter.
MAX_START_SECONDS = {"--help": 0.080, "validate": 0.120}
SMALL_CONFIG = REPO_ROOT / "config"
#: The most an unchanged re-deploy in process may take, as a multiple of its floor: the
#: server answering the two listings alone.
MAX_OVER_FLOOR = 2.0
MAX_VALIDATE_SECONDS = 1.0


# -- the definitions -------------------------------------------------------------------


def task_def(prefix: str, i: int, rng: random.Random) -> dict[str, object]:
    timeout = rng.choice([600, 1800, 3600])
    body: dict[str, object] = {
        "name": f"{prefix}_task_{i:04}",
        "description": f"Step {i} of the order and billing processes",
        "ownerEmail": "platform-team@example.com",
        "retryCount": rng.randint(0, 5),
        "retryLogic": rng.choice(["FIXED", "EXPONENTIAL_BACKOFF", "LINEAR_BACKOFF"]),
        "retryDelaySeconds": rng.choice([1, 5, 30]),
        "timeoutSeconds": timeout,
        "responseTimeoutSeconds": timeout // 2,
        "timeoutPolicy": rng.choice(["TIME_OUT_WF", "RETRY", "ALERT_ONLY"]),
        "inputKeys": ["orderId", "customerId"][: rng.randint(0, 2)],
        "outputKeys": ["result", "status"][: rng.randint(0, 2)],
    }
    if rng.random() < 0.3:
        body["concurrentExecLimit"] = rng.choice([5, 10, 50])
    if rng.random() < 0.2:
        body["rateLimitPerFrequency"] = 100
        body["rateLimitFrequencyInSeconds"] = 60
    return body


def simple(name: str, ref: str, **inputs: str) -> dict[str, object]:
    return {"name": name, "taskReferenceName": ref, "type": "SIMPLE",
            "inputParameters": {"orderId": "${workflow.input.orderId}", **inputs}}


def workflow_def(prefix: str, j: int, task_names: list[str],
                 rng: random.Random) -> dict[str, object]:
    t = rng.sample(task_names, 12)
    tasks: list[dict[str, object]] = [
        simple(t[0], "validate"),
        {"name": "classify", "taskReferenceName": "classify", "type": "INLINE",
         "inputParameters": {
             "evaluatorType": "javascript", "amount": "${workflow.input.amount}",
             "expression": "(function () { return $.amount > 1000 ? 'large' : "
                           "($.amount > 100 ? 'medium' : 'small'); })();"}},
        {"name": "route", "taskReferenceName": "route", "type": "SWITCH",
         "evaluatorType": "value-param", "expression": "size",
         "inputParameters": {"size": "${classify.output.result}"},
         "decisionCases": {
             "large": [simple(t[1], "review"), simple(t[2], "approve")],
             "medium": [simple(t[3], "check")],
         },
         "defaultCase": [simple(t[4], "auto_approve")]},
        {"name": "fan_out", "taskReferenceName": "fan_out", "type": "FORK_JOIN",
         "forkTasks": [[simple(t[5], "reserve")],
                       [simple(t[6], "charge"), simple(t[7], "receipt")],
                       [simple(t[8], "notify")]]},
        {"name": "join", "taskReferenceName": "join", "type": "JOIN",
         "joinOn": ["reserve", "receipt", "notify"]},
        {"name": "remember", "taskReferenceName": "remember", "type": "SET_VARIABLE",
         "inputParameters": {"charged": "${charge.output.result}"}},
    ]
    if j % 3 == 0:
        tasks.append({
            "name": "poll_shipment", "taskReferenceName": "poll_shipment", "type": "DO_WHILE",
            "loopCondition": "if ($.poll_shipment['iteration'] < 3) { true; } else { false; }",
            "evaluatorType": "javascript",
            "loopOver": [simple(t[9], "track")]})
    if j % 4 == 0:
        tasks.append({
            "name": "audit", "taskReferenceName": "audit", "type": "HTTP", "optional": True,
            "inputParameters": {"http_request": {
                "uri": "http://audit.internal/api/events", "method": "POST",
                "body": {"orderId": "${workflow.input.orderId}", "flow": f"flow {j}"},
                "connectionTimeOut": 3000, "readTimeOut": 3000}}})
    tasks.append(simple(t[10], "complete", result="${remember.output.charged}"))
    return {
        "name": f"{prefix}_flow_{j:03}",
        "description": f"Order process {j}",
        "version": 1,
        "ownerEmail": "platform-team@example.com",
        "schemaVersion": 2,
        "restartable": True,
        "timeoutPolicy": "TIME_OUT_WF",
        "timeoutSeconds": 3600,
        "inputParameters": ["orderId", "amount"],
        "outputParameters": {"status": "${complete.output.status}"},
        "tasks": tasks,
    }


def generate(config_dir: Path, tasks: int, workflows: int,
             prefix: str = "bench") -> tuple[list[Path], list[Path]]:
    rng = random.Random(1300)
    (config_dir / "tasks").mkdir(parents=True)
    (config_dir / "workflows").mkdir(parents=True)
    task_files, workflow_files = [], []
    for i in range(tasks):
        path = config_dir / "tasks" / f"task_{i:04}.json"
        path.write_text(json.dumps(task_def(prefix, i, rng), indent=2))
        task_files.append(path)
    names = [f"{prefix}_task_{i:04}" for i in range(tasks)]
    for j in range(workflows):
        path = config_dir / "workflows" / f"flow_{j:03}.json"
        path.write_text(json.dumps(workflow_def(prefix, j, names, rng), indent=2))
        workflow_files.append(path)
    return task_files, workflow_files


# -- the server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def conductor_server(base_url: str | None, state_dir: Path) -> Iterator[str]:
    """A running server's URL: ``base_url`` as given, or a fresh embedded stack."""
    if base_url:
        yield base_url
        return
    if not STACK_SCRIPT.exists():
        sys.exit(f"{STACK_SCRIPT} not found: pass --base-url of a running Conductor server")
    command = [str(STACK_SCRIPT), "up", "--profile", "embedded", "--port", str(free_port()),
               "--state-dir", str(state_dir)]
    print(f"starting Conductor: {' '.join(command)}", file=sys.stderr)
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            sys.exit(f"conductor-stack up failed ({result.returncode}):\n{result.stderr}")
        last_line = result.stdout.strip().splitlines()[-1]
        yield last_line.split("=", 1)[1].strip()
    finally:
        subprocess.run([str(STACK_SCRIPT), "down", "--state-dir", str(state_dir)],
                       capture_output=True, text=True, timeout=120, check=False)


# -- the measurements ------------------------------------------------------------------


@dataclass
class Run:
    label: str
    requests: int | None
    writes: int | None
    seconds: float
    note: str = ""


def listings_alone(base_url: str) -> Run:
    """The floor of an unchanged re-deploy: the server answering the two listings it
    reads (task definitions and workflow versions, asked for at once as deploy asks),
    median of 3, nothing else."""
    times = []
    with ConductorClient(base_url, retry=RetryPolicy(attempts=3)) as client:
        for _ in range(3):
            started = time.perf_counter()
            client.list_all_defs()
            times.append(time.perf_counter() - started)
    return Run("floor: the two listings alone", 2, 0, sorted(times)[1], "median of 3")


def validate_offline(config_dir: Path) -> Run:
    """``validate`` of the directory in process, offline: loading, placeholders and
    every rule, median of 3."""
    from workflow_migrator import validate_directory

    times = []
    for _ in range(3):
        gc.disable()
        started = time.perf_counter()
        validate_directory(config_dir)
        times.append(time.perf_counter() - started)
        gc.enable()
    return Run("validate, offline, in process", 0, 0, sorted(times)[1], "median of 3")


def migrator_in_process(label: str, config_dir: Path, base_url: str,
                        profile: Path | None = None) -> Run:
    with ConductorClient(base_url, retry=RetryPolicy(attempts=3)) as client:
        profiler = cProfile.Profile() if profile else None
        # As the command runs it: without the cycle collector (see workflow_migrator._cli).
        gc.disable()
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        deploy(config_dir, client, wait_timeout=60)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
        gc.enable()
        if profiler and profile:
            profiler.dump_stats(profile)
        return Run(label, len(client.requests), client.write_count, seconds)


def migrator_process(label: str, config_dir: Path, base_url: str) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONDUCTOR_", "APP_ENV"))}
    env["CONDUCTOR_BASE_URL"] = base_url
    started = time.perf_counter()
    result = subprocess.run(
        [*migrator_command(), "deploy", "--config-dir", str(config_dir), "--log-format", "json"],
        env=env, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"workflow-migrator deploy failed ({result.returncode}):\n{result.stderr}")
    complete = [json.loads(line) for line in result.stderr.splitlines()
                if '"event": "complete"' in line]
    writes = None
    if complete:
        message = complete[-1]["message"]
        writes = int(message.rsplit(";", 1)[1].split()[0])
    return Run(label, None, writes, seconds, "process start-up included")


def migrator_command() -> list[str]:
    """The command a user runs: the installed ``workflow-migrator`` script beside this
    interpreter (no ``runpy``), else the package run as a module."""
    script = Path(sys.executable).with_name("workflow-migrator")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "workflow_migrator"]


def process_seconds(commands: dict[str, list[str]], runs: int = 9) -> dict[str, float]:
    """The median process time (user + system CPU of the child) of running each command,
    the commands taken in turns, so that a change in the machine's load falls on all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONDUCTOR_", "APP_ENV"))}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, args in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(args, env=env, capture_output=True, check=True, timeout=60)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            times[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {name: sorted(values)[len(values) // 2] for name, values in times.items()}


def compile_package() -> None:
    """Compiles the package's bytecode, as installing the wheel does: a checkout run with
    ``PYTHONDONTWRITEBYTECODE`` would otherwise compile its changed modules at every start
    of every process measured."""
    import workflow_migrator

    package = Path(workflow_migrator.__file__).parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True,
                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})


def start_up() -> dict[str, float]:
    """Process time of each short command over a bare interpreter's (keyed by
    ``MAX_START_SECONDS``'s names), and of the bare interpreter itself (``python``)."""
    compile_package()
    migrator = migrator_command()
    seconds = process_seconds({
        "python": [sys.executable, "-c", "pass"],
        "--help": [*migrator, "--help"],
        "validate": [*migrator, "validate", "--config-dir", str(SMALL_CONFIG)],
    })
    return {name: value - (seconds["python"] if name != "python" else 0)
            for name, value in seconds.items()}


def start_up_report(started: dict[str, float]) -> list[str]:
    """Prints the start-up figures; returns the targets missed."""
    print(f"start-up, process time of a bare interpreter: {started['python'] * 1000:.0f} ms")
    failures = []
    for command, limit in MAX_START_SECONDS.items():
        verdict = "met" if started[command] <= limit else "MISSED"
        print(f"start-up, process time of workflow-migrator {command} over it: "
              f"{started[command] * 1000:.0f} ms (target <= {limit * 1000:.0f} ms: {verdict})")
        if verdict != "met":
            failures.append(f"{command} takes {started[command] * 1000:.0f} ms")
    return failures


def one_by_one_with_cli(cli: str, base_url: str, task_files: list[Path],
                        workflow_files: list[Path]) -> Run:
    server = f"{base_url.rstrip('/')}/api"
    started = time.perf_counter()
    calls = [("task", f) for f in task_files] + [("workflow", f) for f in workflow_files]
    for kind, file in calls:
        result = subprocess.run([cli, "--server", server, kind, "create", str(file)],
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            sys.exit(f"{cli} {kind} create {file} failed:\n{result.stdout}{result.stderr}")
    seconds = time.perf_counter() - started
    return Run(f"one by one: {Path(cli).name} task/workflow create", len(calls), len(calls),
               seconds, "one process per file; requests assumed 1 per call")


def one_by_one_requests(base_url: str, task_files: list[Path],
                        workflow_files: list[Path]) -> Run:
    """Exactly the CLI's requests, one per file, each on a new connection as each CLI
    process opens its own (plain http.client: no client set-up cost is counted)."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    prefix = parts.path.rstrip("/").removesuffix("/api")
    calls = [("/api/metadata/taskdefs", f, True) for f in task_files]
    calls += [("/api/metadata/workflow?overwrite=true", f, False) for f in workflow_files]
    started = time.perf_counter()
    for path, file, as_list in calls:
        body = json.loads(file.read_text())
        if as_list and not isinstance(body, list):
            body = [body]
        connection = http.client.HTTPConnection(host, port, timeout=60)
        try:
            connection.request("POST", prefix + path, body=json.dumps(body),
                               headers={"Content-Type": "application/json",
                                        "Accept": "application/json"})
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        if response.status != 200:
            sys.exit(f"POST {path} ({file.name}) -> {response.status}: {answer[:300]!r}")
    seconds = time.perf_counter() - started
    return Run("one by one: the CLI's requests", len(calls), len(calls), seconds,
               "no CLI binary: its requests in a loop, process start-up not counted")


def find_cli(explicit: str | None) -> str | None:
    candidate = explicit or os.environ.get("CONDUCTOR_CLI") or shutil.which("conductor")
    return candidate if candidate and Path(candidate).is_file() else None


# -- the report ------------------------------------------------------------------------


def table(runs: list[Run], markdown: bool) -> str:
    def cell(value: int | None) -> str:
        return "-" if value is None else f"{value:,}"

    rows = [(r.label, cell(r.requests), cell(r.writes), f"{r.seconds:.2f} s", r.note)
            for r in runs]
    header = ("run", "requests", "writes", "wall time", "note")
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|---|---:|---:|---:|---|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:{'<' if i in (0, 4) else '>'}{w}}}" for i, w in enumerate(widths))
    return "\n".join(fmt.format(*row).rstrip() for row in [header, *rows])


def server_arguments(parser: argparse.ArgumentParser) -> None:
    """``--base-url`` and ``--markdown``, as every benchmark takes them."""
    parser.add_argument("--base-url", help="a running server to use instead of starting one")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")


def names_prefix(base_url: str | None) -> str:
    """The definitions' prefix: fixed on a server of the benchmark's own, new every run on
    a running one."""
    return f"bench{secrets.token_hex(3)}" if base_url else "bench"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--workflows", type=int, default=300)
    parser.add_argument("--cli", help="the official Conductor CLI binary, if installed")
    server_arguments(parser)
    parser.add_argument("--profile", type=Path, help="cProfile the unchanged re-deploy here")
    parser.add_argument("--start-up-only", action="store_true",
                        help="measure only the start-up of the short commands")
    args = parser.parse_args(argv)
    if args.start_up_only:
        print(f"load average {os.getloadavg()[0]:.1f}")
        return 1 if start_up_report(start_up()) else 0

    compile_package()
    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as tmp:
        config_dir = Path(tmp) / "config"
        prefix = names_prefix(args.base_url)
        task_files, workflow_files = generate(config_dir, args.tasks, args.workflows, prefix)
        total = len(task_files) + len(workflow_files)
        print(f"generated {len(task_files)} task definitions and {len(workflow_files)} "
              f"workflows ({total} files) in {config_dir}", file=sys.stderr)
        with conductor_server(args.base_url, Path(tmp) / "stack") as base_url:
            runs = [migrator_in_process("migrator deploy, cold", config_dir, base_url)]
            unchanged = [migrator_in_process("migrator deploy, unchanged", config_dir, base_url,
                                             args.profile if i == 0 else None)
                         for i in range(3)]
            median = sorted(unchanged, key=lambda r: r.seconds)[1]
            median.note = "median of 3"
            runs.append(median)
            floor = listings_alone(base_url)
            offline = validate_offline(config_dir)
            runs.append(migrator_process("migrator deploy, unchanged (CLI process)",
                                         config_dir, base_url))
            cli = find_cli(args.cli)
            if cli:
                one_by_one = one_by_one_with_cli(cli, base_url, task_files, workflow_files)
            else:
                one_by_one = one_by_one_requests(base_url, task_files, workflow_files)
            runs.append(one_by_one)
            runs.append(migrator_in_process("migrator deploy, after the one-by-one run",
                                            config_dir, base_url))

    started = start_up()
    print(f"\n{total:,} definitions ({len(task_files):,} tasks, {len(workflow_files):,} "
          f"workflows), Conductor at {base_url}\n")
    print(table([*runs, floor, offline], args.markdown))
    process_run = runs[2]
    # Like for like: the loop counts no process start-up, so neither does this ratio; the
    # CLI binary's row includes one start-up per file, so it is set against the process.
    baseline = process_run if cli else median
    speedup = one_by_one.seconds / baseline.seconds
    failures = []
    if any(r.requests is not None and r.requests > MAX_UNCHANGED_REQUESTS for r in unchanged):
        failures.append(f"an unchanged re-deploy made more than {MAX_UNCHANGED_REQUESTS} requests")
    if any(r.writes for r in [*unchanged, process_run, runs[-1]]):
        failures.append("an unchanged re-deploy wrote something")
    process_speedup = one_by_one.seconds / process_run.seconds
    if speedup < MIN_SPEEDUP:
        failures.append(f"the unchanged re-deploy is only {speedup:.1f}x faster")
    if process_speedup < MIN_SPEEDUP:
        failures.append(f"the unchanged re-deploy as a process is only {process_speedup:.1f}x "
                        "faster")
    print(f"\none-by-one registration / unchanged re-deploy ({baseline.label}): {speedup:.1f}x")
    print(f"one-by-one registration / unchanged re-deploy as a process: {process_speedup:.1f}x")
    over_floor = median.seconds / floor.seconds
    print(f"unchanged re-deploy in process / the two listings alone: {over_floor:.1f}x "
          f"(target <= {MAX_OVER_FLOOR:.0f}x)")
    print(f"offline validate of {total:,} definitions: {offline.seconds:.2f} s "
          f"(target <= {MAX_VALIDATE_SECONDS:.0f} s)")
    if over_floor > MAX_OVER_FLOOR:
        failures.append(f"the unchanged re-deploy is {over_floor:.1f}x its floor")
    if offline.seconds > MAX_VALIDATE_SECONDS:
        failures.append(f"offline validate takes {offline.seconds:.2f} s")
    failures += start_up_report(started)
    print(f"targets: <= {MAX_UNCHANGED_REQUESTS} requests, >= {MIN_SPEEDUP:.0f}x in process and as "
          f"a process, start-up as above: "
          f"{'met' if not failures else 'MISSED: ' + '; '.join(failures)}")
    if not cli:
        print("The official CLI was not installed (no --cli, $CONDUCTOR_CLI or `conductor` on "
              "PATH): the one-by-one row is a loop making exactly its requests.")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
