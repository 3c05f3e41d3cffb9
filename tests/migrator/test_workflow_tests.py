"""Workflow test files: loaded and checked against the directory's definitions before
anything is sent, with errors naming the file and the field; what the runner sends
(definitions inline, HTTP mocked); how results are compared and reported."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.paths import REPO_ROOT
from workflow_migrator._cli import main
from workflow_migrator._loader import load_directory
from workflow_migrator._models import Source
from workflow_migrator._pipeline import validate_directory
from workflow_migrator._schema import workflow_test_schema
from workflow_migrator._views.case_results import failure_text
from workflow_migrator._views.junit import junit_xml
from workflow_migrator._workflow_run import (
    CaseResult,
    Mismatch,
    diverged,
    is_subset,
    matches,
    prepare_workflow,
)
from workflow_migrator._workflow_tests import Outcome, find_workflow, load_cases

FIXTURE = REPO_ROOT / "tests" / "migrator" / "fixtures" / "workflow_tests"
jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A copy of the fixture directory without its test files."""
    directory = tmp_path / "config"
    shutil.copytree(FIXTURE, directory)
    shutil.rmtree(directory / "tests")
    (directory / "tests").mkdir()
    return directory


def load(config: Path, document: Any, name: str = "case.yaml") -> tuple[list[Any], list[str]]:
    (config / "tests" / name).write_text(yaml.safe_dump(document))
    definitions, _ = load_directory(config)
    cases, findings = load_cases(config, definitions)
    return cases, [f"{f.severity}: {f.location}: {f.message}" for f in findings]


def case(**overrides: Any) -> dict[str, Any]:
    return {"name": "c", "tasks": {"lookup": {"status": "COMPLETED", "output": {"tier": "x"}}},
            "expect": {"status": "COMPLETED"}, **overrides}


def test_the_fixture_and_the_shipped_cases_load_without_findings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WT_SERVER_URL", "http://conductor.example")
    for root in (REPO_ROOT / "config", FIXTURE):
        definitions, _ = load_directory(root, "test")
        cases, findings = load_cases(root, definitions, "test")
        assert findings == [], root
        assert cases, root


def test_a_case_holds_its_outcomes_and_expectations(config: Path) -> None:
    cases, findings = load(config, {"workflow": "wt_order", "cases": [case(
        tasks={"charge": [{"status": "FAILED", "reason": "no"}, {"status": "COMPLETED"}],
               "tell/notify": {"status": "COMPLETED", "output": {"sent": True}}},
        expect={"status": "FAILED", "path": ["lookup", "tell/notify"],
                "inputs": {"charge": {"amount": 1}}})]})
    assert findings == []
    [loaded] = cases
    assert loaded.id == "tests/case.yaml::c"
    assert loaded.workflow.name == "wt_order"
    assert loaded.tasks["charge"] == (Outcome("FAILED", {}, "no"), Outcome("COMPLETED"))
    assert loaded.tasks["tell/notify"] == Outcome("COMPLETED", {"sent": True})
    assert loaded.expect.path == ("lookup", "tell/notify")


