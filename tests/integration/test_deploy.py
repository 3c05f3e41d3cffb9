"""The first deploy, the round trip of real definitions, and idempotence, on both profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.conftest import SAMPLES_DIR, copy_config, unique_prefix
from workflow_migrator import (
    ConductorClient,
    RetryPolicy,
    ServerRejectedError,
    apply_plan,
    compute_plan,
    deploy,
    differences,
    load_directory,
    read_live,
)

pytestmark = pytest.mark.server


def _client(base_url: str) -> ConductorClient:
    return ConductorClient(base_url, retry=RetryPolicy(attempts=2, initial_wait=0.1))


def _sample_files() -> list[Path]:
    if not SAMPLES_DIR.is_dir():
        pytest.skip(f"Conductor's sample definitions are not beside the repository ({SAMPLES_DIR})")
    return sorted(p for p in SAMPLES_DIR.glob("*.json") if p.name != "INDEX.json")


def _accepted_samples(base_url: str, config_dir: Path) -> list[str]:
    """Lays out, as a config directory, every sample the server accepts on its own."""
    accepted = []
    for sample in _sample_files():
        document = json.loads(sample.read_text())
        items = document if isinstance(document, list) else [document]
        folder = "workflows" if all("tasks" in item for item in items) else "tasks"
        with _client(base_url) as probe:
            try:
                if folder == "tasks":
                    probe.create_task_defs(items)
                else:
                    probe.upsert_workflow_defs(items)
            except ServerRejectedError:
                continue
        (config_dir / folder).mkdir(parents=True, exist_ok=True)
        (config_dir / folder / sample.name).write_text(sample.read_text())
        accepted.append(sample.name)
    return accepted


def test_samples_round_trip_and_redeploy_writes_nothing(any_profile_base_url: str,
                                                        tmp_path: Path) -> None:
    accepted = _accepted_samples(any_profile_base_url, tmp_path)
    # The one sample with schemaVersion 1 is refused, every other one is accepted.
    assert "nf3.15.0__rest__src__main__resources__kitchensink__wf1.json" not in accepted
    assert len(accepted) >= 18

    desired, findings = load_directory(tmp_path)
    assert not [f for f in findings if f.severity == "error"]
    with _client(any_profile_base_url) as client:
        apply_plan(compute_plan(desired, read_live(client, 30)), client)
        live = read_live(client, 30)
        tasks = {t["name"]: t for t in live.tasks}
        workflows = {(w["name"], w.get("version", 1)): w for w in live.workflows}
        for definition in desired:
            if definition.kind == "task":
                current = tasks[definition.name]
            else:
                current = workflows[(definition.name, definition.version or 1)]
            assert differences(definition.kind, current, definition.body) == [], definition.label

    with _client(any_profile_base_url) as client:
        plan = compute_plan(desired, read_live(client, 30))
        apply_plan(plan, client)
        assert not plan.has_changes
        assert client.write_count == 0


def test_second_deploy_makes_zero_writes_and_one_change_one_write(any_profile_base_url: str,
                                                                  tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = copy_config(tmp_path / "config", prefix)
    with _client(any_profile_base_url) as client:
        first, _ = deploy(config, client, wait_timeout=30)
    assert first.count("create") == 8

    with _client(any_profile_base_url) as client:
        second, _ = deploy(config, client, wait_timeout=30)
        assert not second.has_changes
        assert client.write_count == 0
        assert len(client.requests) <= 3, client.requests

    task_file = config / "tasks" / "order_tasks.json"
    task_file.write_text(task_file.read_text().replace('"retryCount": 5', '"retryCount": 6'))
    with _client(any_profile_base_url) as client:
        third, _ = deploy(config, client, wait_timeout=30)
        assert [c.address for c in third.changes if c.action != "unchanged"] == [
            f"task {prefix}_ship_order"]
        # the change, then the deploy record
        assert [(r.method, r.path) for r in client.requests if r.is_write] == [
            ("PUT", "/api/metadata/taskdefs"), ("PUT", "/api/metadata/taskdefs")]


def test_cli_deploy_leaves_every_workflow_live(run_migrator, client: ConductorClient,
                                               tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = copy_config(tmp_path / "config", prefix)
    code, out, err = run_migrator("deploy", "--config-dir", str(config), "--log-format", "text")
    assert code == 0, err
    assert "Plan: 8 to add, 0 to change, 0 to delete, 0 unchanged." in out
    live = {w["name"] for w in client.list_workflow_defs()}
    assert {f"{prefix}_order_fulfilment", f"{prefix}_notify_customer",
            f"{prefix}_payment_reconciliation"} <= live
    code, out, _ = run_migrator("deploy", "--config-dir", str(config), "--log-format", "text")
    assert code == 0
    assert "No changes." in out
