"""The validation rules one by one, where the fixtures do not show the detail:
severities, paths, suggestions, what the server's facts change, the JavaScript
checker, and the verdict comparison of ``validate --server``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.corpus import sample_files
from tests.support.paths import REPO_ROOT
from workflow_migrator._cli import main
from workflow_migrator._client import ConductorClient, RetryPolicy
from workflow_migrator._models import Definition, DefinitionSet, Kind, Source
from workflow_migrator._pipeline import validate_with_server
from workflow_migrator._rules import RULE_IDS, ServerFacts
from workflow_migrator._rules.javascript import syntax_error
from workflow_migrator._targets import TARGETS
from workflow_migrator._validate import validate


def workflow(*tasks: dict[str, Any], file: str = "workflows/w.json", index: int | None = None,
             **fields: Any) -> Definition:
    body = {"name": "w", "tasks": list(tasks), **fields}
    return Definition("workflow", body, Source(file, index))


def task_def(file: str = "tasks/t.json", **fields: Any) -> Definition:
    return Definition("task", {"name": "t", **fields}, Source(file))


def simple(ref: str, **fields: Any) -> dict[str, Any]:
    return {"name": "t", "taskReferenceName": ref, **fields}


def rules_of(*definitions: Definition,
             server: ServerFacts | None = None) -> set[tuple[str, str, str]]:
    tasks = tuple(d for d in definitions if d.kind == "task")
    workflows = tuple(d for d in definitions if d.kind == "workflow")
    return {(f.rule, f.severity, f.path) for f in validate(DefinitionSet(tasks, workflows), server)}


def test_every_rule_id_is_documented() -> None:
    text = (REPO_ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    for rule in RULE_IDS:
        assert f"`{rule}`" in text, rule


def test_a_list_file_puts_the_index_first() -> None:
    found = rules_of(workflow(simple("a", type="HTTP"), index=3), task_def(name="t"))
    assert ("task-type", "error", "[3].tasks[0].inputParameters") in found


def test_the_issue_path_example() -> None:
    switch = {"name": "s", "taskReferenceName": "s", "type": "SWITCH",
              "evaluatorType": "value-param", "expression": "x",
              "decisionCases": {"approved": [{"name": "t"}]}}
    found = rules_of(workflow(simple("a"), simple("b"), simple("c"), switch), task_def())
    assert ("required", "error", "tasks[3].decisionCases.approved[0].taskReferenceName") in found


def test_tasks_in_a_loop_are_warnings_the_server_does_not_check() -> None:
    loop = simple("loop", type="DO_WHILE", loopCondition="false",
                  loopOver=[simple("inner", type="HTTP")])
    found = rules_of(workflow(loop), task_def())
    assert ("task-type", "warning", "tasks[0].loopOver[0].inputParameters") in found


def test_references_are_errors_at_top_level_warnings_when_nested() -> None:
    fork = simple("fork", type="FORK_JOIN", forkTasks=[[simple("inner", inputParameters={
        "a": "${nowhere.output}"})]])
    top = simple("top", inputParameters={"b": "${nowhere.output}", "c": "${inner.output.x}"})
    found = rules_of(workflow(fork, top, outputParameters={"d": "${gone.output}"}), task_def())
    assert ("input-reference", "error", "tasks[1].inputParameters.b") in found
    assert ("input-reference", "warning", "tasks[0].forkTasks[0][0].inputParameters.a") in found
    assert ("input-reference", "warning", "outputParameters.d") in found
    assert not any(path == "tasks[1].inputParameters.c" for _, _, path in found)


def test_an_unchecked_reference_says_it_resolves_to_null() -> None:
    """Both servers run a workflow whose nested task or output names a missing reference
    (or an expression with whitespace) to COMPLETED, the value null: the warning must say
    so, not that the workflow fails."""
    fork = simple("fork", type="FORK_JOIN", forkTasks=[[simple("inner", inputParameters={
        "a": "${nowhere.output}", "w": "${inner .output}"})]])
    messages = [f.message for f in validate(DefinitionSet((task_def(),), (workflow(fork),)))
                if f.rule in ("input-reference", "input-expression")]
    assert len(messages) == 2, messages
    for message in messages:
        assert "resolves to null" in message and "fails" not in message, message


def test_children_count_only_under_the_type_that_runs_them() -> None:
    # forkTasks under a SIMPLE task are ignored by the server: no uniqueness conflict
    odd = simple("a", forkTasks=[[simple("a")]])
    assert not any(rule == "unique-ref" for rule, _, _ in rules_of(workflow(odd), task_def()))


def test_unknown_key_names_the_likely_key() -> None:
    definitions = DefinitionSet((task_def(timeoutSecond=30, RetryCount=1),))
    messages = {f.path: f.message for f in validate(definitions) if f.rule == "unknown-key"}
    assert "did you mean 'timeoutSeconds'?" in messages["timeoutSecond"]
    assert "did you mean 'retryCount'?" in messages["RetryCount"]


def test_values_the_server_converts_are_errors() -> None:
    """The server would hold another value than the file: a change at every deploy."""
    found = rules_of(task_def(retryCount="3", timeoutSeconds=1.5, retryDelaySeconds=True,
                              description=False, inputKeys=["a", 1]))
    for key in ("retryCount", "timeoutSeconds", "retryDelaySeconds", "description",
                "inputKeys"):
        assert ("type", "error", key) in found


def test_server_facts_turn_a_missing_sub_workflow_into_an_error() -> None:
    sub = simple("sub", type="SUB_WORKFLOW", subWorkflowParam={"name": "child", "version": 2})
    offline = rules_of(workflow(sub), task_def())
    assert ("sub-workflow-missing", "warning", "tasks[0].subWorkflowParam.name") in offline
    elsewhere = rules_of(workflow(sub), task_def(), server=ServerFacts(frozenset({("child", 1)})))
    assert ("sub-workflow-missing", "error", "tasks[0].subWorkflowParam.name") in elsewhere
    there = rules_of(workflow(sub), task_def(), server=ServerFacts(frozenset({("child", 2)})))
    assert not any(rule == "sub-workflow-missing" for rule, _, _ in there)


def test_a_failure_workflow_read_from_the_input_is_no_missing_workflow() -> None:
    """``$workflow.input.<name>``: the server takes the failure workflow's name from that
    input when the workflow fails (one of Conductor's own test workflows does this)."""
    server = ServerFacts(frozenset({("other", 1)}))
    dynamic = rules_of(workflow(simple("a"), failureWorkflow="$workflow.input.onFailure"),
                       task_def(), server=server)
    assert not any(rule == "failure-workflow-missing" for rule, _, _ in dynamic)
    named = rules_of(workflow(simple("a"), failureWorkflow="on_failure"), task_def(),
                     server=server)
    assert ("failure-workflow-missing", "error", "failureWorkflow") in named


def test_a_task_on_the_server_is_not_undefined() -> None:
    definition = workflow(simple("a", name="remote"))
    assert any(r == "undefined-task" for r, _, _ in rules_of(definition))
    facts = ServerFacts(task_names=frozenset({"remote"}))
    assert not any(r == "undefined-task" for r, _, _ in rules_of(definition, server=facts))


@pytest.mark.parametrize("expression", [
    "$.amount > 100 ? 'big' : 'small'",
    "$.valueCheck == null ? 'true': 'false'",
    "function pick(x) { var y = x + 1, z = 2; return y > z ? 'a' : 'b'; } pick($.n)",
    "(function () { return $.a['b'].length > 0; })()",
    "[1, 2].map(x => x * 2)[0] > 1",
    "/ab+c/i.test($.s) && $.x / 2 > 1",
    "if ($.a) { 'x'; } else { 'y'; }",
    "try { $.x.y } catch (e) { 'none' }",
    "",
])
def test_javascript_that_conductor_accepts(expression: str) -> None:
    assert syntax_error(expression) is None


@pytest.mark.parametrize(("expression", "why"), [
    ("$.a ==", "ends with '=='"),
    ("($.a", "never closed"),
    ("$.a)", "closes nothing"),
    ("1 >0abcd", "number runs into a name"),
    ("1>abcd", "'abcd' is defined nowhere"),
    ("'open", "never closed"),
    ("$.a $.b", "two values"),
    ("$.a == * 2", "instead of a value"),
    ("/* never ends", "never closed"),
])
def test_javascript_that_conductor_refuses(expression: str, why: str) -> None:
    error = syntax_error(expression)
    assert error is not None and why in error


def test_the_shipped_config_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "--config-dir", str(REPO_ROOT / "config"), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [f for f in findings if f["severity"] == "error"] == []


def _server(verdicts: dict[str, list[str]], live: list[dict[str, Any]]) -> tuple[
        ConductorClient, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path == "/health":
            return httpx.Response(200, json={"healthy": True})
        if request.url.path == "/api/metadata/workflow" and request.method == "GET":
            return httpx.Response(200, json=live)
        if request.url.path == "/api/metadata/taskdefs":
            return httpx.Response(200, json=[])
        if request.url.path == "/api/metadata/workflow/validate":
            name = json.loads(request.content)["name"]
            errors = verdicts.get(name, [])
            if errors:
                return httpx.Response(400, json={"status": 400, "validationErrors": [
                    {"path": "validateWorkflowDef.arg0", "message": m} for m in errors]})
            return httpx.Response(200)
        return httpx.Response(404)

    client = ConductorClient("http://conductor.test", transport=httpx.MockTransport(handle),
                             retry=RetryPolicy(attempts=1))
    return client, sent


def _write(config_dir: Path, name: str, body: dict[str, Any]) -> None:
    (config_dir / "workflows").mkdir(parents=True, exist_ok=True)
    (config_dir / "workflows" / f"{name}.json").write_text(json.dumps(body))


def test_server_verdicts_are_compared_and_nothing_is_written(tmp_path: Path) -> None:
    ok = {"name": "t", "taskReferenceName": "t"}
    _write(tmp_path, "agree", {"name": "agree", "tasks": [ok]})
    _write(tmp_path, "server_refuses", {"name": "server_refuses", "tasks": [ok]})
    _write(tmp_path, "we_refuse", {"name": "we_refuse", "ownerEmail": "nobody", "tasks": [ok]})
    _write(tmp_path, "sub", {"name": "sub", "tasks": [{
        "name": "s", "taskReferenceName": "s", "type": "SUB_WORKFLOW",
        "subWorkflowParam": {"name": "remote_child"}}]})
    client, sent = _server({"server_refuses": ["something only the server knows"]},
                           [{"name": "remote_child", "version": 3}])
    _, findings = validate_with_server(tmp_path, client, wait_timeout=1)
    verdicts = {f.file: f for f in findings if f.rule == "server-disagreement"}
    assert set(verdicts) == {"workflows/server_refuses.json", "workflows/we_refuse.json"}
    assert verdicts["workflows/server_refuses.json"].severity == "error"
    assert "something only the server knows" in verdicts["workflows/server_refuses.json"].message
    assert verdicts["workflows/we_refuse.json"].severity == "warning"
    assert not any(f.rule == "sub-workflow-missing" for f in findings)
    assert client.write_count == 0
    assert {r.url.path for r in sent if r.method == "POST"} == {"/api/metadata/workflow/validate"}


def test_validate_server_needs_a_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--config-dir", str(tmp_path), "--server"]) == 1
    assert "CONDUCTOR_BASE_URL is not set" in capsys.readouterr().err


def test_the_samples_load_and_validate() -> None:
    workflows: list[Definition] = []
    tasks: list[Definition] = []
    for file in sample_files():
        body = json.loads(file.read_text(encoding="utf-8"))
        for index, item in enumerate(body if isinstance(body, list) else [body]):
            kind: Kind = "workflow" if "tasks" in item else "task"
            definition = Definition(kind, item, Source(file.name, index))
            (workflows if kind == "workflow" else tasks).append(definition)
    findings = validate(DefinitionSet(tuple(tasks), tuple(workflows)))
    errors = {(f.file, f.rule) for f in findings if f.severity == "error"}
    # the one sample both servers refuse (schemaVersion 1: 3.32.3 answers 400 too) and, for
    # production's 3.15, the one whose INLINE task it cannot run (graaljs); the boot
    # samples' own names are ordinary names (a warning)
    wf1 = "nf3.15.0__rest__src__main__resources__kitchensink__wf1.json"
    assert errors == {(wf1, "schema-version"),
                      ("osshead__docs__quickstart__workflow.json", "evaluator")}
    oss = validate(DefinitionSet(tuple(tasks), tuple(workflows)),
                   target=TARGETS["conductor-oss-3.2x"])
    assert {(f.file, f.rule) for f in oss if f.severity == "error"} == {(wf1, "schema-version")}
    boot = "orkes1.1.12__server__src__main__resources__"
    assert {(f.file, f.severity) for f in findings if f.rule == "boot-sample"} == {
        (f"{boot}workflows.json", "warning"), (f"{boot}tasks.json", "warning")}


def test_offline_validate_opens_no_connection(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validate opened a connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setenv("CONDUCTOR_BASE_URL", "http://127.0.0.1:9")
    assert main(["validate", "--config-dir", str(REPO_ROOT / "config")]) == 0
    # the shipped order process starts its notification sub-workflow unpinned, on purpose:
    # it always runs the newest notification
    out = capsys.readouterr().out
    assert out.endswith("0 error(s), 1 warning(s).\n") and "[version-pin]" in out


def test_unpinned_starts_of_automatic_workflows_are_flagged_everywhere() -> None:
    child = Definition("workflow", {"name": "child", "tasks": []}, Source("workflows/c.json"))
    fixed = Definition("workflow", {"name": "fixed", "version": 4, "tasks": []},
                       Source("workflows/f.json"))
    parent = Definition("workflow", {"name": "parent", "tasks": [
        {"name": "s", "taskReferenceName": "s", "type": "SUB_WORKFLOW",
         "subWorkflowParam": {"name": "child"}},
        {"name": "p", "taskReferenceName": "p", "type": "SUB_WORKFLOW",
         "subWorkflowParam": {"name": "child", "version": 2}},
        {"name": "f", "taskReferenceName": "f", "type": "SUB_WORKFLOW",
         "subWorkflowParam": {"name": "fixed"}},
        {"name": "w", "taskReferenceName": "w", "type": "START_WORKFLOW",
         "inputParameters": {"startWorkflow": {"name": "child"}}},
        {"name": "d", "taskReferenceName": "d", "type": "START_WORKFLOW",
         "inputParameters": {"startWorkflow": {"name": "${workflow.input.which}"}}},
    ]}, Source("workflows/p.json"))
    handler = Definition("event_handler", {"name": "h", "event": "conductor:q", "active": True,
                                           "actions": [{"action": "start_workflow",
                                                        "start_workflow": {"name": "child"}}]},
                         Source("event-handlers/h.json"))
    findings = validate(DefinitionSet(workflows=(child, fixed, parent),
                                      event_handlers=(handler,)))
    pins = [(f.file, f.path, f.severity) for f in findings if f.rule == "version-pin"]
    assert pins == [
        ("event-handlers/h.json", "actions[0].start_workflow.name", "warning"),
        ("workflows/p.json", "tasks[0].subWorkflowParam.name", "warning"),
        ("workflows/p.json", "tasks[3].inputParameters.startWorkflow.name", "warning"),
    ]


def test_an_evaluator_315_cannot_run_is_an_error_where_it_is_written() -> None:
    """Conductor 3.15 knows only javascript and value-param: it registers a workflow
    with `graaljs` and then terminates it at run time ("Unknown evaluator")."""
    inline = {"name": "i", "taskReferenceName": "i", "type": "INLINE",
              "inputParameters": {"evaluatorType": "graaljs", "expression": "1"}}
    switch = {"name": "s", "taskReferenceName": "s", "type": "SWITCH",
              "evaluatorType": "python", "expression": "x",
              "decisionCases": {"a": [{"name": "n", "taskReferenceName": "n",
                                       "type": "SET_VARIABLE"}]}}
    fine = {"name": "j", "taskReferenceName": "j", "type": "INLINE",
            "inputParameters": {"evaluatorType": "javascript", "expression": "1"}}
    workflow = Definition("workflow", {"name": "w", "tasks": [inline, switch, fine]},
                          Source("workflows/w.json"))
    found = [(f.path, f.severity) for f in validate(DefinitionSet(workflows=(workflow,)))
             if f.rule == "evaluator"]
    assert found == [("tasks[0].inputParameters.evaluatorType", "error"),
                     ("tasks[1].evaluatorType", "error")]