@pytest.mark.parametrize(("document", "expected"), [
    ({"workflow": "nope", "cases": [case()]},
     "error: tests/case.yaml: workflow: unknown workflow: the directory defines no workflow "
     "nope (it defines: wt_batch, wt_order, wt_slow, wt_tell_customer)"),
    ({"workflow": "wt_order", "version": 7, "cases": [case()]},
     "error: tests/case.yaml: version: unknown workflow: the directory defines no workflow "
     "wt_order version 7"),
    ({"workflow": "wt_order", "cases": [case(tasks={"lookup": {"status": "DONE"}})]},
     "error: tests/case.yaml: cases[0].tasks.lookup.status: bad status 'DONE'"),
    ({"workflow": "wt_order", "cases": [case(tasks={"lokup": {"status": "COMPLETED"}})]},
     "error: tests/case.yaml: cases[0].tasks.lokup: unknown task reference 'lokup'"),
    ({"workflow": "wt_order", "cases": [case(tasks={"notify": {"status": "COMPLETED"}})]},
     "(a sub-workflow's task is written <sub-workflow task ref>/<its task ref>)"),
    ({"workflow": "wt_order", "cases": [case(tasks={"route": {"status": "COMPLETED"}})]},
     "error: tests/case.yaml: cases[0].tasks.route: task 'route' is a SWITCH task, which the "
     "engine runs itself: it cannot be mocked"),
    ({"workflow": "wt_order", "cases": [case(expect={"status": "DONE"})]},
     "error: tests/case.yaml: cases[0].expect.status: bad status 'DONE'"),
    ({"workflow": "wt_order", "cases": [case(expect={"status": "COMPLETED", "path": ["x"]})]},
     "error: tests/case.yaml: cases[0].expect.path[0]: unknown task reference 'x'"),
    ({"workflow": "wt_order", "cases": [case(run=["lookup"])]},
     "error: tests/case.yaml: cases[0].run[0]: 'run' lists task 'lookup' of type SIMPLE"),
    ({"workflow": "wt_order", "cases": [case(expect=None)]},
     "error: tests/case.yaml: cases[0].expect: every case needs 'expect'"),
    ({"workflow": "wt_order", "cases": [case(), case()]},
     "error: tests/case.yaml: cases[1].name: duplicate case name 'c'"),
    ({"workflow": "wt_order", "cases": [case(extra=1)]},
     "warning: tests/case.yaml: cases[0].extra: unknown key 'extra'"),
])
def test_problems_name_the_file_and_the_field(config: Path, document: dict[str, Any],
                                              expected: str) -> None:
    _, findings = load(config, document)
    assert any(expected in finding for finding in findings), findings


def test_placeholders_are_filled_as_in_definitions(config: Path) -> None:
    (config / "environments" / "qa.yaml").write_text("values: {TIER: gold}\n")
    (config / "tests" / "case.yaml").write_text(yaml.safe_dump({"workflow": "wt_order", "cases": [
        case(tasks={"lookup": {"status": "COMPLETED", "output": {"tier": "@{TIER}"}}})]}))
    definitions, _ = load_directory(config, "qa")
    [loaded], findings = load_cases(config, definitions, "qa")
    assert findings == []
    assert loaded.tasks["lookup"] == Outcome("COMPLETED", {"tier": "gold"})


def test_validate_and_deploy_ignore_the_tests_folder(config: Path) -> None:
    (config / "tests" / "broken.yaml").write_text("not: [valid")
    definitions, findings = validate_directory(config)
    assert [f for f in findings if f.severity == "error"] == []
    assert all(not d.source.file.startswith("tests/") for d in definitions)


def test_invalid_test_files_stop_the_command_before_it_connects(
        config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens on port 9: a request would fail differently, after retries.
    monkeypatch.setenv("CONDUCTOR_BASE_URL", "http://127.0.0.1:9")
    (config / "tests" / "case.yaml").write_text(yaml.safe_dump(
        {"workflow": "wt_order", "cases": [case(tasks={"lookup": {"status": "DONE"}})]}))
    assert main(["test", "--config-dir", str(config), "--wait-timeout", "0"]) == 1
    err = capsys.readouterr().err
    assert "tests/case.yaml: cases[0].tasks.lookup.status: bad status 'DONE'" in err
    assert "127.0.0.1:9" not in err


def test_the_workflow_is_sent_with_its_definitions_inline() -> None:
    definitions, _ = load_directory(FIXTURE)
    order = find_workflow(definitions, "wt_order", None)
    assert order is not None
    body = prepare_workflow(definitions, order)
    tasks = {t["taskReferenceName"]: t for t in body["tasks"]}
    assert tasks["charge"]["taskDefinition"]["retryCount"] == 1
    child = tasks["tell"]["subWorkflowParam"]["workflowDefinition"]
    assert child["name"] == "wt_tell_customer"
    assert child["tasks"][0]["taskDefinition"]["name"] == "wt_notify"
    assert "taskDefinition" not in order.body["tasks"][0]  # the loaded definition is untouched

    batch = find_workflow(definitions, "wt_batch", None)
    assert batch is not None
    assert prepare_workflow(definitions, batch)["tasks"][-1]["type"] == "SIMPLE"
    assert prepare_workflow(definitions, batch, run=["probe"])["tasks"][-1]["type"] == "HTTP"


def test_outputs_and_inputs_compare_as_subsets() -> None:
    assert is_subset({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}, "d": 3})
    assert not is_subset({"a": {"b": 1}}, {"a": {"b": 2}})
    assert not is_subset({"a": [1]}, {"a": [1, 2]})
    assert not is_subset({"a": None}, {})


