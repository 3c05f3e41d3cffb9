"""``_views``: one view per result type and format, chosen by ``--format`` in the view
module, never in the command; each is pure (a value in, text or a document out)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.definitions import task
from workflow_migrator import (
    CaseResult,
    Definition,
    DefinitionSet,
    Finding,
    LiveState,
    Plan,
    PlanOptions,
    Source,
    Status,
    WorkflowCase,
    compute_plan,
)
from workflow_migrator._apply import ApplyResult
from workflow_migrator._compare import FieldChange
from workflow_migrator._coverage import Coverage, WorkflowCoverage
from workflow_migrator._export import ExportResult
from workflow_migrator._mask import MASK
from workflow_migrator._plan import Change
from workflow_migrator._record import DeployRecord
from workflow_migrator._secret_paths import UNKNOWN_PLACEHOLDER
from workflow_migrator._targets import target_named
from workflow_migrator._upgrade import DefinitionChanges, Difference, UpgradeReport
from workflow_migrator._views.coverage import render_coverage
from workflow_migrator._views.export import export_text
from workflow_migrator._views.findings import finding_records, render_findings
from workflow_migrator._views.plan import (
    applied_record,
    completion_record,
    plan_records,
    render_plan,
    without_previous_secrets,
)
from workflow_migrator._views.status import render_status
from workflow_migrator._views.upgrade import render_upgrade
from workflow_migrator._workflow_tests import Expectation


def _plan() -> Plan:
    desired = DefinitionSet(tasks=(task("kept", retryCount=2), task("new")))
    return compute_plan(desired, LiveState(tasks=({"name": "kept", "retryCount": 1},
                                                  {"name": "gone"})), PlanOptions(prune=True))


def test_a_plan_renders_as_text_json_and_markdown() -> None:
    planned = _plan()
    text = render_plan(planned, "text")
    assert isinstance(text, str)
    assert "+ task new will be created" in text and "- task gone will be deleted" in text
    assert text.endswith("Plan: 1 to add, 1 to change, 1 to delete, 0 unchanged.")
    document = render_plan(planned, "json")
    assert isinstance(document, dict)
    assert {(c["actions"][0], c["name"]) for c in document["changes"]} == {
        ("delete", "gone"), ("create", "new"), ("update", "kept")}
    markdown = render_plan(planned, "markdown", title="a review")
    assert isinstance(markdown, str) and markdown.startswith("### a review")


def test_a_field_holding_a_secret_hides_its_previous_value_too() -> None:
    field = FieldChange("headers.Authorization", "Bearer old-token", "Bearer new-token")
    planned = Plan((Change("update", "task", "t", None, "content differs", fields=(field,)),))
    shown = without_previous_secrets(planned, frozenset({"new-token"}))
    (change,) = shown.changes
    assert (change.fields[0].before, change.fields[0].after) == (MASK, f"Bearer {MASK}")
    assert without_previous_secrets(planned, frozenset()) is planned
    assert "old-token" not in str(render_plan(planned, "json", secrets=["new-token"]))


def test_a_plan_as_log_records_names_paths_never_values() -> None:
    records = plan_records(_plan())
    assert [(level, fields["event"]) for level, _, fields in records] == [
        ("info", "planned")] * 3 + [("info", "plan")]
    (update,) = [r for r in records if r[2].get("action") == "update"]
    assert update[2]["fields"] == ["retryCount"] and "2" not in update[1]
    assert records[-1][2] | {"create": 1, "update": 1, "delete": 1} == records[-1][2]
    message, fields = applied_record(_plan().changes[0])
    assert message.endswith("d") and fields["event"] == "applied"


FINDINGS = [Finding("tasks/t.json", "retryCount", "must be a number", "types"),
            Finding("tasks/t.json", "x", "unknown key", "unknown-keys", severity="warning")]


def test_findings_render_as_text_json_sarif_and_log_records(tmp_path: Path) -> None:
    definitions = DefinitionSet()
    text = render_findings(FINDINGS, "text", config_dir=tmp_path, definitions=definitions)
    assert text == ("error: tasks/t.json: retryCount: must be a number [types]\n"
                    "warning: tasks/t.json: x: unknown key [unknown-keys]\n"
                    "1 error(s), 1 warning(s).")
    assert render_findings([], "text", config_dir=tmp_path,
                           definitions=definitions) == "All definitions are valid."
    assert render_findings(FINDINGS, "json", config_dir=tmp_path,
                           definitions=definitions) == [f.as_dict() for f in FINDINGS]
    sarif = render_findings(FINDINGS, "sarif", config_dir=tmp_path, definitions=definitions)
    assert isinstance(sarif, dict) and sarif["version"] == "2.1.0"
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["types", "unknown-keys"]
    assert [(level, fields["rule"]) for level, _, fields in finding_records(FINDINGS)] == [
        ("error", "types"), ("warning", "unknown-keys")]


def _status(record: DeployRecord | None, drifted: bool) -> Status:
    planned = _plan() if drifted else Plan(())
    return Status(record, "abc", planned)


def test_a_status_renders_as_text_and_json() -> None:
    record = DeployRecord(deployed_at="2026-01-01T00:00:00Z", app_env="prod",
                          source_revision="r1", tool_version="1.0", config_sha256="abc",
                          summary={"create": 2})
    text = render_status(_status(record, False), "text", "config")
    assert isinstance(text, str)
    assert text.splitlines() == [
        "Last deploy: 2026-01-01T00:00:00Z, APP_ENV prod, revision r1, workflow-migrator 1.0",
        "  2 created, 0 updated, 0 deleted, 0 unchanged",
        "Config directory config: the content of the last deploy",
        "Drift: none, the server holds exactly the definitions of config."]
    drifted = render_status(_status(None, True), "text", "config")
    assert isinstance(drifted, str) and "Last deploy: none recorded" in drifted
    assert "Plan: 1 to add, 1 to change, 1 to delete" in drifted
    document = render_status(_status(None, True), "json", "config")
    assert isinstance(document, dict)
    assert (document["drifted"], document["last_deploy"]) == (True, None)


def test_an_export_summary_says_what_was_left_out_and_why() -> None:
    result = ExportResult(Path("out"), ("tasks/a.json",), tasks=1, workflows=2,
                          workflow_versions=3, event_handlers=0, skipped_samples=("http",),
                          excluded=("task tmp",), unmanageable=(), renamed=(),
                          placeholders=1, unknown_placeholders=("tasks/a.json",))
    lines = export_text(result).splitlines()
    assert lines[0] == ("Exported 1 task definition(s), 2 workflow(s) (3 version(s)) and 0 "
                        "event handler(s) to out.")
    assert lines[1:3] == ["Skipped the server's stock boot samples: http.",
                          "Excluded 1 by --exclude."]
    assert lines[3].startswith("Wrote 1 secret value(s) as their @{NAME} placeholder")
    assert UNKNOWN_PLACEHOLDER in lines[4] and lines[4].endswith("tasks/a.json.")
    assert len(lines) == 5


def test_an_upgrade_report_renders_in_each_format() -> None:
    report = UpgradeReport(target_named("conductor-3.15"), target_named("conductor-oss-3.2x"),
                           (DefinitionChanges("tasks/t.json", "task t", (
                               Difference("key-dropped", "x", "'x' stops | working"),)),),
                           checked=1)
    text = render_upgrade(report, "text")
    assert isinstance(text, str) and "tasks/t.json: task t" in text
    document = render_upgrade(report, "json")
    assert isinstance(document, dict) and document["summary"]["changed"] == 1
    markdown = render_upgrade(report, "markdown")
    assert isinstance(markdown, str) and "stops \\| working" in markdown


def test_coverage_renders_in_each_format() -> None:
    workflow = Definition("workflow", {"name": "w", "version": 1, "tasks": [
        {"name": "a", "taskReferenceName": "a", "type": "SIMPLE"}]}, Source("w.json"))
    case = WorkflowCase("c", workflow, {}, {}, frozenset(), Expectation("COMPLETED"),
                        Source("tests/t.yaml"))
    from workflow_migrator._coverage import measure

    measured = measure(DefinitionSet(workflows=(workflow,)), [CaseResult(case, ())])
    assert isinstance(measured, Coverage)
    assert all(isinstance(w, WorkflowCoverage) for w in measured.workflows)
    assert json.loads(render_coverage(measured, "json"))["total"] == measured.total
    assert render_coverage(measured, "markdown").startswith("### Workflow test coverage")
    assert "Workflow" in render_coverage(measured, "text").splitlines()[0]


@pytest.mark.parametrize("output_format", ["text", "json", "markdown"])
def test_every_plan_format_is_valid_for_an_empty_plan(output_format: str) -> None:
    rendered = render_plan(Plan(()), output_format)
    if output_format == "json":
        assert isinstance(rendered, dict) and rendered["changes"] == []
    else:
        assert isinstance(rendered, str) and "No changes" in rendered


def test_the_completion_line_counts_each_action_and_the_write_requests() -> None:
    message, fields = completion_record(ApplyResult(created=3, updated=2, deleted=1), writes=4)

    assert message == "Deploy complete: 3 created, 2 updated, 1 deleted; 4 write request(s)."
    assert fields == {"event": "complete", "created": 3, "updated": 2, "deleted": 1}
