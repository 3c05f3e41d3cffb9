"""Planning is pure: these tests build desired and live states by hand."""

from __future__ import annotations

import json
from typing import Any

from tests.support.definitions import live_workflow, task, workflow
from workflow_migrator import (
    Definition,
    DefinitionSet,
    LiveState,
    PlanOptions,
    Source,
    compute_plan,
    plan_text,
)


def test_omitted_fields_equal_server_defaults() -> None:
    live = LiveState(tasks=({"name": "t", "retryCount": 3, "timeoutPolicy": "TIME_OUT_WF",
                             "createTime": 5, "accessPolicy": {}, "inputKeys": []},),
                     workflows=(live_workflow("w", 1),))
    plan = compute_plan(DefinitionSet((task("t"),), (workflow("w"),)), live)
    assert [c.action for c in plan.changes] == ["unchanged", "unchanged"]
    assert not plan.has_changes


def test_automatic_workflow_gets_next_version_and_keeps_old() -> None:
    live = LiveState(workflows=(live_workflow("w", 1), live_workflow("w", 4, description="old")))
    plan = compute_plan(DefinitionSet(workflows=(workflow("w", description="new"),)), live)
    (change,) = plan.changes
    assert (change.action, change.version, change.create_only) == ("create", 5, True)
    assert change.payload is not None and change.payload["version"] == 5
    assert [(f.path, f.before, f.after) for f in change.fields] == [("description", "old", "new")]
    assert plan.count("delete") == 0


def test_explicit_version_conflict_names_the_way_out() -> None:
    live = LiveState(workflows=(live_workflow("w", 2, description="old"),))
    desired = DefinitionSet(workflows=(workflow("w", 2, description="new"),))
    refused = compute_plan(desired, live)
    assert len(refused.conflicts) == 1
    assert "Bump 'version' to 3" in refused.conflicts[0]
    allowed = compute_plan(desired, live, PlanOptions(allow_overwrite=True))
    assert not allowed.conflicts
    (change,) = allowed.changes
    assert change.action == "update"
    assert change.payload is not None and change.payload["createTime"] == 1


def test_task_update_keeps_create_time_and_author() -> None:
    live = LiveState(tasks=({"name": "t", "retryCount": 1, "createTime": 7, "createdBy": "ci"},))
    (change,) = compute_plan(DefinitionSet(tasks=(task("t", retryCount=2),)), live).changes
    assert change.action == "update"
    assert change.payload == {"name": "t", "retryCount": 2, "createTime": 7, "createdBy": "ci"}


def test_what_the_server_sets_is_never_written() -> None:
    """Audit keys and an access policy copied into a file are left out of every write:
    Conductor 3.15 refuses a whole request whose access policy it cannot parse."""
    managed: dict[str, Any] = {"accessPolicy": {"x": []}, "createTime": 1, "updatedBy": "me",
                               "ownerApp": "a"}
    live = LiveState(tasks=({"name": "t", "retryCount": 1, "createTime": 7},),
                     workflows=(live_workflow("w", 1),))
    desired = DefinitionSet(
        tasks=(task("t", retryCount=2, **managed), task("new", **managed)),
        workflows=(workflow("w", description="changed", **managed),
                   workflow("v", version=3, **managed)))
    changes = compute_plan(desired, live).changes
    assert {c.action for c in changes} == {"update", "create"}
    for change in changes:
        assert change.payload is not None
        sent = {k for k in managed if k in change.payload}
        assert sent <= ({"createTime"} if change.action == "update" and change.kind == "task"
                        else set()), (change.address, sent)
    (updated,) = [c for c in changes if c.name == "t"]
    assert updated.payload is not None and updated.payload["createTime"] == 7  # the server's