def test_the_first_difference_of_two_paths_is_named() -> None:
    assert diverged(["a", "b", "c"], ["a", "x", "c"]) == \
        "diverged at step 2: expected 'b', ran 'x'"
    assert diverged(["a", "b"], ["a"]) == "stopped early: step 2 ('b') never ran"
    assert diverged(["a"], ["a", "b"]) == "ran more: step 2 is 'b'"


def _result(**fields: Any) -> CaseResult:
    definitions, _ = load_directory(FIXTURE)
    cases, _ = load_cases(FIXTURE, definitions)
    return CaseResult(**{"case": cases[0], "mismatches": (), **fields})


def test_k_selects_by_id_or_workflow() -> None:
    selected = _result().case
    assert matches(selected, "FAILING.yaml::wrong")
    assert matches(selected, "wt_ORDER")
    assert not matches(selected, "passing")


def test_a_failure_shows_expected_actual_path_and_link() -> None:
    result = _result(workflow_id="w-1", status="COMPLETED", path=("a", "x"), mismatches=(
        Mismatch("output", {"amount": 80}, {"amount": 90}),
        Mismatch("path", ["a", "b"], ["a", "x"], diverged(["a", "b"], ["a", "x"]))))
    text = failure_text(result, "http://ui.example/")
    assert "execution: http://ui.example/execution/w-1" in text
    assert 'expected: {"amount": 80}\n  actual:   {"amount": 90}' in text
    assert "path: diverged at step 2: expected 'b', ran 'x'" in text
    assert "path taken: a -> x" in text


def test_junit_lists_every_case_with_failures_and_errors() -> None:
    results = [_result(), _result(mismatches=(Mismatch("status", "COMPLETED", "FAILED"),)),
               _result(error="timed out after 1s, still RUNNING")]
    root = ElementTree.fromstring(junit_xml(results, {results[1].case.id: "the details"}))
    assert root.attrib["tests"] == "3"
    assert root.attrib["failures"] == "1"
    assert root.attrib["errors"] == "1"
    cases = root.findall("testcase")
    assert cases[0].attrib["classname"] == "tests/failing.yaml"
    assert cases[0].find("failure") is None
    assert cases[1].find("failure").text == "the details"  # type: ignore[union-attr]
    assert cases[2].find("error").attrib["message"].startswith("timed out")  # type: ignore[union-attr]


def test_the_schema_accepts_every_test_file_and_flags_a_bad_status() -> None:
    schema = workflow_test_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = [*(REPO_ROOT / "config" / "tests").rglob("*.yaml"),
             *(FIXTURE / "tests").rglob("*.yaml")]
    assert files
    for file in files:
        assert list(validator.iter_errors(yaml.safe_load(file.read_text()))) == [], file
    bad = {"workflow": "w", "cases": [{"name": "c", "tasks": {"t": {"status": "DONE"}},
                                       "expect": {"status": "COMPLETED"}}]}
    assert list(validator.iter_errors(bad))


def test_source_of_a_case_in_a_list_file_has_its_index() -> None:
    assert _result().case.source == Source("tests/failing.yaml", 0)


def test_running_the_cases_needs_the_config_dir(capsys: pytest.CaptureFixture[str]) -> None:
    """``test`` is also the group of ``test capture``, so its --config-dir is checked when
    it runs the cases itself."""
    assert main(["test", "--log-format", "text"]) == 1
    assert "Missing option '--config-dir'" in capsys.readouterr().err
