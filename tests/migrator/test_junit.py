"""``_views/junit.py``: workflow test results as the JUnit XML that CI systems read, for
one server (a ``testsuite``) and for several (``testsuites``, a suite per server)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from workflow_migrator import CaseResult, Definition, Mismatch, Source, WorkflowCase
from workflow_migrator._views.junit import junit_matrix_xml, junit_xml
from workflow_migrator._workflow_tests import Expectation

WORKFLOW = Definition("workflow", {"name": "w", "version": 1, "tasks": []},
                      Source("workflows/w.json"))


def _result(name: str, *, mismatches: tuple[Mismatch, ...] = (), error: str = "",
            duration: float = 0.25) -> CaseResult:
    case = WorkflowCase(name, WORKFLOW, {}, {}, frozenset(), Expectation("COMPLETED"),
                        Source("tests/orders.yaml"))
    return CaseResult(case, mismatches, duration=duration, error=error)


PASSED = _result("passes")
FAILED = _result("fails", mismatches=(Mismatch("status", "COMPLETED", "FAILED"),
                                      Mismatch("output", {"a": 1}, {"a": 2})))
STUCK = _result("stuck", error="timed out after 1s, still RUNNING", duration=1.0)


def test_one_server_is_one_suite_with_a_case_each() -> None:
    text = junit_xml([PASSED, FAILED, STUCK], {FAILED.case.id: "expected <COMPLETED> & more"})
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n') and text.endswith("\n")
    suite = ElementTree.fromstring(text)
    assert suite.tag == "testsuite"
    assert {k: suite.attrib[k] for k in ("name", "tests", "failures", "errors", "skipped",
                                         "time")} == {
        "name": "workflow-tests", "tests": "3", "failures": "1", "errors": "1", "skipped": "0",
        "time": "1.500"}
    cases = suite.findall("testcase")
    assert [(c.attrib["classname"], c.attrib["name"]) for c in cases] == [
        ("tests/orders.yaml", "passes"), ("tests/orders.yaml", "fails"),
        ("tests/orders.yaml", "stuck")]
    assert list(cases[0]) == []
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.attrib == {"message": "status differs; output differs", "type": "failure"}
    assert failure.text == "expected <COMPLETED> & more"  # escaped in the XML, whole here
    error = cases[2].find("error")
    assert error is not None and error.attrib["message"].startswith("timed out after 1s")


def test_several_servers_are_a_suite_each_and_the_totals_add_up() -> None:
    text = junit_matrix_xml([("prod", [PASSED, FAILED], {FAILED.case.id: "on prod"}),
                             ("next", [PASSED, STUCK], {})])
    root = ElementTree.fromstring(text)
    assert root.tag == "testsuites"
    assert (root.attrib["tests"], root.attrib["failures"], root.attrib["errors"]) == (
        "4", "1", "1")
    suites = root.findall("testsuite")
    assert [s.attrib["name"] for s in suites] == ["workflow-tests [prod]",
                                                  "workflow-tests [next]"]
    # The same case on each server is listed apart: its name ends in the server's.
    assert [c.attrib["name"] for s in suites for c in s.findall("testcase")] == [
        "passes [prod]", "fails [prod]", "passes [next]", "stuck [next]"]
    failure = suites[0].find("testcase/failure")
    assert failure is not None and failure.text == "on prod"


def test_no_results_is_an_empty_suite() -> None:
    suite = ElementTree.fromstring(junit_xml([], {}))
    assert (suite.attrib["tests"], suite.findall("testcase")) == ("0", [])