def test_prune_lists_deletions_first_and_protects_samples_patterns_and_running() -> None:
    live = LiveState(
        tasks=({"name": "t"}, {"name": "orphan"}, {"name": "simple_task_1"}, {"name": "pinned_x"}),
        workflows=(live_workflow("w", 1), live_workflow("w", 2, description="x"),
                   live_workflow("gone", 1), live_workflow("busy", 1), live_workflow("http", 1)),
        running=frozenset({("busy", 1)}),
    )
    desired = DefinitionSet((task("t"),), (workflow("w", description="x"),))
    plan = compute_plan(desired, live, PlanOptions(prune=True, keep=("pinned_*",)))
    deleted = [c.address for c in plan.changes if c.action == "delete"]
    assert deleted == ["task orphan", "workflow gone v1", "workflow w v1"]
    assert [c.action for c in plan.changes[:3]] == ["delete"] * 3
    assert plan.retained == ("workflow busy v1: has running executions",)
    assert compute_plan(desired, live).count("delete") == 0


def test_a_prune_deleting_all_or_most_of_a_kind_needs_allow_mass_prune() -> None:
    live = LiveState(tasks=tuple({"name": f"t{i}"} for i in range(4)),
                     workflows=(live_workflow("w", 1), live_workflow("w", 2)))
    # A directory that lost its workflows/ and three of its four tasks.
    desired = DefinitionSet((task("t0"),), ())
    plan = compute_plan(desired, live, PlanOptions(prune=True))
    assert plan.count("delete") == 5  # the plan still shows what would go
    assert plan.conflicts == (
        "--prune would delete 3 of the 4 task definitions the server holds (more than half of "
        "them), as a directory whose files went missing would: check the deletions in this "
        "plan, then pass --allow-mass-prune to make them",
        "--prune would delete 2 of the 2 versions of workflows the server holds (all of them), "
        "as a directory whose files went missing would: check the deletions in this plan, "
        "then pass --allow-mass-prune to make them")
    allowed = compute_plan(desired, live, PlanOptions(prune=True, allow_mass_prune=True))
    assert allowed.conflicts == () and allowed.count("delete") == 5
    # Half, or less, of a kind is an ordinary prune.
    half = compute_plan(DefinitionSet((task("t0"), task("t1")), (workflow("w", 2),)), live,
                        PlanOptions(prune=True))
    assert half.conflicts == () and half.count("delete") == 3


def test_prune_keeps_names_the_server_cannot_delete_and_says_why() -> None:
    live = LiveState(tasks=({"name": "a/b"}, {"name": "gone"}, {"name": "kept"}),
                     workflows=(live_workflow("..", 1),),
                     event_handlers=({"name": "h\\x", "event": "conductor:q"},))
    plan = compute_plan(DefinitionSet((task("kept"),), ()), live,
                        PlanOptions(prune=True, allow_mass_prune=True))
    assert [c.address for c in plan.changes if c.action == "delete"] == ["task gone"]
    assert plan.retained == (
        "event handler h\\x: the name contains '\\': the server stores it, but can then "
        "neither read nor delete it (it answers 400 to its URL)",
        "task a/b: the name contains '/': the server stores it, but can then neither read "
        "nor delete it (it answers 400 to its URL)",
        "workflow .. v1: the name '..' is a path segment the server resolves away: it can be "
        "stored, but never read back or deleted")


def test_plan_text_and_json_agree_on_counts() -> None:
    live = LiveState(tasks=({"name": "t", "retryCount": 1},))
    plan = compute_plan(DefinitionSet((task("t", retryCount=2), task("n")), ()), live)
    text = plan_text(plan)
    assert "~ task t will be updated in place" in text
    assert "    ~ retryCount: 1 -> 2" in text
    assert "+ task n will be created" in text
    assert text.endswith("Plan: 1 to add, 1 to change, 0 to delete, 0 unchanged.")
    document = json.loads(json.dumps(plan.to_dict()))
    assert document["summary"] == {"delete": 0, "create": 1, "update": 1, "unchanged": 0}


def handler(name: str, **fields: object) -> Definition:
    body = {"name": name, "event": f"conductor:{name}", "active": True,
            "actions": [{"action": "start_workflow", "start_workflow": {"name": "w"}}], **fields}
    return Definition("event_handler", body, Source(f"event-handlers/{name}.json"))


