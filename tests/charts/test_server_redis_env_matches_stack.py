"""The chart and `conductor-stack` configure the server alike: for each Redis topology
(with and without a password), the Redis variables of the rendered Deployment, with the
password's Secret reference resolved, equal what `conductor-stack up --redis MODE` passes
to the real server it starts (``conductor_stack.redis.server_env``, whose values
tests/stack/test_redis_topologies.py checks against the running stacks)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.charts import parse, render, resolve_env, secret_data
from tests.support.paths import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))

from conductor_stack import redis  # noqa: E402

PASSWORD = "stack-generated-4f1c"
NODES = (("127.0.0.1", 26379), ("127.0.0.1", 26380), ("127.0.0.1", 26381))


def _chart_values(topology: redis.RedisTopology) -> dict[str, Any]:
    values: dict[str, Any] = {"mode": topology.mode, "rack": redis.RACK,
                              "password": topology.password}
    if topology.mode == "standalone":
        (host, port), = topology.nodes
        values |= {"host": host, "port": port}
    else:
        values["hosts"] = [{"host": h, "port": p} for h, p in topology.nodes]
    if topology.mode == "sentinel":
        values["sentinel"] = {"masterName": topology.master_name}
    return values


def _rendered_redis_env(charts_dir: Path, topology: redis.RedisTopology) -> dict[str, str]:
    objects = parse(render(charts_dir, "conductor-server", {
        "externalDatabase": {"host": "pg", "existingSecret": "db"},
        "externalRedis": _chart_values(topology)}))
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = resolve_env(container, secret_data(objects) | {"db": {"db-password": "x"}})
    return {k: v for k, v in env.items()
            if k.startswith("CONDUCTOR_REDIS") or k in {"CONDUCTOR_DB_TYPE",
                                                         "CONDUCTOR_QUEUE_TYPE"}}


@pytest.mark.parametrize("password", ["", PASSWORD], ids=["no-password", "password"])
@pytest.mark.parametrize("mode", redis.MODES)
def test_the_rendered_redis_env_is_what_the_stack_passes(charts_dir: Path, mode: str,
                                                         password: str) -> None:
    nodes = NODES[:1] if mode == "standalone" else NODES
    topology = redis.RedisTopology(mode, nodes,
                                   redis.MASTER_NAME if mode == "sentinel" else "", password)
    assert _rendered_redis_env(charts_dir, topology) == redis.server_env(topology)
