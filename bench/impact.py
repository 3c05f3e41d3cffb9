#!/usr/bin/env python3
"""Benchmark: ``plan`` with and without impact analysis, on a real server holding
1,300 definitions and 1,000 running executions.

Deploys the definitions of ``bench/deploy.py`` (1,000 task definitions, 300 workflows)
to a Conductor server (a fresh embedded stack, or ``--base-url``), starts 1,000
executions spread over the first 10 workflows (one in five paused), then changes
workflows in the directory and measures ``plan`` in process, without (``--no-impact``)
and with the analysis, median of 3 each:

  1. 10 workflows changed: the ones with the executions;
  2. every workflow changed (300): the most the analysis reads.

It prints the requests by endpoint and the wall time; nothing is asserted (the machine
is shared). The executions are terminated at the end.

Usage:
  .venv/bin/python bench/impact.py [--executions 1000] [--base-url URL] [--markdown]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deploy import Run, conductor_server, generate, names_prefix, server_arguments, table  # noqa: E402

from workflow_migrator import ConductorClient, RetryPolicy, deploy, plan  # noqa: E402
from workflow_migrator._impact import ImpactOptions  # noqa: E402

BUSY_WORKFLOWS = 10


def start_executions(base_url: str, names: list[str], count: int) -> list[str]:
    """Starts ``count`` executions round-robin over ``names``; pauses one in five."""
    with httpx.Client(base_url=base_url, timeout=60) as http:
        def start(i: int) -> str:
            answer = http.post("/api/workflow", json={"name": names[i % len(names)],
                                                      "input": {"orderId": f"o{i}"}})
            answer.raise_for_status()
            execution = answer.text.strip('"')
            if i % 5 == 0:
                http.put(f"/api/workflow/{execution}/pause").raise_for_status()
            return execution

        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(start, range(count)))


def terminate(base_url: str, executions: list[str]) -> None:
    with httpx.Client(base_url=base_url, timeout=60) as http, \
            ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda e: http.delete(f"/api/workflow/{e}",
                                            params={"reason": "bench over"}), executions))


def change(files: list[Path], mark: str) -> None:
    for path in files:
        body = json.loads(path.read_text())
        body["description"] = f"changed {mark}"
        path.write_text(json.dumps(body, indent=2))


def measure(label: str, config_dir: Path, base_url: str,
            impact: bool) -> tuple[Run, Counter[str]]:
    runs = []
    for _ in range(3):
        with ConductorClient(base_url, retry=RetryPolicy(attempts=3)) as client:
            gc.disable()
            started = time.perf_counter()
            planned = plan(config_dir, client, wait_timeout=60,
                           impact=ImpactOptions() if impact else None)
            seconds = time.perf_counter() - started
            gc.enable()
            endpoints = Counter(_endpoint(r.path) for r in client.requests)
            runs.append((Run(label, len(client.requests), client.write_count, seconds), endpoints,
                         planned))
    run, endpoints, planned = sorted(runs, key=lambda r: r[0].seconds)[1]
    executions = sum(e.total for e in planned.risk.executions) if planned.risk else 0
    run.note = f"median of 3; {executions} executions counted" if impact else "median of 3"
    return run, endpoints


def _endpoint(path: str) -> str:
    for prefix in ("/api/workflow/running/", "/api/workflow/search", "/api/tasks/queue/polldata",
                   "/api/metadata/taskdefs", "/api/metadata/workflow", "/api/event", "/health"):
        if path.startswith(prefix):
            return prefix.rstrip("/")
    return "/api/workflow/{id}" if path.startswith("/api/workflow/") else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--workflows", type=int, default=300)
    parser.add_argument("--executions", type=int, default=1000)
    server_arguments(parser)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-impact-") as tmp:
        config_dir = Path(tmp) / "config"
        prefix = names_prefix(args.base_url)
        _, workflow_files = generate(config_dir, args.tasks, args.workflows, prefix)
        with conductor_server(args.base_url, Path(tmp) / "stack") as base_url:
            started = time.perf_counter()
            with ConductorClient(base_url) as client:
                deploy(config_dir, client, wait_timeout=600)
            print(f"deployed {args.tasks + args.workflows:,} definitions in "
                  f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
            names = [json.loads(f.read_text())["name"] for f in workflow_files[:BUSY_WORKFLOWS]]
            started = time.perf_counter()
            executions = start_executions(base_url, names, args.executions)
            print(f"started {len(executions)} executions in "
                  f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
            try:
                results = []
                change(workflow_files[:BUSY_WORKFLOWS], "a")
                for impact in (False, True):
                    results.append(measure(
                        f"plan, {BUSY_WORKFLOWS} workflows changed, "
                        f"{'with' if impact else 'without'} impact", config_dir, base_url,
                        impact))
                change(workflow_files, "b")
                for impact in (False, True):
                    results.append(measure(
                        f"plan, {len(workflow_files)} workflows changed, "
                        f"{'with' if impact else 'without'} impact", config_dir, base_url,
                        impact))
            finally:
                terminate(base_url, executions)

    print(f"\n{args.tasks + args.workflows:,} definitions, {len(executions):,} running or "
          f"paused executions over {BUSY_WORKFLOWS} workflows, Conductor at {base_url}\n")
    print(table([run for run, _ in results], args.markdown))
    print("\nrequests by endpoint:")
    for run, endpoints in results:
        print(f"  {run.label}: " + ", ".join(f"{k} {v}" for k, v in sorted(endpoints.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
