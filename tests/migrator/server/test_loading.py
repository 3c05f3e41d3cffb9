"""What loading refuses never reaches a server: a directory with a misspelled folder
plans no deletion, and a value JSON cannot carry writes nothing. On both servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.configs import copy_config, keep_all_but, unique_prefix
from tests.support.migrator import RunMigrator
from workflow_migrator import ConductorClient

pytestmark = pytest.mark.server


def _names(client: ConductorClient, prefix: str) -> set[str]:
    tasks, workflows = client.list_all_defs()
    return {str(d.get("name")) for d in (*tasks, *workflows)
            if str(d.get("name")).startswith(prefix)}


def test_a_misspelled_folder_makes_plan_prune_refuse_without_planning_deletions(
        tmp_path: Path, run_migrator: RunMigrator, client: ConductorClient) -> None:
    prefix = unique_prefix()
    config = copy_config(tmp_path / "config", prefix)
    code, _, err = run_migrator("deploy", "--config-dir", str(config), "--log-format", "text")
    assert code == 0, err
    deployed = _names(client, prefix)
    (config / "workflows").rename(config / "workflow")
    for command in ("plan", "deploy"):
        code, out, err = run_migrator(command, "--config-dir", str(config), "--prune",
                                      *keep_all_but(prefix), "--log-format", "text")
        assert code == 1, out + err
        assert "workflow: unknown folder workflow/: did you mean workflows/?" in out + err
        assert "delete" not in out  # no plan at all, so no deletion planned
    assert _names(client, prefix) == deployed


def test_a_yaml_date_makes_deploy_refuse_before_writing_anything(
        tmp_path: Path, run_migrator: RunMigrator, client: ConductorClient) -> None:
    prefix = unique_prefix()
    config = copy_config(tmp_path / "config", prefix)
    # Workflows are written after the task definitions: a date in one used to leave
    # the task definitions written and end with exit 3.
    workflow = config / "workflows" / "ol_notify_customer.json"
    body = json.loads(workflow.read_text())
    workflow.unlink()
    workflow.with_suffix(".yaml").write_text(
        json.dumps({**body, "inputTemplate": {}})[:-1] + ', "since": 2024-01-01}')
    code, out, err = run_migrator("deploy", "--config-dir", str(config), "--log-format", "text")
    assert code == 1, out + err
    assert ("workflows/ol_notify_customer.yaml: since: a YAML date or timestamp, which JSON "
            "cannot carry: put it in quotes") in out + err
    assert _names(client, prefix) == set()

