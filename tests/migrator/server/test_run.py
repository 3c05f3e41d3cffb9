"""A shipped process runs on the real engine, not only registers: the order flow of
config/ is deployed, started, and its worker tasks are polled and completed as a worker
would, until the workflow (and its sub-workflow) completes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.configs import copy_config, unique_prefix
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server
from tests.support.workers import run_as_workers

pytestmark = pytest.mark.server


def test_the_shipped_order_flow_runs_to_completion(server: Server, run_migrator: RunMigrator,
                                                    tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = copy_config(tmp_path / "config", prefix)
    code, _, err = run_migrator("deploy", "--config-dir", str(config), "--log-format", "text")
    assert code == 0, err
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        started = http.post(f"/api/workflow/{prefix}_order_fulfilment",
                            json={"orderId": "o-1", "customerId": "sms-42", "lines": [1]})
        started.raise_for_status()
        workflow = run_as_workers(http, prefix, started.text.strip('"'))
        assert workflow["status"] == "COMPLETED", workflow.get("reasonForIncompletion")
        ran = [t["referenceTaskName"] for t in workflow["tasks"]]  # type: ignore[attr-defined]
        assert ran[:2] == ["validate", "route_by_validity"]
        assert {"reserve_inventory", "charge_payment", "ship_order", "notify_customer"} <= set(ran)
        sub_id = next(t["subWorkflowId"] for t in workflow["tasks"]  # type: ignore[attr-defined]
                      if t["referenceTaskName"] == "notify_customer")
        child = http.get(f"/api/workflow/{sub_id}", params={"includeTasks": True}).json()
    # The INLINE script ran on the engine and picked the channel from the customer id.
    assert child["status"] == "COMPLETED"
    assert child["output"] == {"channel": "sms"}