def test_event_handlers_follow_workflows_and_are_deleted_before_them() -> None:
    live_handler = {"name": "gone", "event": "conductor:gone", "active": False,
                    "actions": [{"action": "complete_task", "expandInlineJSON": False,
                                 "complete_task": {"taskId": "x", "output": {}}}]}
    desired = DefinitionSet(workflows=(workflow("w", 1),),
                            event_handlers=(handler("new"), handler("same")))
    same = {**handler("same").body, "actions": [
        {"action": "start_workflow", "expandInlineJSON": False,
         "start_workflow": {"name": "w", "input": {}}}]}
    live = LiveState(workflows=(live_workflow("old", 1),),
                     event_handlers=(live_handler, same))
    plan = compute_plan(desired, live, PlanOptions(prune=True))
    assert [(c.action, c.address) for c in plan.changes] == [
        ("delete", "event handler gone"), ("delete", "workflow old v1"),
        ("create", "workflow w v1"), ("create", "event handler new"),
        ("unchanged", "event handler same")]


def test_a_changed_event_handler_is_an_update() -> None:
    live = LiveState(event_handlers=({**handler("h").body, "active": False},))
    plan = compute_plan(DefinitionSet(event_handlers=(handler("h"),)), live)
    [change] = plan.changes
    assert (change.action, change.address) == ("update", "event handler h")
    assert [(f.path, f.before, f.after) for f in change.fields] == [("active", None, True)]


def test_a_new_child_version_lists_the_parents_that_start_it_unpinned() -> None:
    def parent(name: str, **param: object) -> Definition:
        return workflow(name, 1, tasks=[{"name": "s", "taskReferenceName": "s",
                                         "type": "SUB_WORKFLOW",
                                         "subWorkflowParam": {"name": "child", **param}}])

    desired = DefinitionSet(workflows=(workflow("child", description="v2"),
                                       parent("loose"), parent("pinned", version=1)))
    live = LiveState(workflows=(live_workflow("child", 1), live_workflow("loose", 1, tasks=[
        {"name": "s", "taskReferenceName": "s", "type": "SUB_WORKFLOW",
         "subWorkflowParam": {"name": "child"}}])))
    plan = compute_plan(desired, live)
    child = next(c for c in plan.changes if c.name == "child")
    assert (child.action, child.version) == ("create", 2)
    assert child.notes == ("starts this version from now on (no version pinned): "
                           "workflow loose (workflows/loose.json)",)
    assert all(not c.notes for c in plan.changes if c.name != "child")
    assert "    # starts this version from now on (no version pinned): workflow loose" in \
        plan_text(plan)
    assert json.loads(json.dumps(plan.to_dict()))["changes"][0]["notes"] == list(child.notes)


def test_what_the_server_holds_at_a_recorded_secret_path_is_masked() -> None:
    """The header was renamed: the directory names neither the old header nor its value,
    the deploy record says a secret sat there."""
    record = {"name": "__workflow_migrator_deploy_record__", "description": json.dumps(
        {"secret_paths": {"task:t": [[["inputTemplate", "X-Old"], "@{KEY}"]]}})}
    live = LiveState(tasks=({"name": "t", "inputTemplate": {"X-Old": "old-secret", "a": 1}},),
                     deploy_record=record)
    renamed = Definition("task", {"name": "t", "inputTemplate": {"X-New": "new", "a": 1}},
                         Source("tasks/t.json"), {("inputTemplate", "X-New"): "@{KEY}"})

    plan = compute_plan(DefinitionSet((renamed,)), live)

    assert "old-secret" not in json.dumps(plan.to_dict()) + plan_text(plan)
    assert "old-secret" not in json.dumps(plan.changes[0].live)
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [
        ("inputTemplate.X-New", None, "new"), ("inputTemplate.X-Old", "***", None)]
    # Without the record, nothing says the old value was a secret.
    unrecorded = compute_plan(DefinitionSet((renamed,)), LiveState(tasks=live.tasks))
    assert "old-secret" in plan_text(unrecorded)
