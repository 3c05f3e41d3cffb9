"""The deploy record on a real server: written after a deploy, read back by status, and
never planned, counted as drift or pruned."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.support.configs import copy_config, unique_prefix
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server
from workflow_migrator import ConductorClient, RetryPolicy, deploy, read_live
from workflow_migrator._models import DEPLOY_RECORD_TASK
from workflow_migrator._record import config_hash

pytestmark = pytest.mark.server


def _record(base_url: str) -> dict[str, object]:
    task = httpx.get(f"{base_url.rstrip('/')}/api/metadata/taskdefs/{DEPLOY_RECORD_TASK}")
    task.raise_for_status()
    return dict(json.loads(task.json()["description"]))


def test_deploy_writes_the_record_and_status_reads_it(
        run_migrator: RunMigrator, server: Server, tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = copy_config(tmp_path / "config", prefix)
    code, _, err = run_migrator("deploy", "--config-dir", str(config), "--source-revision",
                                "abc1234", app_env="record-test")
    assert code == 0, err
    record = _record(server.base_url)
    assert record["app_env"] == "record-test"
    assert record["source_revision"] == "abc1234"
    assert record["config_sha256"] == config_hash(config)
    assert record["tool_version"]
    assert str(record["deployed_at"]).endswith("Z")
    summary = record["summary"]
    assert isinstance(summary, dict) and summary["create"] >= 5 and summary["delete"] == 0

    code, out, err = run_migrator("status", "--config-dir", str(config),
                                  "--detailed-exitcode", app_env="record-test")
    assert code == 0, err
    assert "revision abc1234" in out and "APP_ENV record-test" in out
    assert "the content of the last deploy" in out
    assert "Drift: none" in out
    assert DEPLOY_RECORD_TASK not in out

    # the server is changed by hand: status says it has drifted, and what
    task_name = f"{prefix}_send_notification"
    base = server.base_url.rstrip("/")
    task = httpx.get(f"{base}/api/metadata/taskdefs/{task_name}").raise_for_status().json()
    httpx.put(f"{base}/api/metadata/taskdefs", json={**task, "retryCount": 7}).raise_for_status()
    code, out, err = run_migrator("status", "--config-dir", str(config), "--format", "json",
                                  "--detailed-exitcode", app_env="record-test")
    assert code == 2, err
    document = json.loads(out)
    assert document["drifted"] is True
    assert document["last_deploy"]["source_revision"] == "abc1234"
    assert document["config_matches_last_deploy"] is True
    assert [c["address"] for c in document["plan"]["changes"] if c["actions"] != ["unchanged"]
            ] == [f"task {task_name}"]


def test_the_record_is_never_planned_pruned_or_drift(
        run_migrator: RunMigrator, server: Server, tmp_path: Path) -> None:
    config = copy_config(tmp_path / "config", unique_prefix())
    code, _, err = run_migrator("deploy", "--config-dir", str(config))
    assert code == 0, err
    # --prune would delete every task the directory does not define: not the record
    keep = ["--keep", "*"]  # other tests' definitions on this shared server stay
    code, out, err = run_migrator("plan", "--config-dir", str(config), "--prune", *keep,
                                  "--format", "json", "--detailed-exitcode")
    assert code == 0, err + out
    assert DEPLOY_RECORD_TASK not in out
    code, out, err = run_migrator("deploy", "--config-dir", str(config), "--prune", *keep)
    assert code == 0, err
    assert DEPLOY_RECORD_TASK not in out + err
    with ConductorClient(server.base_url, retry=RetryPolicy(attempts=2)) as client:
        live = read_live(client, 30)
        assert live.deploy_record is not None
        assert DEPLOY_RECORD_TASK not in {t["name"] for t in live.tasks}


def test_an_unchanged_redeploy_writes_nothing_not_even_the_record(
        server: Server, tmp_path: Path) -> None:
    config = copy_config(tmp_path / "config", unique_prefix())
    with ConductorClient(server.base_url) as client:
        deploy(config, client, app_env="record-test", source_revision="r1", wait_timeout=30)
    before = _record(server.base_url)
    with ConductorClient(server.base_url) as client:
        deploy(config, client, app_env="record-test", source_revision="r1", wait_timeout=30)
        assert client.write_count == 0
    assert _record(server.base_url) == before
    # a new revision of the same content is recorded
    with ConductorClient(server.base_url) as client:
        deploy(config, client, app_env="record-test", source_revision="r2", wait_timeout=30)
        assert [r.path for r in client.requests if r.is_write] == ["/api/metadata/taskdefs"]
    assert _record(server.base_url)["source_revision"] == "r2"
