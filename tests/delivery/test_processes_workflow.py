"""The pull request review of config/: validate, plan against a server holding the base
branch's processes, one comment per pull request."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.delivery import workflow

MARKER = "<!-- workflow-migrator-plan -->"


def _steps(job: str) -> list[dict[str, Any]]:
    return list(workflow("processes")["jobs"][job]["steps"])


def _step(job: str, name: str) -> dict[str, Any]:
    (step,) = [s for s in _steps(job) if s.get("name", "").startswith(name)]
    return step


def test_runs_on_pull_requests_that_change_the_processes() -> None:
    on = workflow("processes")["on"]
    assert set(on) == {"pull_request"}
    assert on["pull_request"]["paths"] == ["config/**", ".github/workflows/processes.yml"]


def test_the_plan_job_reads_only_and_plans_against_the_base_branchs_processes() -> None:
    job = workflow("processes")["jobs"]["plan"]
    assert job["permissions"] == {"contents": "read"}
    names = [s["name"] for s in job["steps"]]
    base = _step("plan", "Check out the base branch")
    assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert base["with"]["path"] == "base"
    start = _step("plan", "Start a local Conductor")
    assert "scripts/conductor-stack up --profile production-core" in start["run"]
    assert "deploy --config-dir base/config" in start["run"]
    # only the local server is filled: a configured server is never written to
    assert "env.PLAN_SERVER == ''" in start["if"]
    plan = _step("plan", "Plan the change")
    assert "plan --config-dir config --format markdown" in plan["run"]
    assert "deploy" not in plan["run"]
    tests = _step("plan", "Run the workflow tests")
    assert "test --config-dir config --coverage" in tests["run"]
    assert "--coverage-format markdown --coverage-output coverage.md" in tests["run"]
    order = [names.index(n) for n in ("Validate the definitions",
                                      "Start a local Conductor with the base branch's processes",
                                      "Plan the change", "Run the workflow tests with coverage",
                                      "Write the comment")]
    assert order == sorted(order)
    assert "steps.tests.outcome != 'success'" in _step("plan", "Fail when")["if"]


def test_the_comment_job_runs_no_code_from_the_pull_request() -> None:
    job = workflow("processes")["jobs"]["comment"]
    assert job["permissions"] == {"pull-requests": "write"}
    assert job["needs"] == "plan"
    assert "!github.event.pull_request.head.repo.fork" in job["if"]
    assert not any("uses" in step for step in job["steps"])  # no checkout
    (step,) = job["steps"]
    assert "scripts/" not in step["run"] and ".venv" not in step["run"]
    assert f'startswith("{MARKER}")' in step["run"]
    assert "--method PATCH" in step["run"] and "--method POST" in step["run"]


def _write_comment(tmp_path: Path, validate: str, plan: str,
                   tests: str = "success") -> tuple[str, str, str]:
    """Runs the "Write the comment" step's script with bash, as the runner would."""
    script = _step("plan", "Write the comment")["run"]
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {**os.environ, "VALIDATE": validate, "PLAN": plan, "TESTS": tests,
           "RUN_URL": "https://run/1",
           "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, check=True)
    return (tmp_path / "comment.md").read_text(), summary.read_text(), output.read_text()


def test_the_comment_holds_the_plan_behind_the_marker(tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text("### workflow-migrator plan\n\nEOF\n| a | b |\n")
    comment, summary, output = _write_comment(tmp_path, "success", "success")
    assert comment.startswith(MARKER + "\n### workflow-migrator plan\n")
    assert "| a | b |" in comment and "https://run/1" in comment
    assert summary == comment
    # the multi-line output survives a line that looks like a heredoc delimiter
    first, *body, last = output.splitlines()
    name, delimiter = first.split("<<")
    assert (name, last) == ("body", delimiter)
    assert "\n".join(body) + "\n" == comment


@pytest.mark.parametrize(("validate", "plan", "heading"), [
    ("failure", "skipped", "### config/ is not valid"),
    ("success", "failure", "### The plan failed"),
])
def test_the_comment_says_what_failed(tmp_path: Path, validate: str, plan: str,
                                      heading: str) -> None:
    (tmp_path / "validate.txt").write_text("error: workflows/a.json: tasks: required\n")
    comment, _, _ = _write_comment(tmp_path, validate, plan)
    assert comment.startswith(f"{MARKER}\n{heading}\n")
    if validate == "failure":
        assert "workflows/a.json: tasks: required" in comment


def test_the_comment_shows_the_coverage_under_the_plan_and_failed_tests(tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text("### workflow-migrator plan\n")
    (tmp_path / "coverage.md").write_text("### Workflow test coverage\n\n**95.5%**\n")
    (tmp_path / "tests.txt").write_text("tests/a.yaml::x FAILED (1.0s)\n")
    comment, _, _ = _write_comment(tmp_path, "success", "success", tests="failure")
    assert comment.index("### workflow-migrator plan") < comment.index(
        "### The workflow tests failed") < comment.index("### Workflow test coverage")
    assert "tests/a.yaml::x FAILED" in comment


def test_the_findings_are_uploaded_as_sarif_by_a_job_that_may_only_upload() -> None:
    job = workflow("processes")["jobs"]["code-scanning"]
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    assert "!github.event.pull_request.head.repo.fork" in job["if"]
    validate = _step("code-scanning", "Validate as SARIF")
    assert "validate --config-dir config --format sarif" in validate["run"]
    assert '--docs-url "$DOCS_URL" > validate.sarif' in validate["run"]
    upload = _step("code-scanning", "Upload the findings")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "validate.sarif"
