"""plan --format markdown against a real server: what a pull request comment shows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.configs import copy_config, unique_prefix
from tests.support.mermaid import parse_errors
from tests.support.migrator import RunMigrator

pytestmark = pytest.mark.server

SECRET = 'p4"ss<w>rd'


def test_markdown_plan_of_a_changed_workflow(run_migrator: RunMigrator, tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = copy_config(tmp_path / "config", prefix)
    code, _, err = run_migrator("deploy", "--config-dir", str(config))
    assert code == 0, err

    workflow_file = config / "workflows" / "ol_notify_customer.json"
    body = json.loads(workflow_file.read_text())
    removed = body["tasks"].pop()["taskReferenceName"]
    body["tasks"][0]["inputParameters"]["customerId"] = "${workflow.input.id}"
    body["tasks"].append({"name": f"{prefix}_send_notification", "taskReferenceName": "audit",
                          "type": "SIMPLE", "inputParameters": {"token": "@{AUDIT_TOKEN}"}})
    workflow_file.write_text(json.dumps(body))
    (config / "environments").mkdir(exist_ok=True)
    (config / "environments" / "review.yaml").write_text(
        "values:\n  AUDIT_TOKEN: {env: TEST_AUDIT_TOKEN}\nsecret: [AUDIT_TOKEN]\n")

    code, out, err = run_migrator("plan", "--config-dir", str(config), "--format", "markdown",
                                  "--detailed-exitcode", app_env="review",
                                  TEST_AUDIT_TOKEN=SECRET)
    assert code == 2, err
    assert out.startswith("### workflow-migrator plan for review\n")
    assert "| Workflows | 0 | 0 | 1 | 0 | 2 |" in out
    assert "| Task definitions | 0 | 0 | 0 | 0 | " in out
    assert f"**new version** `workflow {prefix}_notify_customer v2`" in out
    (diagram,) = re.findall(r"```mermaid\n(.*?)\n```", out, re.S)
    assert parse_errors([diagram]) == [None]
    classes = dict((style, ids) for ids, style in re.findall(r"^  class (\S+) (\w+)$", diagram,
                                                             re.M))
    labels = dict(re.findall(r'^  (n\d+)[\[({/]+"([^<"]*)', diagram, re.M))
    assert {labels[i] for i in classes["added"].split(",")} == {"audit"}
    assert {labels[i] for i in classes["removed"].split(",")} == {removed}
    assert {labels[i] for i in classes["changed"].split(",")} == {"pick_channel"}
    assert '+ tasks[0].inputParameters.customerId: "${workflow.input.id}"' in out
    assert "***" in out
    for form in (SECRET, "p4#quot;ss", "p4\\\"ss", "p4&quot;ss"):
        assert form not in out + err
