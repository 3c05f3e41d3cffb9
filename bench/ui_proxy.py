#!/usr/bin/env python3
"""Requests per second for GET /api/metadata/taskdefs: through the UI's nginx vs direct.

Both are measured in the same run, in alternating rounds, against the same real
Conductor server, so that drift (JIT warm-up, other load on the machine) hits both
sides alike. nginx is configured exactly as the image configures itself at start
(docker/ui/docker-entrypoint.d + the template; see tests/support/nginx_harness.py).

Usage (from the repository root, with the project's virtualenv):
  .venv/bin/python bench/ui_proxy.py                      # starts its own server
  .venv/bin/python bench/ui_proxy.py --conductor-url http://127.0.0.1:8080

Only loopback addresses are accepted: this is a load generator.
Prints both figures and the ratio (proxy / direct); the target is >= 0.9.
Exit codes: 0 = measured (and at or above --min-ratio if given), 1 = error or below.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.support import nginx_harness as harness  # noqa: E402

PATH = "/api/metadata/taskdefs"
SEED_PREFIX = "bench_ui_proxy_"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conductor-url", help="a running Conductor on 127.0.0.1 "
                        "(default: start one with scripts/conductor-stack, embedded profile)")
    parser.add_argument("--requests", type=int, default=3000, help="requests per round and side")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per side (median is kept)")
    parser.add_argument("--threads", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--seed", type=int, default=20,
                        help=f"task definitions named {SEED_PREFIX}* to register first")
    parser.add_argument("--accept-encoding", default="identity",
                        help="Accept-Encoding sent on both sides (identity: no gzip)")
    parser.add_argument("--min-ratio", type=float, default=None,
                        help="exit 1 when proxy/direct is below this")
    args = parser.parse_args(argv)
    for name in ("requests", "rounds", "threads"):
        if not 1 <= getattr(args, name) <= 100_000:
            parser.error(f"--{name} must be between 1 and 100000")
    if args.conductor_url and urlsplit(args.conductor_url).hostname not in ("127.0.0.1",
                                                                            "localhost"):
        parser.error("--conductor-url must be on 127.0.0.1 (loopback only)")
    return args


@contextmanager
def conductor(url: str | None) -> Iterator[str]:
    if url:
        yield url.rstrip("/").replace("://localhost:", "://127.0.0.1:")
        return
    from tests.support.stacks import start_stack

    with tempfile.TemporaryDirectory(prefix="bench-ui-proxy-") as state:
        print("starting a Conductor server (embedded profile) ...", file=sys.stderr)
        stack = start_stack("embedded", Path(state))
        try:
            yield stack.base_url.rstrip("/").replace("://localhost:", "://127.0.0.1:")
        finally:
            stack.stop()


def seed(base_url: str, count: int) -> None:
    if count <= 0:
        return
    defs = [{"name": f"{SEED_PREFIX}{i:03d}", "retryCount": 1, "timeoutSeconds": 300,
             "responseTimeoutSeconds": 60, "ownerEmail": "bench@example.com",
             "description": "registered by bench/ui_proxy.py"} for i in range(count)]
    httpx.post(base_url + "/api/metadata/taskdefs", json=defs, trust_env=False,
               timeout=30).raise_for_status()


def one_round(base_url: str, requests: int, threads: int, headers: dict[str, str]) -> float:
    """requests GETs split over threads, each with its own keep-alive connection; returns rps."""
    per_thread = [requests // threads + (1 if i < requests % threads else 0)
                  for i in range(threads)]
    errors: list[str] = []
    start = threading.Barrier(threads + 1)

    def worker(n: int) -> None:
        with httpx.Client(base_url=base_url, headers=headers, trust_env=False,
                          timeout=30) as client:
            client.get(PATH)  # open the connection before the clock starts
            start.wait()
            for _ in range(n):
                response = client.get(PATH)
                if response.status_code != 200:
                    errors.append(f"{response.status_code} from {response.url}")

    workers = [threading.Thread(target=worker, args=(n,)) for n in per_thread]
    for w in workers:
        w.start()
    start.wait()
    began = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, first: {errors[0]}")
    return requests / elapsed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    headers = {"Accept": "application/json", "Accept-Encoding": args.accept_encoding}
    with conductor(args.conductor_url) as direct_url:
        seed(direct_url, args.seed)
        with harness.running_nginx({"CONDUCTOR_BASE_URL": direct_url}) as nginx:
            sides = {"direct": direct_url, "nginx": nginx.url}
            body = {name: httpx.get(url + PATH, headers=headers, trust_env=False,
                                    timeout=30).content for name, url in sides.items()}
            if body["direct"] != body["nginx"]:
                print("error: the proxy's answer differs from the server's", file=sys.stderr)
                return 1
            for url in sides.values():  # warm-up: JIT, connection pools
                one_round(url, min(args.requests, 500), args.threads, headers)
            results: dict[str, list[float]] = {name: [] for name in sides}
            for i in range(args.rounds):
                order = list(sides) if i % 2 == 0 else list(reversed(sides))
                for name in order:
                    results[name].append(one_round(sides[name], args.requests, args.threads,
                                                   headers))
    direct = statistics.median(results["direct"])
    proxied = statistics.median(results["nginx"])
    ratio = proxied / direct
    print(f"GET {PATH}: {len(body['direct'])} bytes, {args.threads} threads, "
          f"{args.rounds} rounds x {args.requests} requests per side, "
          f"Accept-Encoding: {args.accept_encoding}")
    for name, figures in results.items():
        shown = ", ".join(f"{f:.0f}" for f in figures)
        print(f"  {name:<7} median {statistics.median(figures):8.0f} req/s   rounds: {shown}")
    print(f"  ratio   nginx/direct = {ratio:.3f} (target >= 0.9)")
    if args.min_ratio is not None and ratio < args.min_ratio:
        print(f"below --min-ratio {args.min_ratio}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
