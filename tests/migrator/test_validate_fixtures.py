"""Every validation fixture through ``workflow-migrator validate``: each invalid
fixture is reported under the rule it is named after, naming file and field, and
fails the run (errors) or fails it under --strict (warnings); each valid fixture
passes. ``deploy`` refuses every fixture with an error before sending one request.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.support.validation import APP_ENV, FIXTURES, as_config_dir, fixture_names
from workflow_migrator._cli import main
from workflow_migrator._client import ConductorClient, RetryPolicy
from workflow_migrator._exceptions import DefinitionError
from workflow_migrator._pipeline import deploy, validate_directory
from workflow_migrator._rules import RULE_IDS


def expected_rule(name: str) -> str:
    """``task-type--http-without-request.json`` is a fixture of rule ``task-type``."""
    return name.split("--")[0]


def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
            *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("APP_ENV", APP_ENV)
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_rule_has_an_invalid_fixture() -> None:
    covered = {expected_rule(name) for name in fixture_names("invalid")}
    # server-disagreement needs a server: tests/migrator/server/test_validate_server.py
    # "load" (a missing config directory) is covered below
    assert set(RULE_IDS) - covered == {"server-disagreement", "load"}


def test_a_missing_directory_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run_cli(capsys, monkeypatch, "validate", "--config-dir", str(tmp_path / "no"))
    assert code == 1
    assert "config directory not found [load]" in out


@pytest.mark.parametrize("name", fixture_names("invalid"))
def test_invalid_fixture_is_reported_under_its_rule(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    config_dir = as_config_dir(FIXTURES / "invalid" / name, tmp_path)
    code, out, _ = run_cli(capsys, monkeypatch, "validate", "--config-dir", str(config_dir),
                           "--format", "json")
    findings = json.loads(out)
    assert all(set(f) == {"file", "path", "message", "rule", "severity"} for f in findings)
    mine = [f for f in findings if f["rule"] == expected_rule(name)]
    assert mine, findings
    for finding in mine:
        assert finding["file"] and finding["message"]
        assert (config_dir / finding["file"]).is_file()
        if finding["rule"] != "syntax":
            assert finding["path"], finding  # names the field
        else:
            assert "line" in finding["message"] and "column" in finding["message"]
    if any(f["severity"] == "error" for f in mine):
        assert code == 1
    else:
        assert code == 0
        strict, _, _ = run_cli(capsys, monkeypatch, "validate", "--config-dir", str(config_dir),
                               "--strict")
        assert strict == 1


@pytest.mark.parametrize("name", fixture_names("valid"))
def test_valid_fixture_passes(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    config_dir = as_config_dir(FIXTURES / "valid" / name, tmp_path)
    code, out, _ = run_cli(capsys, monkeypatch, "validate", "--config-dir", str(config_dir),
                           "--format", "json")
    assert [f for f in json.loads(out) if f["severity"] == "error"] == []
    assert code == 0


def _erroneous() -> list[str]:
    names = []
    for name in fixture_names("invalid"):
        rule = expected_rule(name)
        if rule in ("sub-workflow-missing", "failure-workflow-missing", "undefined-task",
                    "unknown-key", "unknown-type", "join-on", "boot-sample",
                    "start-workflow-missing", "inactive-handler", "version-pin") or \
                name.endswith("--conditional"):
            continue  # warnings: deploy goes ahead, as the server accepts these
        names.append(name)
    return names


@pytest.mark.parametrize("name", _erroneous())
def test_deploy_refuses_before_any_request(name: str, tmp_path: Path) -> None:
    sent: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=[])

    config_dir = as_config_dir(FIXTURES / "invalid" / name, tmp_path)
    client = ConductorClient("http://conductor.invalid", transport=httpx.MockTransport(server),
                             retry=RetryPolicy(attempts=1))
    with pytest.raises(DefinitionError) as caught:
        deploy(config_dir, client, app_env=APP_ENV, wait_timeout=0)
    assert sent == [] and client.requests == [] and client.write_count == 0
    first = next(f for f in caught.value.findings if f.severity == "error")
    assert str(caught.value).startswith(f"{first.file}: ")


@pytest.mark.parametrize("name", ["task-type--http-without-request.json", "syntax--json",
                                  "duplicate--task-across-files",
                                  "timeout--default-response-timeout.json"])
def test_deploy_command_exits_1_naming_file_and_field(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    config_dir = as_config_dir(FIXTURES / "invalid" / name, tmp_path)
    monkeypatch.setenv("CONDUCTOR_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    code, out, err = run_cli(capsys, monkeypatch, "deploy", "--config-dir", str(config_dir),
                             "--wait-timeout", "0")
    assert code == 1
    assert "nothing was written" in err
    _, findings = validate_directory(config_dir, APP_ENV)
    error = next(f for f in findings if f.severity == "error")
    assert f"{error.location}: {error.message}" in err
    assert "waiting for" not in err + out  # it never tried to reach the server
