from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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


def errors(root: Path, app_env: str = "") -> dict[str, str]:
    """Each error of loading ``root``: location -> message."""
    _, findings = load_directory(root, app_env)
    return {f.location: f.message for f in findings if f.severity == "error"}


def test_a_misspelled_folder_a_dangling_link_and_a_stray_file_are_errors(tmp_path: Path) -> None:
    write(tmp_path, "task/t.json", '{"name": "t"}')
    write(tmp_path, "tasks/ok.json", '{"name": "ok"}')
    write(tmp_path, "tasks/notes.txt", "not a definition")
    write(tmp_path, "tasks/.gitkeep", "")
    write(tmp_path, ".git/config", "")
    write(tmp_path, "README.md", "about this directory")
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "w.json").symlink_to(tmp_path / "nowhere.json")
    (tmp_path / "tasks" / "loop").symlink_to(tmp_path / "tasks")
    (tmp_path / "event-handlers").symlink_to(tmp_path / "gone")
    write(tmp_path, "tests", "a file where a folder belongs")
    found = errors(tmp_path)
    assert found.pop("task").startswith("unknown folder task/: did you mean tasks/? a config "
                                        "directory holds only tasks/, workflows/, "
                                        "event-handlers/, environments/, tests/")
    assert found.pop("workflows/w.json") == f"a link to {tmp_path / 'nowhere.json'}, which " \
                                            "does not exist"
    assert found.pop("event-handlers").endswith("which does not exist")
    assert found.pop("tasks/notes.txt").startswith("not a definition file: tasks/ holds only "
                                                   ".json, .yaml, .yml files")
    assert found.pop("tasks/loop") == "a link to a folder already read (a loop)"
    assert found.pop("tests") == "expected a folder tests/, found a file"
    assert found == {}


def test_a_folder_that_cannot_be_listed_is_an_error(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "tasks/a/t.json", '{"name": "t"}')
    locked = tmp_path / "tasks" / "a"
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        # Injected: the tests run as root, which reads any folder whatever its mode.
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert errors(tmp_path) == {"tasks/a": "cannot read folder: Permission denied"}


def test_a_file_that_cannot_be_read_is_an_error(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "tasks/t.json", '{"name": "t"}')
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "t.json":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert errors(tmp_path)["tasks/t.json"].startswith("cannot read file: [Errno 13]")


@pytest.mark.parametrize(("file", "text", "path", "message"), [
    ("t.yaml", "name: t\ninputTemplate:\n  since: 2024-01-01\n", "inputTemplate.since",
     "a YAML date or timestamp, which JSON cannot carry: put it in quotes"),
    ("t.yaml", "name: t\nat: 2024-01-01T10:00:00Z\n", "at", "a YAML date or timestamp"),
    ("t.yaml", "name: t\nretryCount: .nan\n", "retryCount", "NaN, which JSON cannot carry"),
    ("t.yaml", "name: t\nretryCount: -.inf\n", "retryCount", "-infinity, which JSON cannot carry"),
    ("t.yaml", "name: t\nblob: !!binary aGVsbG8=\n", "blob", "binary data (!!binary)"),
    ("t.yaml", "name: t\ntags: !!set {a, b}\n", "tags", "a set (!!set)"),
    ("t.yaml", "name: t\nx: !!omap [{a: 1}]\n", "x", "!!omap, which JSON cannot carry"),
    ("t.yaml", "name: t\nx: !custom {a: 1}\n", "x", "a value tagged !custom"),
    ("t.yaml", "name: t\nx: &a [1, *a]\n", "x[1]", "a value holding itself"),
    ("t.yaml", "name: t\nretryCount: 1\nretryCount: 2\n", "retryCount",
     "key 'retryCount' is given more than once in this object"),
    ("t.yaml", "name: t\ninputTemplate: {1: a, '1': b}\n", "inputTemplate.1",
     "key '1' is given more than once in this object (as JSON makes it a text)"),
    ("t.yaml", "name: t\ninputTemplate: {2024-01-01: a}\n", "inputTemplate",
     "an object key that is a YAML date"),
    ("t.json", '{"name": "t", "retryCount": NaN}', "retryCount", "NaN, which JSON cannot carry"),
    ("t.json", '{"name": "t", "retryCount": -Infinity}', "retryCount", "-infinity"),
    ("t.json", '{"name": "t", "retryCount": 1e999}', "retryCount", "infinity"),
    ("t.json", '{"name": "t", "x": "\\ud800"}', "x", "a text holding a lone surrogate"),
    ("t.json", '{"name": "t", "x": ["\\u0041\\ude00"]}', "x[0]", "a text holding a lone"),
    ("t.json", '{"name": "t", "retryCount": ' + "9" * 400 + '.0}', "retryCount", "infinity"),
    ("t.json", '[{"name": "t", "inputTemplate": {"a": 1, "a": 2}}]', "[0].inputTemplate.a",
     "key 'a' is given more than once in this object"),
])
def test_values_json_cannot_carry_are_refused_with_their_path(
        tmp_path: Path, file: str, text: str, path: str, message: str) -> None:
    write(tmp_path, f"tasks/{file}", text)
    found = errors(tmp_path)
    assert list(found) == [f"tasks/{file}: {path}"]
    assert found[f"tasks/{file}: {path}"].startswith(message)


