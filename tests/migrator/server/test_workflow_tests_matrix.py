"""``workflow-migrator test`` on both real servers in one run: every case on each,
reported per server, JUnit naming the server in each testcase. A GraalJS INLINE task
is the case in point: it runs on conductor-oss 3.32.3 and fails on Conductor 3.15,
which is what a team learns by running its tests on the next Conductor first."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.support.configs import unique_prefix
from workflow_migrator._cli import main

pytestmark = pytest.mark.server


def _directory(root: Path, prefix: str) -> Path:
    (root / "workflows").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "workflow-migrator.yaml").write_text("target: conductor-oss-3.2x\n")
    (root / "workflows" / "score.json").write_text(json.dumps({
        "name": f"{prefix}_score", "version": 1, "outputParameters": {
            "score": "${score.output.result}"},
        "tasks": [{"name": "score", "taskReferenceName": "score", "type": "INLINE",
                   "inputParameters": {
                       "evaluatorType": "graaljs", "amount": "${workflow.input.amount}",
                       "expression": "(function () { return $.amount > 100 ? 'high' : "
                                     "'low'; })()"}}]}))
    (root / "tests" / "score.yaml").write_text(
        f"workflow: {prefix}_score\ncases:\n"
        "  - name: a large amount scores high\n    input: {amount: 250}\n"
        "    expect: {status: COMPLETED, output: {score: high}}\n")
    return root


def test_every_case_runs_on_each_server_and_is_reported_per_server(
        embedded_base_url: str, core_base_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = _directory(tmp_path / "d", unique_prefix())
    matrix = tmp_path / "servers.yaml"
    matrix.write_text(f"core-3.15: {core_base_url}\n")
    junit = tmp_path / "junit.xml"
    monkeypatch.delenv("CONDUCTOR_BASE_URL", raising=False)
    code = main(["test", "--config-dir", str(root), "--server-url",
                 f"oss-3.32={embedded_base_url}", "--server-matrix", str(matrix),
                 "--format", "junit", "--output", str(junit), "--log-format", "text",
                 "--timeout", "30", "--wait-timeout", "30"])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert "[oss-3.32] tests/score.yaml::a large amount scores high PASSED" in out
    assert "[core-3.15] tests/score.yaml::a large amount scores high FAILED" in out
    assert "Unknown evaluator 'graaljs' in INLINE task" in out
    assert f"Conductor server at {embedded_base_url}: conductor-oss-3.2x (version 3.32.3)" in err
    assert f"Conductor server at {core_base_url}: conductor-3.15 (version 3.15.0)" in err

    suites = ElementTree.parse(junit).getroot()
    assert (suites.tag, suites.get("tests"), suites.get("failures")) == ("testsuites", "2", "1")
    cases = {case.get("name"): case for case in suites.iter("testcase")}
    assert set(cases) == {"a large amount scores high [oss-3.32]",
                          "a large amount scores high [core-3.15]"}
    assert not list(cases["a large amount scores high [oss-3.32]"])
    assert cases["a large amount scores high [core-3.15]"].find("failure") is not None \
        or cases["a large amount scores high [core-3.15]"].find("error") is not None
