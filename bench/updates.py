#!/usr/bin/env python3
"""Benchmark: a deploy that changes many existing task definitions, their updates sent
``PARALLEL_WRITES`` at a time against one at a time, on a real server, in one run.

Conductor updates one task definition per request (``PUT /api/metadata/taskdefs``), so
a release that touches every task definition (a new owner, a longer timeout) makes one
request per definition. The benchmark generates 500 task definitions (those of
bench/deploy.py), deploys them, then changes the description of every one and deploys
again, alternately with the migrator's bound and with a bound of 1 (one at a time, as
the migrator did before), ``--rounds`` times each. Every run is the same code path and
makes the same requests; only the number in flight differs.

It prints a table and exits 1 if the parallel deploy is not at least 3x faster (the
median of each).

Sending requests at once hides each one's round trip, not the server's work: on a
machine whose cores the server already keeps busy, the two take about as long.
``--latency MS`` adds that many milliseconds of waiting to every request, in the client,
as a network between the migrator's pod and the server's adds (the server itself, on the
same host, answers in a fraction of a millisecond of network time).

Usage:
  .venv/bin/python bench/updates.py [--tasks 500] [--rounds 3] [--latency MS]
                                    [--base-url URL] [--markdown]

``--base-url`` uses a running server instead of starting one (the definitions then get
names of their own, and stay on that server).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deploy import Run, conductor_server, generate, names_prefix, server_arguments, table  # noqa: E402

from workflow_migrator import (  # noqa: E402
    ConductorClient,
    RetryPolicy,
    _apply,  # noqa: E402
    deploy,
)

MIN_SPEEDUP = 3.0


def change_every_description(task_files: list[Path], revision: int) -> None:
    for path in task_files:
        body = json.loads(path.read_text())
        body["description"] = f"{body['description'].split(' (revision')[0]} (revision {revision})"
        path.write_text(json.dumps(body, indent=2))


class Latency(httpx.HTTPTransport):
    """A network round trip of ``seconds``: each request waits that long (idle, as on
    a network) before it is sent."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        time.sleep(self.seconds)
        return super().handle_request(request)


def timed_deploy(label: str, config_dir: Path, base_url: str, bound: int,
                 latency: float = 0.0) -> Run:
    """One deploy in process, its task definition updates ``bound`` at a time."""
    transport = Latency(latency) if latency else None
    with ConductorClient(base_url, retry=RetryPolicy(attempts=3), transport=transport) as client, \
            mock.patch.object(_apply, "PARALLEL_WRITES", bound):
        gc.disable()  # as the command runs (see workflow_migrator._cli)
        started = time.perf_counter()
        plan, result = deploy(config_dir, client, wait_timeout=60)
        seconds = time.perf_counter() - started
        gc.enable()
        return Run(label, len(client.requests), client.write_count, seconds,
                   f"{result.updated} updated")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.0, metavar="MS",
                        help="milliseconds of network round trip to add to every request")
    server_arguments(parser)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-updates-") as tmp:
        config_dir = Path(tmp) / "config"
        prefix = names_prefix(args.base_url)
        task_files, _ = generate(config_dir, args.tasks, 0, prefix)
        with conductor_server(args.base_url, Path(tmp) / "stack") as base_url:
            runs = [timed_deploy("deploy, cold", config_dir, base_url, _apply.PARALLEL_WRITES)]
            parallel: list[Run] = []
            serial: list[Run] = []
            for _ in range(args.rounds):
                # Alternate, so that a change in the machine's load falls on both.
                for bound, runs_of in ((_apply.PARALLEL_WRITES, parallel), (1, serial)):
                    change_every_description(task_files, len(parallel) + len(serial) + 1)
                    runs_of.append(timed_deploy(
                        f"{args.tasks} updated, {bound} at a time", config_dir, base_url, bound,
                        args.latency / 1000))
    medians = [sorted(r, key=lambda run: run.seconds)[len(r) // 2] for r in (parallel, serial)]
    for median in medians:
        median.note += f", median of {args.rounds}"
    speedup = medians[1].seconds / medians[0].seconds
    latency = f", {args.latency:g} ms added to every request" if args.latency else ""
    print(f"\n{args.tasks:,} task definitions, Conductor at {base_url}{latency}\n")
    print(table([*runs, *medians], args.markdown))
    print(f"\none at a time / {_apply.PARALLEL_WRITES} at a time: {speedup:.1f}x "
          f"(target >= {MIN_SPEEDUP:.0f}x: {'met' if speedup >= MIN_SPEEDUP else 'MISSED'})")
    return 0 if speedup >= MIN_SPEEDUP else 1


if __name__ == "__main__":
    raise SystemExit(main())
