from __future__ import annotations

from pathlib import Path

import pytest

from workflow_migrator import load_directory


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_json_and_yaml_single_and_lists(tmp_path: Path) -> None:
    write(tmp_path, "tasks/a.json", '[{"name": "a1"}, {"name": "a2"}]')
    write(tmp_path, "tasks/nested/b.yml", "name: b\nretryCount: 2\n")
    write(tmp_path, "workflows/w.yaml", "- name: w\n  tasks: [{name: a1, taskReferenceName: a}]\n")
    write(tmp_path, "README.md", "not a definition")
    definitions, findings = load_directory(tmp_path)
    assert findings == []
    assert [d.name for d in definitions.tasks] == ["a1", "a2", "b"]
    assert [(d.source.file, d.source.index) for d in definitions.tasks] == [
        ("tasks/a.json", 0), ("tasks/a.json", 1), ("tasks/nested/b.yml", None)]
    assert definitions.workflows[0].source.path("tasks", 0, "name") == "[0].tasks[0].name"


def test_syntax_errors_name_file_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, "tasks/bad.json", '{\n  "name": "x",\n  "retryCount": ,\n}')
    write(tmp_path, "workflows/bad.yaml", "name: w\ntasks: [\n")
    write(tmp_path, "tasks/scalar.json", '"just a string"')
    _, findings = load_directory(tmp_path)
    messages = {f.file: f.message for f in findings}
    assert messages["tasks/bad.json"].startswith("invalid JSON at line 3, column 17")
    assert messages["workflows/bad.yaml"].startswith("invalid YAML at line 3, column 1")
    assert "got a string" in messages["tasks/scalar.json"]
    assert all(f.severity == "error" for f in findings)


def test_placeholders_leave_conductor_expressions_alone(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THE_TOKEN", "tok")
    write(tmp_path, "environments/dev.yaml",
          "values:\n  HOST: h.dev\n  LIMIT: 5\n  TOKEN: {env: THE_TOKEN}\nsecret: [TOKEN]\n")
    write(tmp_path, "tasks/t.json", '{"name": "t", "retryCount": "@{LIMIT}", '
          '"inputTemplate": {"url": "https://@{HOST}/x/${workflow.input.id}", '
          '"literal": "@@{HOST}", "auth": "@{TOKEN}"}}')
    definitions, findings = load_directory(tmp_path, "dev")
    assert findings == []
    body = definitions.tasks[0].body
    assert body["retryCount"] == 5
    assert body["inputTemplate"] == {"url": "https://h.dev/x/${workflow.input.id}",
                                     "literal": "@{HOST}", "auth": "tok"}
    assert definitions.secret_values == frozenset({"tok"})


def test_unknown_placeholder_names_file_and_field(tmp_path: Path) -> None:
    write(tmp_path, "workflows/w.json", '[{"name": "w", "tasks": [{"inputParameters": '
          '{"u": "@{NOPE}"}}]}]')
    _, findings = load_directory(tmp_path, "dev")
    (finding,) = findings
    assert finding.location == "workflows/w.json: [0].tasks[0].inputParameters.u"
    assert "unknown placeholder @{NOPE}" in finding.message


def test_environment_values_that_are_not_an_object_name_file_and_field(tmp_path: Path) -> None:
    write(tmp_path, "environments/dev.yaml", "values: [HOST, LIMIT]\n")
    write(tmp_path, "tasks/t.json", '{"name": "t"}')
    _, findings = load_directory(tmp_path, "dev")
    assert [(f.file, f.path, f.rule) for f in findings] == [
        ("environments/dev.yaml", "values", "type")]


def test_where_a_secret_placeholder_sits_is_noted_with_its_text(tmp_path: Path) -> None:
    write(tmp_path, "environments/dev.yaml",
          "values:\n  HOST: h.dev\n  TOKEN: tok\nsecret: [TOKEN]\n")
    write(tmp_path, "tasks/t.yaml", "- name: t\n  description: '@{HOST}'\n  inputTemplate:\n"
          "    auth: 'Bearer @{TOKEN}'\n    list: ['@@{TOKEN}', '@{TOKEN}']\n")
    definitions, findings = load_directory(tmp_path, "dev")
    assert findings == []
    [task] = definitions.tasks
    assert task.body["inputTemplate"]["auth"] == "Bearer tok"
    assert dict(task.secret_paths) == {("inputTemplate", "auth"): "Bearer @{TOKEN}",
                                       ("inputTemplate", "list", 1): "@{TOKEN}"}
