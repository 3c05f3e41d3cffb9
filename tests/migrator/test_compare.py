"""How a live definition is compared with a desired one, field by field."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from workflow_migrator import _compare, differences
from workflow_migrator._field_table import Server
from workflow_migrator._fields import (
    ObjectKind,
    ServerKeys,
    comparison_defaults,
    kept_keys,
    kind_info,
    server_of,
)
from workflow_migrator._models import Kind


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


# -- the shortcut: two definitions that normalise alike are told apart in one pass ------

_TASK_KEYS = ["name", "taskReferenceName", "type", "optional", "startDelay", "description",
              "inputParameters", "decisionCases", "defaultCase", "createTime", "timeoutSecond"]
_WORKFLOW_KEYS = ["name", "version", "schemaVersion", "description", "timeoutSeconds",
                  "restartable", "updateTime", "ownerApp", "maskedFields", "tasks"]
_VALUES = st.sampled_from([None, {}, [], 0, 1, 2, True, False, "", "x", "y", ["card"],
                           {"k": "v"}, {"k": "w"}])


@st.composite
def _tasks(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    task: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(_TASK_KEYS), unique=True)):
        if key == "decisionCases" and depth < 2:
            task[key] = draw(st.dictionaries(st.sampled_from(["a", "b"]),
                                             st.lists(_tasks(depth + 1), max_size=2), max_size=2))
        elif key == "defaultCase" and depth < 2:
            task[key] = draw(st.lists(_tasks(depth + 1), max_size=2))
        else:
            task[key] = draw(_VALUES)
    return task


@st.composite
def _workflows(draw: st.DrawFn) -> dict[str, Any]:
    workflow: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(_WORKFLOW_KEYS), unique=True)):
        workflow[key] = draw(st.lists(_tasks(), max_size=3) if key == "tasks" else _VALUES)
    return workflow


@st.composite
def _variants(draw: st.DrawFn, value: Any, kind: ObjectKind) -> Any:
    """``value`` as a server may return it (some defaults, empty values and its own keys
    added, some left out), now and then with a key changed, nested objects included."""
    if isinstance(value, list):
        return [draw(_variants(item, "workflow-task")) for item in value]
    if not isinstance(value, dict):
        return value
    changed = {key: draw(_variants(item, "workflow-task")) for key, item in value.items()
               if draw(st.integers(0, 9))}
    filled = [*comparison_defaults(kind).items(), ("createTime", 1), ("ownerApp", None),
              ("inputParameters", {}), ("description", None)]
    changed.update(draw(st.lists(st.sampled_from(filled), max_size=4)))
    if not draw(st.integers(0, 4)):
        changed[draw(st.sampled_from([*_TASK_KEYS, *_WORKFLOW_KEYS]))] = draw(_VALUES)
    return changed


def _full_comparison(kind: Kind, live: Any, desired: Any, keep_version: bool,
                     keeps: ServerKeys) -> list[_compare.FieldChange]:
    changes: list[_compare.FieldChange] = []
    _compare._Walk(keeps, changes).walk(
        _compare.normalise(kind, live, keep_version=keep_version),
        _compare.normalise(kind, desired, keep_version=keep_version), (),
        kind_info(kind).object_kind)
    return changes


@settings(max_examples=300, deadline=None)
@given(st.data(), st.sampled_from(["task", "workflow"]), st.booleans(),
       st.sampled_from([None, "core", "oss"]))
def test_the_one_pass_shortcut_agrees_with_the_full_comparison(
        data: st.DataObject, kind: Kind, keep_version: bool, server: Server | None) -> None:
    desired = data.draw(_tasks() if kind == "task" else _workflows())
    live = data.draw(_variants(desired, kind_info(kind).object_kind))
    keeps = kept_keys(server)

    assert differences(kind, live, desired, keep_version=keep_version, keeps=keeps) == \
        _full_comparison(kind, live, desired, keep_version, keeps)
