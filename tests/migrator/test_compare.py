"""How a live definition is compared with a desired one, field by field."""

from __future__ import annotations

from typing import Any

from workflow_migrator import differences
from workflow_migrator._fields import kept_keys, server_of


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


def test_a_key_the_server_drops_is_no_change_where_the_live_object_lacks_it() -> None:
    desired = _workflow(timeoutSecond=5, maskedFields=["card"])
    desired["tasks"][0].update(optionl=True, permissive=True)
    desired["tasks"][0]["inputParameters"] = {"anyKey": 1}

    core = differences("workflow", _workflow(), desired, keeps=kept_keys("core"))
    oss = differences("workflow", _workflow(), desired, keeps=kept_keys("oss"))

    # A free-form object (inputParameters) is compared key by key as ever.
    assert [c.path for c in core] == ["tasks[0].inputParameters"]
    assert [c.path for c in oss] == ["maskedFields", "tasks[0].inputParameters",
                                     "tasks[0].permissive"]


def test_a_dropped_key_the_live_object_holds_is_compared() -> None:
    # Whatever the server is said to keep, what it returns is what it holds.
    changes = differences("task", {"name": "t", "newerKey": 1}, {"name": "t", "newerKey": 2},
                          keeps=kept_keys("core"))

    assert [(c.path, c.before, c.after) for c in changes] == [("newerKey", 1, 2)]


def test_the_server_is_told_by_the_fields_it_returns() -> None:
    assert server_of([{"name": "t", "retryCount": 3}]) == "core"
    assert server_of([{"name": "t"}, {"name": "w", "enforceSchema": True}]) == "oss"
    assert server_of([]) is None
