"""``_commands``: every command is a typed function taking a ``Session`` and returning a
``CommandResult``, callable without the CLI; the CLI is built from those functions, so
each option's default and help exist once. The commands that need a server are tested
in ``server/test_commands.py``."""

from __future__ import annotations

import importlib
import inspect
import io
import json
from pathlib import Path
from typing import Any, cast

import click
import pytest

from tests.support.paths import CONFIG_DIR
from workflow_migrator._cli import _help, cli
from workflow_migrator._commands import COMMANDS, SUBCOMMANDS
from workflow_migrator._commands.options import SHARED
from workflow_migrator._commands.plan import plan
from workflow_migrator._commands.result import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, CommandResult
from workflow_migrator._commands.schema import schema
from workflow_migrator._commands.session import Session
from workflow_migrator._commands.test import test as run_tests
from workflow_migrator._commands.upgrade_check import upgrade_check
from workflow_migrator._commands.validate import validate
from workflow_migrator._output import NullReporter, Reporter
from workflow_migrator._settings import Settings

UPGRADE = Path(__file__).parent / "fixtures" / "upgrade"


def _session(settings: Settings | None = None) -> Session:
    return Session(Reporter(log_format="text", out=io.StringIO(), err=io.StringIO()), settings)


def _out(session: Session) -> str:
    return cast(io.StringIO, session.reporter.out).getvalue()


def _every_command() -> list[tuple[str, Any, click.Command]]:
    found = []
    for name, module in COMMANDS.items():
        function = getattr(importlib.import_module(f"workflow_migrator._commands.{module}"),
                           module)
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        found.append((name, function, command))
        for sub, sub_module in SUBCOMMANDS.get(name, {}).items():
            group = command
            assert isinstance(group, click.Group)
            found.append((f"{name} {sub}", getattr(importlib.import_module(
                f"workflow_migrator._commands.{sub_module}"), sub_module), group.commands[sub]))
    return found


@pytest.mark.parametrize(("name", "function", "command"), _every_command(),
                         ids=lambda value: value if isinstance(value, str) else "")
def test_the_cli_is_built_from_the_function_s_signature_and_docstring(
        name: str, function: Any, command: click.Command) -> None:
    parameters = list(inspect.signature(function).parameters.values())
    assert parameters[0].name == "session"
    options = {p.name: p for p in command.params if isinstance(p, click.Option)}
    assert list(options) == [p.name for p in parameters[1:]] + ["log_format"]
    for parameter in parameters[1:]:
        option = options[parameter.name]
        if parameter.default is inspect.Parameter.empty:
            assert option.required, parameter.name
        else:
            assert not option.required and option.default == parameter.default, parameter.name
    assert command.help == _help(function) and ":param" not in (command.help or "")
    assert "Exit codes:" in (command.epilog or "")
    assert inspect.signature(function).return_annotation.startswith("CommandResult[")


def test_a_shared_option_is_stated_once_and_used_by_several_commands() -> None:
    users = {key: [name for name, function, _ in _every_command()
                   if key in inspect.signature(function).parameters
                   and key not in getattr(importlib.import_module(function.__module__),
                                          "OPTIONS", {})]
             for key in SHARED}
    assert all(len(names) >= 2 for names in users.values()), users


TASK = {"name": "t", "ownerEmail": "a@example.com", "retryCount": 1, "timeoutSeconds": 60,
        "responseTimeoutSeconds": 30}


def test_validate_returns_the_findings_and_their_exit_code(tmp_path: Path) -> None:
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.json").write_text(json.dumps(TASK))
    session = _session()
    result = validate(session, config_dir=tmp_path)
    assert result == CommandResult([], EXIT_OK)
    assert _out(session) == "All definitions are valid.\n"

    (tmp_path / "tasks" / "t.json").write_text(json.dumps({**TASK, "unknownKey": 1}))
    lenient = validate(_session(), config_dir=tmp_path, output_format="json")
    assert lenient.exit_code == EXIT_OK
    assert [f.severity for f in lenient.value] == ["warning"]
    strict = validate(_session(), config_dir=tmp_path, strict=True)
    assert (strict.exit_code, strict.value) == (EXIT_ERROR, lenient.value)


def test_a_command_without_a_reporter_writes_nothing_and_still_returns(
        capsys: pytest.CaptureFixture[str]) -> None:
    result = validate(Session(), config_dir=CONFIG_DIR, output_format="json")
    assert result.exit_code == EXIT_OK
    assert capsys.readouterr() == ("", "")
    assert isinstance(Session().reporter, NullReporter)


def test_schema_returns_the_files_it_wrote(tmp_path: Path) -> None:
    session = _session()
    result = schema(session, output_dir=tmp_path / "schemas")
    assert result.exit_code == EXIT_OK and result.value
    assert all(path.is_file() and json.loads(path.read_text()) for path in result.value)
    assert _out(session).splitlines() == [f"Wrote {path}" for path in result.value]


def test_upgrade_check_returns_the_report_and_exits_2_on_a_difference() -> None:
    session = _session()
    result = upgrade_check(session, config_dir=UPGRADE, destination="conductor-oss-3.2x",
                           output_format="json")
    assert result.exit_code == EXIT_CHANGES and result.value.has_changes
    assert json.loads(_out(session))["summary"]["changed"] == len(result.value.definitions)
    same = upgrade_check(_session(), config_dir=UPGRADE, source="conductor-oss-3.2x",
                         destination="conductor-oss-3.2x")
    assert (same.exit_code, same.value.has_changes) == (EXIT_OK, False)


def test_usage_mistakes_are_refused_before_the_settings_are_read(tmp_path: Path) -> None:
    session = _session()
    with pytest.raises(click.UsageError, match="need the impact analysis"):
        plan(session, config_dir=tmp_path, impact=False, fail_on="breaking")
    with pytest.raises(click.UsageError, match="--config-dir"):
        run_tests(session)
    assert session._settings is None


def test_the_settings_are_read_when_first_needed_and_their_secrets_masked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "staging")
    monkeypatch.setenv("CONDUCTOR_AUTH_TOKEN", "tok-8c1d")
    session = _session()
    assert session.app_env == "staging" and session._settings is None
    assert session.settings.app_env == "staging"
    session.reporter.log("sent tok-8c1d")
    assert cast(io.StringIO, session.reporter.err).getvalue() == "[staging] sent ***\n"
    given = _session(Settings(app_env="given"))
    assert (given.app_env, given.reporter.app_env) == ("given", "given")
