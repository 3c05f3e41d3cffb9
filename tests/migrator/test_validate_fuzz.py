"""Fuzzing ``validate`` offline (tests/support/fuzz.py draws the directories): on any file
content it ends with a verdict, never a crash, and what it accepts is exactly JSON, which
is what ``deploy`` would send. The server half of the properties is in
server/test_deploy_fuzz.py; docs/fuzzing.md has what the long run found.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given

from tests.support.fuzz import (
    config_files,
    not_json,
    skip_if_pending,
    skip_if_pending_input,
    write_files,
)
from workflow_migrator import validate_directory
from workflow_migrator._cli import main
from workflow_migrator._commands.result import EXIT_BUG, EXIT_ERROR, EXIT_OK


def run_validate(config: Path) -> tuple[int, str]:
    """``workflow-migrator validate`` in-process: its exit code and everything it wrote."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", "--config-dir", str(config), "--log-format", "json"])
    return code, out.getvalue() + err.getvalue()


@pytest.fixture(autouse=True)
def app_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Directories may hold environments/test.yaml: let validate read it."""
    monkeypatch.setenv("APP_ENV", "test")


@pytest.mark.fuzz
@given(config_files())
def test_validate_never_crashes_on_any_file_content(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        code, output = run_validate(write_files(Path(tmp), files))
    event(f"exit {code}")
    if code == EXIT_BUG:
        skip_if_pending(output)
    assert code in (EXIT_OK, EXIT_ERROR), output


@pytest.mark.fuzz
@given(config_files())
def test_what_validate_accepts_is_exactly_json(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            definitions, findings = validate_directory(write_files(Path(tmp), files), "test")
        except (ValueError, OverflowError) as exc:
            skip_if_pending(str(exc))
            raise
    accepted = not any(f.severity == "error" for f in findings)
    event("accepted" if accepted else "refused")
    if not accepted:
        return
    # What deploy puts on the wire must be strict JSON: no NaN, no date, no bytes.
    found = [(f"{d.source.file}: {path}", value) for d in definitions
             for path, value in not_json(d.body)]
    skip_if_pending_input(definitions, findings)
    assert not found, found


# -- what the fuzzer found, pinned until the branch that owns it lands ---------------------


def write_config(root: Path, relative: str, text: str) -> Path:
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_text(text, encoding="utf-8")
    return root


TASK_YAML = ("name: fz_task\nretryCount: 1\ntimeoutSeconds: 60\nresponseTimeoutSeconds: 30\n"
             "ownerEmail: a@example.com\n")


@pytest.mark.parametrize("text", [
    TASK_YAML + "inputTemplate: {since: 2024-01-01}\n",
    TASK_YAML + "inputTemplate: {at: 2024-01-01T10:00:00Z}\n",
    TASK_YAML.replace("retryCount: 1", "retryCount: .nan"),
    TASK_YAML + "inputTemplate: {limit: .inf}\n",
], ids=["date", "timestamp", "nan-number-field", "infinity"])
def test_validate_refuses_what_json_cannot_carry(tmp_path: Path, text: str) -> None:
    code, output = run_validate(write_config(tmp_path, "tasks/t.yaml", text))
    assert code == EXIT_ERROR, output
    assert "tasks/t.yaml" in output


@pytest.mark.parametrize(("relative", "text"), [
    ("tasks/t.yaml", TASK_YAML.replace("timeoutSeconds: 60", "timeoutSeconds: .nan")),
    ("tasks/t.json", '{"name": "fz_t", "timeoutSeconds": Infinity, "responseTimeoutSeconds": 1}'),
    ("workflows/w.yaml", "name: fz_w\nschemaVersion: .nan\nownerEmail: a@example.com\n"
                         "tasks: [{name: fz_t, taskReferenceName: t, type: SIMPLE}]\n"),
], ids=["task-timeout-nan", "task-timeout-infinity", "workflow-schema-version-nan"])
def test_nan_in_a_number_field_is_an_error_not_a_crash(tmp_path: Path, relative: str,
                                                       text: str) -> None:
    code, output = run_validate(write_config(tmp_path, relative, text))
    assert code == EXIT_ERROR, output
    assert relative in output


@pytest.mark.parametrize("name", ["a/b", "..", False, 42],
                         ids=["slash", "dot-segment", "boolean", "number"])
def test_validate_refuses_a_name_the_server_cannot_address(tmp_path: Path, name: object) -> None:
    """``/`` and ``..`` cannot be said in a URL path; a name that is not a text would be
    stored as the server's text of it (``false``), a name the directory does not hold."""
    text = json.dumps({"name": name, "retryCount": 1, "timeoutSeconds": 60,
                       "responseTimeoutSeconds": 30, "ownerEmail": "a@example.com"})
    code, output = run_validate(write_config(tmp_path, "tasks/t.json", text))
    assert code == EXIT_ERROR, output


@pytest.mark.parametrize(("relative", "text"), [
    ("tasks/t.json", "[" * 100_000 + "]" * 100_000),
    ("workflows/w.yaml", "[" * 100_000 + "]" * 100_000),
    ("tasks/t.json", '{"name": "fz_t", "inputTemplate": ' + "[" * 3000 + "]" * 3000 + "}"),
    ("tasks/t.yaml", "name: fz_t\ninputTemplate: " + "[" * 3000 + "]" * 3000 + "\n"),
], ids=["json-file", "yaml-file", "json-value", "yaml-value"])
def test_nesting_too_deep_is_an_error_naming_the_file(tmp_path: Path, relative: str,
                                                       text: str) -> None:
    code, output = run_validate(write_config(tmp_path, relative, text))
    assert code == EXIT_ERROR, output
    assert relative in output and "nested deeper than" in output


@pytest.mark.parametrize(("relative", "text", "refused"), [
    ("workflows/w.yaml", "name: fz_w\nversion: 9223372036854775808\nownerEmail: a@example.com\n"
                         "tasks: [{name: fz_t, taskReferenceName: t, type: SIMPLE}]\n", True),
    ("tasks/t.yaml", TASK_YAML.replace("retryCount: 1", "retryCount: 2147483648"), True),
    ("tasks/t.yaml", TASK_YAML.replace("timeoutSeconds: 60", "timeoutSeconds: 1.0e+30"), True),
    ("tasks/t.yaml", TASK_YAML.replace("timeoutSeconds: 60", "timeoutSeconds: 2147483648"),
     False),  # a Java long on the server
], ids=["workflow-version-2**63", "task-retry-count-2**31", "task-timeout-1e30",
        "task-timeout-2**31-fits"])
def test_a_number_beyond_what_the_server_holds_is_an_error(tmp_path: Path, relative: str,
                                                          text: str, refused: bool) -> None:
    """The server answers 500 to such a number (3.15: "Numeric value ... out of range of
    int"), after the definitions before it in the deploy were written."""
    code, output = run_validate(write_config(tmp_path, relative, text))
    assert code == (EXIT_ERROR if refused else EXIT_OK), output
    if refused:
        assert relative in output and "beyond what the server holds" in output
