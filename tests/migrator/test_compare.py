"""How a live definition is compared with a desired one, field by field."""

from __future__ import annotations

from typing import Any

from workflow_migrator import differences


def _workflow(**fields: Any) -> dict[str, Any]:
    return {"name": "w", "version": 1, "schemaVersion": 2,
            "tasks": [{"name": "a", "taskReferenceName": "a", "type": "SIMPLE"}], **fields}


def test_an_explicit_null_equals_an_absent_field() -> None:
    # Orkes v1.1.12 returns fields it does not hold as explicit nulls ("ownerApp": null, ...).
    live = _workflow(description=None, failureWorkflow=None, ownerEmail=None,
                     inputTemplate=None, variables=None)
    live["tasks"][0].update(description=None, inputParameters=None, subWorkflowParam=None,
                            decisionCases=None, loopCondition=None)

    assert differences("workflow", live, _workflow()) == []
    assert differences("task", {"name": "t", "description": None, "ownerEmail": None,
                                "inputKeys": None, "pollTimeoutSeconds": None},
                       {"name": "t"}) == []


def test_a_null_inside_an_inline_task_definition_equals_an_absent_field() -> None:
    live = _workflow()
    live["tasks"][0]["taskDefinition"] = {"name": "a", "description": None, "retryCount": 2}
    desired = _workflow()
    desired["tasks"][0]["taskDefinition"] = {"name": "a", "retryCount": 2}

    assert differences("workflow", live, desired) == []


def test_a_null_against_a_value_is_a_change() -> None:
    changes = differences("workflow", _workflow(description=None),
                          _workflow(description="now described"))

    assert [(c.path, c.before, c.after, c.symbol) for c in changes] == [
        ("description", None, "now described", "+")]
