"""The project file, ``workflow-migrator.yaml``: each rule's severity set per directory
(``--strict`` still fails on warnings), and a file it cannot trust refused with the
file and the key, before anything else counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from workflow_migrator import validate_directory
from workflow_migrator._cli import main
from workflow_migrator._project import project_schema

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    """A directory with two warnings: a boot-sample name and a task defined nowhere."""
    (tmp_path / "tasks").mkdir()
    (tmp_path / "workflows").mkdir()
    (tmp_path / "tasks" / "t.yaml").write_text(
        "{name: simple_task_1, ownerEmail: a@example.com, responseTimeoutSeconds: 10}\n")
    (tmp_path / "workflows" / "w.yaml").write_text(yaml.safe_dump({
        "name": "w", "version": 1, "schemaVersion": 2, "ownerEmail": "a@example.com",
        "tasks": [{"name": "simple_task_1", "taskReferenceName": "a", "type": "SIMPLE"},
                  {"name": "nowhere", "taskReferenceName": "b", "type": "SIMPLE"}]}))
    return tmp_path


def _rules(directory: Path, text: str) -> list[tuple[str, str]]:
    (directory / "workflow-migrator.yaml").write_text(text)
    _, findings = validate_directory(directory)
    return sorted((f.rule, f.severity) for f in findings)


def test_without_a_project_file_the_defaults_hold(directory: Path) -> None:
    _, findings = validate_directory(directory)
    assert sorted((f.rule, f.severity) for f in findings) == [
        ("boot-sample", "warning"), ("undefined-task", "warning")]


def test_each_rule_takes_the_severity_the_project_sets(directory: Path) -> None:
    assert _rules(directory, "rules: {boot-sample: 'off', undefined-task: error}\n") == [
        ("undefined-task", "error")]
    assert _rules(directory, "rules: {undefined-task: warning}\n") == [
        ("boot-sample", "warning"), ("undefined-task", "warning")]


def test_strict_still_fails_on_the_warnings_left(directory: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (directory / "workflow-migrator.yaml").write_text("rules: {boot-sample: 'off'}\n")
    assert main(["validate", "--config-dir", str(directory)]) == 0
    assert main(["validate", "--config-dir", str(directory), "--strict"]) == 1
    (directory / "workflow-migrator.yaml").write_text(
        "rules: {boot-sample: 'off', undefined-task: 'off'}\n")
    assert main(["validate", "--config-dir", str(directory), "--strict"]) == 0
    assert "All definitions are valid." in capsys.readouterr().out


@pytest.mark.parametrize(("text", "path", "message"), [
    ("targte: prod\n", "targte", "unknown key 'targte' (known: rules, target)"),
    ("rules: {undefined-tasks: error}\n", "rules",
     "unknown rule 'undefined-tasks' (known: "),
    ("rules: {undefined-task: fatal}\n", "rules.undefined-task",
     "expected error, warning or off, got 'fatal'"),
    ("rules: {required: warning}\n", "rules",
     "rule 'required' cannot be set to warning: "),
    ("[rules]\n", "", "expected an object of settings"),
    ("target: conductor-9\n", "target",
     "expected conductor-3.15 or conductor-oss-3.2x, got 'conductor-9'"),
])
def test_a_bad_project_file_is_an_error_naming_file_and_key(
        directory: Path, text: str, path: str, message: str) -> None:
    (directory / "workflow-migrator.yaml").write_text(text)
    _, findings = validate_directory(directory)
    [problem] = [f for f in findings if f.file == "workflow-migrator.yaml"]
    assert (problem.path, problem.severity, problem.rule) == (path, "error", "project")
    assert problem.message.startswith(message)


def test_the_schema_accepts_settings_and_refuses_unknown_keys_and_rules() -> None:
    schema = project_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors({"rules": {"boot-sample": "off"}}))
    assert list(validator.iter_errors({"targte": 1}))
    assert list(validator.iter_errors({"rules": {"nope": "off"}}))
    assert list(validator.iter_errors({"rules": {"boot-sample": "fatal"}}))
    assert not list(validator.iter_errors({"target": "conductor-oss-3.2x"}))
    assert list(validator.iter_errors({"target": "conductor-3.32"}))
    json.dumps(schema)


def test_a_deploy_reads_the_project_file_once_and_walks_each_workflow_once(
        directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Validated offline, then again with the server-aware rules once the server is read:
    the project file is read and each workflow's tasks walked for both at once."""
    import httpx

    from workflow_migrator import ConductorClient, Definition, RetryPolicy, deploy
    from workflow_migrator import _project as project_module
    from workflow_migrator import _task_walk as task_walk
    from workflow_migrator._rules import context as rule_context

    (directory / "workflow-migrator.yaml").write_text("target: conductor-3.15\n")
    read: list[object] = []
    walked: list[str] = []
    load_project = project_module.load_project

    def counting_load(*args: Any) -> Any:
        read.append(args)
        return load_project(*args)

    def counting_walk(definition: Definition) -> Any:
        walked.append(definition.name)
        return task_walk.walk(definition)

    monkeypatch.setattr(project_module, "load_project", counting_load)
    monkeypatch.setattr(rule_context, "walk", counting_walk)

    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[] if request.method == "GET" else {})

    with ConductorClient("http://conductor.test", transport=httpx.MockTransport(server),
                         retry=RetryPolicy(attempts=1)) as client:
        deploy(directory, client, wait_timeout=1)
    assert (len(read), walked) == (1, ["w"])
