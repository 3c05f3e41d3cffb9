"""The blast radius as the plan's formats show it: text, the JSON document, Markdown."""

from __future__ import annotations

import dataclasses

from tests.support.definitions import workflow
from workflow_migrator._models import DefinitionSet
from workflow_migrator._plan import LiveState, compute_plan
from workflow_migrator._risk import Concern, Executions, Risk, Worker, duration
from workflow_migrator._views.plan import plan_text
from workflow_migrator._views.plan_markdown import plan_markdown

RISK = Risk(
    executions=(Executions("wf", 1, 3, 1), Executions("wf", None, 2, 0)),
    concerns=(Concern("output-removed", "breaking", "workflow wf v2",
                      "output 'total' is no longer produced; these parents read it",
                      ("workflow parent v1 (on the server, not in the directory)",)),),
    workers=(Worker("wf_task", ("workflow wf v2",), None), Worker("ok", ("workflow wf v2",), 4.0,
                                                                  ready=True)))


def planned(risk: Risk | None = RISK):  # type: ignore[no-untyped-def]
    plan = compute_plan(DefinitionSet(workflows=(workflow("wf"),)), LiveState())
    return dataclasses.replace(plan, risk=risk)


def test_text_shows_executions_concerns_and_idle_workers() -> None:
    text = plan_text(planned())
    assert "  workflow wf v1: 3 running, 1 paused" in text
    assert "  workflow wf unknown version: 2 running, 0 paused" in text
    assert "  [breaking] workflow wf v2: output 'total' is no longer produced" in text
    assert "      affects workflow parent v1 (on the server, not in the directory)" in text
    assert ("Warning: task wf_task (used by workflow wf v2): no worker polled it in the last "
            "10m; no worker has ever polled it") in text
    assert "task ok " not in text
    assert "Error: task wf_task" in plan_text(planned(dataclasses.replace(
        RISK, require_workers=True)))


def test_markdown_has_a_risk_section() -> None:
    document = plan_markdown(planned())
    assert "#### Risk" in document
    assert "| `workflow wf v1` | 3 | 1 |" in document
    assert ("| **breaking** | `workflow wf v2` | output 'total' is no longer produced; these "
            "parents read it (output-removed) | workflow parent v1 (on the server, not in the "
            "directory) |") in document
    assert "Workers: 1 of 2 worker task(s) polled in the last 10m." in document
    assert "#### Risk" not in plan_markdown(planned(None))


def test_the_json_document_carries_the_risk() -> None:
    document = planned().to_dict()
    assert document["format_version"] == "1.1"
    assert document["risk"]["executions"][1] == {"workflow": "wf", "version": None,
                                                 "running": 2, "paused": 0}
    assert document["risk"]["workers"][0] == {"task_type": "wf_task", "used_by": ["workflow wf v2"],
                                              "last_poll_seconds": None, "domains": [],
                                              "ready": False}
    assert planned(None).to_dict()["risk"] is None


def test_durations_read_as_people_write_them() -> None:
    assert [duration(s) for s in (0, 45, 600, 5400, 3600)] == ["0s", "45s", "10m", "1h30m", "1h"]
