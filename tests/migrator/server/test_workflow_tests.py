"""``workflow-migrator test`` on the real engines: cases that must pass do (SWITCH
branches, FORK/JOIN, a DO_WHILE of three rounds, a retry after a mocked failure, a
sub-workflow, INLINE scripts, an HTTP task run for real), cases written to fail fail
for their stated reason, nothing is registered, and a worker polling the same task
types without the test's domain receives nothing while the tests run."""

from __future__ import annotations

import shutil
import threading
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import httpx
import pytest

from tests.support.configs import server_client
from tests.support.migrator import RunMigrator
from tests.support.paths import REPO_ROOT
from tests.support.stacks import Server
from workflow_migrator import CaseResult, run_workflow_tests

pytestmark = pytest.mark.server

FIXTURE = REPO_ROOT / "tests" / "migrator" / "fixtures" / "workflow_tests"
WORKER_TASK_TYPES = ("wt_lookup", "wt_charge", "wt_step", "wt_notify", "wt_probe")


@pytest.fixture(scope="module")
def results(server: Server) -> dict[str, CaseResult]:
    """Every fixture case, run once per server, while a worker without the test's domain
    polls every worker task type the cases use; it must receive nothing."""
    intruder_got: list[object] = []
    stop = threading.Event()

    def intruder() -> None:
        with httpx.Client(base_url=server.base_url, timeout=10) as http:
            while not stop.is_set():
                for task_type in WORKER_TASK_TYPES:
                    polled = http.get(f"/api/tasks/poll/{task_type}",
                                      params={"workerid": "intruder"})
                    if polled.status_code == 200 and polled.content:
                        intruder_got.append(polled.json())
                time.sleep(0.05)

    thread = threading.Thread(target=intruder, daemon=True)
    thread.start()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WT_SERVER_URL", server.base_url)
        with server_client(server.base_url) as client:
            ran = run_workflow_tests(FIXTURE, client, app_env="test", timeout=12, jobs=4,
                                     wait_timeout=30)
    stop.set()
    thread.join(10)
    assert intruder_got == [], "a worker without the test's domain received a test's task"
    return {r.case.name: r for r in ran}


@pytest.mark.parametrize("name", [
    "gold customer gets the discount after a declined card",
    "other customers pay the full amount",
    "a card declined twice fails the order",
    "both branches and three rounds run",
    "an HTTP task listed under run calls out for real",
])
def test_cases_that_must_pass_pass(results: dict[str, CaseResult], name: str) -> None:
    result = results[name]
    assert result.passed, (result.error, result.mismatches, result.path)


def test_the_retry_and_the_sub_workflow_show_in_the_path(results: dict[str, CaseResult]) -> None:
    assert results["gold customer gets the discount after a declined card"].path == (
        "lookup", "route", "gold_discount", "total", "charge", "charge", "tell", "tell/notify")


def test_a_wrong_branch_fails_where_the_path_diverges(results: dict[str, CaseResult]) -> None:
    result = results["wrong branch"]
    assert not result.passed and not result.error
    [mismatch] = result.mismatches
    assert mismatch.what == "path"
    assert mismatch.note == "diverged at step 3: expected 'gold_discount', ran 'no_discount'"


def test_a_wrong_output_fails_on_the_output(results: dict[str, CaseResult]) -> None:
    [mismatch] = results["wrong output"].mismatches
    assert (mismatch.what, mismatch.expected) == ("output", {"amount": 80})
    assert mismatch.actual["amount"] == 90


def test_a_stuck_case_times_out_naming_the_task_and_is_terminated(
        results: dict[str, CaseResult], server: Server) -> None:
    result = results["stuck in a wait"]
    assert result.error == "timed out after 12s, still RUNNING"
    assert result.stuck == ("hour (WAIT, IN_PROGRESS)",)
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        workflow = http.get(f"/api/workflow/{result.workflow_id}").json()
    assert workflow["status"] == "TERMINATED"


def test_nothing_is_registered(results: dict[str, CaseResult], server: Server) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        for name in ("wt_order", "wt_tell_customer", "wt_batch", "wt_slow"):
            assert http.get(f"/api/metadata/workflow/{name}").status_code == 404, name
        for name in ("wt_lookup", "wt_charge", "wt_step", "wt_notify"):
            assert http.get(f"/api/metadata/taskdefs/{name}").status_code in (404, 204), name


def test_the_command_reports_like_pytest_and_writes_junit(
        run_migrator: RunMigrator, server: Server, tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    code, out, _ = run_migrator(
        "test", "--config-dir", str(FIXTURE), "-k", "wt_order", "--ui-url", "http://ui.example",
        "--format", "junit", "--output", str(report), "--log-format", "text",
        WT_SERVER_URL=server.base_url)
    assert code == 1
    assert "tests/failing.yaml::wrong branch FAILED" in out
    assert "tests/passing.yaml::other customers pay the full amount PASSED" in out
    assert "execution: http://ui.example/execution/" in out
    assert "2 failed, 3 passed" in out
    suite = ElementTree.parse(report).getroot()
    assert (suite.attrib["tests"], suite.attrib["failures"]) == ("5", "2")


def test_the_shipped_processes_pass_their_own_cases(run_migrator: RunMigrator) -> None:
    code, out, err = run_migrator("test", "--config-dir", str(REPO_ROOT / "config"),
                                  "--log-format", "text")
    assert code == 0, out + err
    assert "5 passed" in out


def _fixture_with_cases(destination: Path, cases: str) -> Path:
    """The fixture's definitions with ``cases`` as its only test file."""
    shutil.copytree(FIXTURE, destination)
    for file in (destination / "tests").iterdir():
        file.unlink()
    (destination / "tests" / "cases.yaml").write_text(cases)
    return destination


def test_a_task_without_enough_outcomes_is_named_with_the_right_counts(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The message counts the runs and the outcomes the case gives as they are: a task
    given none says so, a task given one that runs twice says 2nd time and 1 outcome."""
    config = _fixture_with_cases(tmp_path / "config", """\
- workflow: wt_order
  cases:
    - name: no outcome for lookup
      input: {customerId: 7, amount: 100}
      tasks: {}
      expect: {status: COMPLETED}
    - name: one outcome for a charge that runs twice
      input: {customerId: 7, amount: 100}
      tasks:
        lookup: {status: COMPLETED, output: {tier: silver}}
        charge: [{status: FAILED, reason: card declined}]
      expect: {status: COMPLETED}
""")
    monkeypatch.setenv("WT_SERVER_URL", server.base_url)
    with server_client(server.base_url) as client:
        ran = {r.case.name: r for r in run_workflow_tests(config, client, app_env="test",
                                                           timeout=12, wait_timeout=30)}
    assert ran["no outcome for lookup"].error == \
        "task 'lookup' ran, but the case gives no outcome for it"
    assert ran["one outcome for a charge that runs twice"].error == \
        "task 'charge' ran a 2nd time, but the case gives only 1 outcome(s) for it"


def test_a_pattern_that_selects_no_case_is_an_error(run_migrator: RunMigrator,
                                                    server: Server) -> None:
    """Like pytest's "no tests ran": a -k with a typo must not pass a CI job."""
    code, out, err = run_migrator("test", "--config-dir", str(FIXTURE), "-k", "no_such_case",
                                  "--log-format", "text", WT_SERVER_URL=server.base_url)
    assert code == 1, out + err
    assert "-k 'no_such_case' selects none of the 8 workflow test case(s)" in err
