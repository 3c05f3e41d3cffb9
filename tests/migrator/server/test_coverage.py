"""``workflow-migrator test --coverage`` on the real engines: the coverage of the shipped
processes by ``config/tests/`` is pinned, the case for the invalid order's branch is
what covers that branch, the Markdown report colours each workflow's diagram, and
``--cov-fail-under`` exits 1 below the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.configs import server_client
from tests.support.mermaid import parse_errors
from tests.support.migrator import RunMigrator
from tests.support.paths import CONFIG_DIR
from tests.support.stacks import Server
from workflow_migrator import CaseResult, load_valid
from workflow_migrator._coverage import Coverage, measure
from workflow_migrator._workflow_run import run_workflow_tests

pytestmark = pytest.mark.server

INVALID_ORDER = "an invalid order is rejected before anything is reserved"


@pytest.fixture(scope="module")
def results(server: Server) -> list[CaseResult]:
    with server_client(server.base_url) as client:
        ran = run_workflow_tests(CONFIG_DIR, client, timeout=30, jobs=4, wait_timeout=30)
    assert all(r.passed for r in ran), [(r.case.id, r.mismatches, r.error) for r in ran]
    return ran


def _figures(coverage: Coverage) -> dict[str, tuple[int, int]]:
    return {w.name: (w.covered, len(w.items)) for w in coverage.workflows}


def test_the_shipped_cases_coverage_is_pinned(results: list[CaseResult]) -> None:
    definitions, _ = load_valid(CONFIG_DIR)
    coverage = measure(definitions, results)
    assert _figures(coverage) == {"ol_notify_customer": (4, 4),
                                  "ol_order_fulfilment": (13, 13),
                                  "ol_payment_reconciliation": (4, 5)}
    assert (coverage.covered, coverage.total) == (21, 22)
    # Its check is a stub that never answers SETTLED: the loop always runs five rounds.
    [missed] = [(w.name, i.ref, i.label) for w in coverage.workflows for i in w.items
                if not i.covered]
    assert missed == ("ol_payment_reconciliation", "poll_until_settled", "body run once")
    order = next(w for w in coverage.workflows if w.name == "ol_order_fulfilment")
    assert order.count("case", "default", "branch") == (4, 4)


def test_the_case_for_an_untested_branch_raises_the_figures(results: list[CaseResult]) -> None:
    definitions, _ = load_valid(CONFIG_DIR)
    without = measure(definitions, [r for r in results if r.case.name != INVALID_ORDER])
    order = next(w for w in without.workflows if w.name == "ol_order_fulfilment")
    assert (order.covered, len(order.items)) == (11, 13)
    assert {(i.ref, i.label) for i in order.items if not i.covered} == {
        ("route_by_validity", "case false"), ("reject_order", "reject_order")}
    assert order.styles()["route_by_validity"] == "partial"
    assert order.styles()["reject_order"] == "missed"
    assert measure(definitions, results).covered == without.covered + 2


def test_markdown_report_and_fail_under(run_migrator: RunMigrator, tmp_path: Path) -> None:
    report = tmp_path / "coverage.md"
    code, out, err = run_migrator("test", "--config-dir", str(CONFIG_DIR), "--coverage-format",
                                  "markdown", "--coverage-output", str(report),
                                  "--cov-fail-under", "96", app_env="")
    assert code == 1, out + err
    assert "coverage 95.5% is below --cov-fail-under 96%" in err
    text = report.read_text()
    assert "**95.5%** of tasks, branches and loop bodies reached (21 of 22)." in text
    assert text.count("```mermaid") == 3
    diagrams = [block.split("```", 1)[0] for block in text.split("```mermaid\n")[1:]]
    assert parse_errors(diagrams) == [None, None, None]
    assert "classDef partial" in text and "class " in text
    assert "Not reached by any case: `poll_until_settled body run once`" in text

    code, out, err = run_migrator("test", "--config-dir", str(CONFIG_DIR), "--coverage",
                                  "--coverage-format", "json", "--cov-fail-under", "95",
                                  app_env="")
    assert code == 0, err
    document = json.loads(out[out.index("{\n"):])
    assert (document["covered"], document["total"], document["percent"]) == (21, 22, 95.5)
