"""Workflow test results as JUnit XML, the report format CI systems read."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence

from workflow_migrator._workflow_run import CaseResult


def junit_xml(results: Sequence[CaseResult], failure_text: dict[str, str],
              suite: str = "workflow-tests") -> str:
    """One server's results as a JUnit document of one ``testsuite``."""
    root = _suite(results, failure_text, suite, "")
    ElementTree.indent(root)
    return _document(root)


def junit_matrix_xml(runs: Sequence[tuple[str, Sequence[CaseResult], dict[str, str]]]) -> str:
    """The results of several servers: ``testsuites`` holding a ``testsuite`` per server
    (named ``workflow-tests [SERVER]``), each testcase's name ending in ``[SERVER]``, so
    that a CI system lists the same case on each server apart.

    :param runs: per server, its name, its results and their failure reports by case id.
    """
    root = ElementTree.Element("testsuites")
    for server, results, failure_text in runs:
        root.append(_suite(results, failure_text, f"workflow-tests [{server}]", server))
    for attribute in ("tests", "failures", "errors"):
        root.set(attribute, str(sum(int(s.get(attribute, "0")) for s in root)))
    ElementTree.indent(root)
    return _document(root)


def _document(root: ElementTree.Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(
        root, encoding="unicode") + "\n"


def _suite(results: Sequence[CaseResult], failure_text: dict[str, str], suite: str,
           server: str) -> ElementTree.Element:
    """One ``testsuite``: a ``testcase`` per case (classname: its file, name: its name),
    with a ``failure`` (timeouts and other errors: an ``error``) carrying the report.

    :param results: the results, in the order to list them.
    :param failure_text: per case id, the failure's report as text.
    :param suite: the suite's name.
    """
    failures = sum(1 for r in results if r.mismatches and not r.error)
    errors = sum(1 for r in results if r.error)
    root = ElementTree.Element("testsuite", name=suite, tests=str(len(results)),
                               failures=str(failures), errors=str(errors), skipped="0",
                               time=f"{sum(r.duration for r in results):.3f}")
    for result in results:
        element = ElementTree.SubElement(
            root, "testcase", classname=result.case.source.file,
            name=f"{result.case.name} [{server}]" if server else result.case.name,
            time=f"{result.duration:.3f}")
        if result.passed:
            continue
        kind = "error" if result.error else "failure"
        message = result.error or "; ".join(f"{m.what} differs" for m in result.mismatches)
        detail = ElementTree.SubElement(element, kind, message=message, type=kind)
        detail.text = failure_text.get(result.case.id, "")
    return root