@pytest.mark.parametrize(("depth", "refused"), [(100, False), (101, True)])
@pytest.mark.parametrize("file", ["t.json", "t.yaml"])
def test_nesting_deeper_than_100_levels_is_a_syntax_error(
        tmp_path: Path, file: str, depth: int, refused: bool) -> None:
    if file.endswith(".json"):
        text = ('{"name": "t", "inputTemplate": ' + '{"a": ' * (depth - 1) + "1"
                + "}" * (depth - 1) + ', "x": "\\ud83d\\ude00"}')
    else:  # nested by indentation alone: no brace or bracket at all
        text = "name: t\ninputTemplate:\n" + "".join(
            "  " * level + "a:\n" for level in range(1, depth - 1)) + "  " * (depth - 1) + "a: 1\n"
    write(tmp_path, f"tasks/{file}", text)
    found = errors(tmp_path)
    assert found.get(f"tasks/{file}", "").startswith("nested deeper than 100") is refused
    assert (found == {}) is not refused


@pytest.mark.parametrize("file", ["t.json", "t.yaml"])
def test_a_number_of_thousands_of_digits_is_a_syntax_error(tmp_path: Path, file: str) -> None:
    write(tmp_path, f"tasks/{file}", '{"name": "t", "retryCount": ' + "1" * 5000 + "}")
    assert errors(tmp_path)[f"tasks/{file}"].startswith(
        "invalid " + ("JSON" if file.endswith("json") else "YAML")
        + ": Exceeds the limit (4300 digits) for integer string conversion")


def test_a_date_in_the_environment_is_refused_without_quoting_its_value(tmp_path: Path) -> None:
    write(tmp_path, "environments/dev.yaml", "values:\n  SINCE: 2031-07-19\nsecret: [SINCE]\n")
    write(tmp_path, "tasks/t.json", '{"name": "t", "inputTemplate": {"since": "@{SINCE}"}}')
    found = errors(tmp_path, "dev")
    assert "environments/dev.yaml: values.SINCE" in found
    assert "2031" not in "".join(found.values())


def test_a_byte_order_mark_is_accepted_and_yaml_keys_become_json_texts(tmp_path: Path) -> None:
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "a.json").write_bytes(b'\xef\xbb\xbf{"name": "a"}')
    (tmp_path / "tasks" / "b.yaml").write_bytes(
        b"\xef\xbb\xbfname: b\ninputTemplate: {1: one, true: yes, null: none, 1.5: x}\n"
        b"base: &base {retryCount: 1}\nmerged:\n  <<: *base\n  retryCount: 2\n")
    definitions, findings = load_directory(tmp_path)
    assert findings == []
    a, b = definitions.tasks
    assert a.body == {"name": "a"}
    assert b.body["inputTemplate"] == {"1": "one", "true": True, "null": "none", "1.5": "x"}
    assert b.body["merged"] == {"retryCount": 2}  # a merge key may be overridden


def test_each_value_keeps_its_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, "tasks/t.json", '[\n  {"name": "a"},\n  {"name": "b",\n   "inputKeys": '
          '["x", {"k": [1, 2]}]}\n]')
    write(tmp_path, "workflows/w.yaml", "name: w\ntasks:\n  - name: x\n    "
          "taskReferenceName: x\n")
    definitions, _ = load_directory(tmp_path)
    first, second = definitions.tasks
    assert first.source.position("name") == (2, 12)
    assert second.source.position() == (3, 3)
    assert second.source.position("inputKeys", 1, "k", 1) == (4, 33)
    assert second.source.position("nope") == (3, 3)  # the object that leaves it out
    (workflow,) = definitions.workflows
    assert workflow.source.position("tasks", 0, "taskReferenceName") == (4, 24)
