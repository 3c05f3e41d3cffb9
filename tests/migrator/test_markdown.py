"""plan --format markdown: the summary, the diagrams (checked by the real Mermaid parser),
styling of what changed, masking and folding."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from tests.support.corpus import corpus_workflows
from tests.support.mermaid import parse_errors
from tests.support.paths import REPO_ROOT
from workflow_migrator import (
    Definition,
    DefinitionSet,
    LiveState,
    PlanOptions,
    Source,
    compute_plan,
)
from workflow_migrator._views.plan_markdown import MAX_LENGTH, flowchart, plan_markdown, task_styles

NASTY = 'say "hi" [x] {y} (z) ${workflow.input.a} <b>&amp; #quot; `tick` | ünïcødé 🚀 end'


def _wf(name: str, tasks: list[dict[str, Any]], version: int | None = None) -> Definition:
    body: dict[str, Any] = {"name": name, "tasks": tasks}
    if version is not None:
        body["version"] = version
    return Definition("workflow", body, Source(f"workflows/{name}.json"))


def _changed(workflow: dict[str, Any]) -> dict[str, Any]:
    """``workflow`` with its last task removed, its first task changed, a new task with an
    awkward name added first, and one added inside the first nested task list."""
    desired = copy.deepcopy(workflow)
    tasks = desired["tasks"]
    if len(tasks) > 1:
        tasks.pop()
    tasks[0]["inputParameters"] = {**tasks[0].get("inputParameters", {}), "extra": NASTY}
    tasks.insert(0, {"name": "added_task", "taskReferenceName": NASTY, "type": "SIMPLE"})
    for task in tasks:
        for key in ("loopOver", "defaultCase"):
            if isinstance(task.get(key), list) and task[key]:
                task[key].append({"name": "nested_new", "taskReferenceName": "nested_new"})
                return desired
        if isinstance(task.get("decisionCases"), dict) and task["decisionCases"]:
            first = next(iter(task["decisionCases"].values()))
            first.append({"name": "nested_new", "taskReferenceName": "nested_new"})
            return desired
    return desired


def _mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)\n```", markdown, re.S)


def _node_ids(diagram: str) -> dict[str, str]:
    """Task reference name (the label's first line, unescaped) -> node id."""
    ids = {}
    for node_id, label in re.findall(r'^  (n\d+)[\[({/]+"(.*?)(?:<br/>|")', diagram, re.M):
        ids[label.replace("#quot;", '"').replace("#35;", "#")] = node_id
    return ids


def _class_members(diagram: str) -> dict[str, set[str]]:
    return {style: set(members.split(","))
            for members, style in re.findall(r"^  class (\S+) (\w+)$", diagram, re.M)}


# ---------------------------------------------------------------------- the real parser


def test_the_parser_check_can_fail() -> None:
    ok, broken = parse_errors(["flowchart TD\n  a --> b", 'flowchart TD\n  a["x"] --> b[y[z]]'])
    assert ok is None
    assert broken is not None and "Parse error" in broken


def test_every_corpus_workflow_renders_as_a_new_and_as_a_changed_workflow() -> None:
    """The own corpus (every task type), the shipped processes and, when present,
    Conductor's samples: each diagram parses with the real Mermaid parser."""
    samples = corpus_workflows()
    assert len(samples) >= 5
    documents: list[tuple[str, str]] = []
    for label, sample in samples:
        body = {k: v for k, v in sample.items() if k != "version"}
        desired = _wf(sample["name"], body["tasks"])
        new = compute_plan(DefinitionSet(workflows=(desired,)), LiveState())
        changed_body = _changed(sample)
        live = LiveState(workflows=({**sample, "version": 3},))
        changed = compute_plan(
            DefinitionSet(workflows=(_wf(sample["name"], changed_body["tasks"]),)), live)
        for kind, plan in (("new", new), ("changed", changed)):
            (block,) = _mermaid_blocks(plan_markdown(plan))
            documents.append((f"{label} as {kind}", block))
    errors = parse_errors([block for _, block in documents])
    failures = [(label, error) for (label, _), error in zip(documents, errors, strict=True)
                if error]
    assert failures == []
    # the changed diagrams do style what changed
    assert all("classDef added" in block for label, block in documents if "changed" in label)


def test_awkward_names_and_case_values_are_escaped() -> None:
    nasty_tasks = [
        {"name": NASTY, "taskReferenceName": "sw", "type": "SWITCH", "evaluatorType": "value-param",
         "expression": "x", "decisionCases": {NASTY: [{"name": "a", "taskReferenceName": NASTY}],
                                               "end": [], 'q"|': []}},
        {"name": "graph", "taskReferenceName": "end", "type": "SUB_WORKFLOW",
         "subWorkflowParam": {"name": NASTY, "version": 2}},
    ]
    diagram = flowchart({"tasks": nasty_tasks}, {"tasks": [{"name": "x",
                                                           "taskReferenceName": "gone ]["}]})
    assert parse_errors([diagram]) == [None]
    assert "${workflow.input.a}" in diagram
    assert NASTY.replace('"', "#quot;") not in diagram  # '#' and '<' are escaped too
    assert _node_ids(diagram)["sw"]


# ----------------------------------------------------------------------- what it shows


def _switch_loop_workflow(extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [
        {"name": "check", "taskReferenceName": "check", "type": "SWITCH",
         "evaluatorType": "value-param", "expression": "kind",
         "decisionCases": {"big": [{"name": "big_t", "taskReferenceName": "big_t"}]},
         "defaultCase": [{"name": "small_t", "taskReferenceName": "small_t"}]},
        {"name": "loop", "taskReferenceName": "loop", "type": "DO_WHILE",
         "loopCondition": "false", "loopOver": [{"name": "step", "taskReferenceName": "step",
                                                 **(extra or {})}]},
        {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN",
         "forkTasks": [[{"name": "l", "taskReferenceName": "left"}],
                       [{"name": "r", "taskReferenceName": "right"}]]},
        {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["left", "right"]},
        {"name": "child", "taskReferenceName": "child", "type": "SUB_WORKFLOW",
         "subWorkflowParam": {"name": "child_flow", "version": 1}},
    ]


def test_the_diagram_follows_branches_loops_forks_and_sub_workflows() -> None:
    diagram = flowchart({"tasks": _switch_loop_workflow()})
    ids = _node_ids(diagram)
    assert f'{ids["check"]} -->|"big"| {ids["big_t"]}' in diagram
    assert f'{ids["check"]} -->|"default"| {ids["small_t"]}' in diagram
    assert f'{ids["big_t"]} --> {ids["loop"]}' in diagram
    assert f'{ids["small_t"]} --> {ids["loop"]}' in diagram
    assert f'{ids["step"]} -->|"repeat"| {ids["loop"]}' in diagram
    assert f'{ids["loop"]} -->|"done"| {ids["fork"]}' in diagram
    assert f'{ids["left"]} --> {ids["join"]}' in diagram
    assert f'{ids["right"]} --> {ids["join"]}' in diagram
    assert re.search(rf'^  {ids["child"]}\[\["child<br/><small>calls workflow child_flow v1',
                     diagram, re.M)
    assert re.search(rf'^  {ids["check"]}\{{"', diagram, re.M)  # a diamond


def test_added_changed_and_removed_tasks_are_styled_apart() -> None:
    previous = {"name": "w", "version": 1, "tasks": _switch_loop_workflow()}
    tasks = _switch_loop_workflow(extra={"inputParameters": {"n": 2}})
    tasks[0]["decisionCases"]["big"] = [{"name": "huge", "taskReferenceName": "huge"}]
    desired = {"name": "w", "tasks": tasks}
    assert task_styles(desired, previous) == {"huge": "added", "big_t": "removed",
                                              "step": "changed"}
    diagram = flowchart(desired, previous)
    ids = _node_ids(diagram)
    assert _class_members(diagram) == {"added": {ids["huge"]}, "removed": {ids["big_t"]},
                                       "changed": {ids["step"]}}
    # the removed task is drawn where it was, with dotted edges
    assert f'{ids["check"]} -.->|"removed: big"| {ids["big_t"]}' in diagram
    assert parse_errors([diagram]) == [None]


# ----------------------------------------------------------------------- the document


def _plan_of_everything() -> Any:
    desired = DefinitionSet(
        tasks=(Definition("task", {"name": "t_new"}, Source("tasks/a.json")),
               Definition("task", {"name": "t_old", "retryCount": 9}, Source("tasks/b.json"))),
        workflows=(_wf("w_new", [{"name": "a", "taskReferenceName": "a"}]),
                   _wf("w_auto", [{"name": "a", "taskReferenceName": "b"}]),
                   _wf("w_fixed", [{"name": "a", "taskReferenceName": "c"}], version=2)),
    )
    live = LiveState(
        tasks=({"name": "t_old"}, {"name": "t_gone"}),
        workflows=({"name": "w_auto", "version": 1, "tasks": [{"name": "a",
                                                               "taskReferenceName": "a"}]},
                   {"name": "w_fixed", "version": 2, "tasks": []},
                   {"name": "w_gone", "version": 1, "tasks": []}),
    )
    return compute_plan(desired, live, PlanOptions(prune=True, allow_overwrite=True))


def test_summary_counts_creations_updates_new_versions_and_deletions_per_kind() -> None:
    markdown = plan_markdown(_plan_of_everything())
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in markdown.splitlines() if line.startswith("| ") and "---" not in line}
    assert rows["Kind"] == ["Create", "Update", "New version", "Delete", "Unchanged"]
    assert rows["Task definitions"] == ["1", "1", "0", "1", "0"]
    # prune deletes w_gone and the version w_auto's new one replaces
    assert rows["Workflows"] == ["1", "1", "1", "2", "0"]
    assert len(_mermaid_blocks(markdown)) == 3  # w_new, w_auto v2, w_fixed v2
    assert "**new version** `workflow w_auto v2`" in markdown
    assert "**delete** `task t_gone`" in markdown
    assert "+ retryCount: 9" in markdown


def test_secrets_are_masked_before_escaping() -> None:
    secret = 's3"cr<e>t#'
    plan = compute_plan(DefinitionSet(workflows=(_wf("w", [
        {"name": "a", "taskReferenceName": "a", "inputParameters": {"token": secret}},
        {"name": "b", "taskReferenceName": f"ref_{secret}"}]),)),
        LiveState(workflows=({"name": "w", "version": 1, "tasks": [
            {"name": "a", "taskReferenceName": "a"}]},)))
    markdown = plan_markdown(plan, secrets=[secret])
    for form in (secret, json.dumps(secret)[1:-1], "s3#quot;cr", "s3&quot;cr", "cr#lt;e"):
        assert form not in markdown
    assert "***" in markdown
    assert parse_errors(_mermaid_blocks(markdown)) == [None]


def test_many_workflows_are_folded_and_a_huge_plan_is_cut_short() -> None:
    many = DefinitionSet(workflows=tuple(
        _wf(f"w{i}", [{"name": "a", "taskReferenceName": f"t{j}"} for j in range(40)])
        for i in range(200)))
    markdown = plan_markdown(compute_plan(many, LiveState()))
    assert len(markdown) <= MAX_LENGTH + 200
    assert markdown.count("<details><summary>`workflow") >= 4
    assert "more workflow diagram(s) left out" in markdown
    assert markdown.count("<details>") == markdown.count("</details>")
    few = plan_markdown(compute_plan(DefinitionSet(workflows=many.workflows[:2]), LiveState()))
    assert "<details><summary>`workflow" not in few


def test_no_changes() -> None:
    plan = compute_plan(DefinitionSet(), LiveState())
    assert "No changes." in plan_markdown(plan)


def test_the_json_plan_is_unchanged_by_the_drawing_data() -> None:
    document = _plan_of_everything().to_dict()
    assert set(document) == {"format_version", "applyable", "summary", "conflicts", "retained",
                             "changes", "risk"}
    assert all(set(c) == {"address", "kind", "name", "version", "actions", "reason", "source",
                          "fields", "notes"} for c in document["changes"])
    json.dumps(document)  # nothing the drawing needs leaks into it


def test_the_doc_describes_the_markdown_format() -> None:
    text = (Path(REPO_ROOT) / "docs" / "plan-format.md").read_text()
    assert "--format markdown" in text
