"""The ``workflow-migrator`` command: built from the command functions of ``_commands``
(as alembic builds its command line from ``alembic.command``), it parses arguments,
calls one function per subcommand and returns its result's exit code.

Each command's options come from its function: a parameter's name picks its option
(its module's ``OPTIONS``, else the shared table ``_commands.options.SHARED``), its
default is the option's default, a parameter without one is a required option, and the
docstring (up to its ``:param`` lines) is the command's help. Every command also takes
``--log-format``, which configures the reporter, and shows the exit codes
(``EXIT_CODES``) and the environment in its help.

Every byte the command writes goes through one ``Reporter`` (``_output.py``), which
masks secret values; nothing here prints on its own.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from workflow_migrator import _environment as env
from workflow_migrator._commands import COMMANDS, SUBCOMMANDS
from workflow_migrator._commands.options import LOG_FORMAT, SHARED, Option
from workflow_migrator._commands.result import (
    EXIT_BUG,
    EXIT_CODES,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
)
from workflow_migrator._commands.session import Session
from workflow_migrator._exceptions import DefinitionError, MigratorError
from workflow_migrator._output import LogFormat, Reporter

_ENVIRONMENT_HELP = (
    (env.BASE_URL, "the server's root URL (a trailing /api is accepted)"),
    (env.APP_ENV, "the environment's name, in every log line"),
    (env.AUTH_TOKEN, "bearer token for a secured server (sent as X-Authorization)"),
    (f"{env.AUTH_KEY}, {env.AUTH_SECRET}", "Orkes key and secret, exchanged for a token"),
    (env.SECRETS_DIR, "a directory of files named like these variables (a mounted Secret)"),
)
EXIT_CODES_HELP = (
    "\n\b\nExit codes:\n"
    + "".join(f"  {code:<5}{meaning}\n" for code, meaning in EXIT_CODES.items())
    + "\n\b\nEnvironment:\n"
    + "".join(f"  {name}\n      {meaning}\n" for name, meaning in _ENVIRONMENT_HELP))


def command_from(name: str, function: Callable[..., Any], options: dict[str, Option],
                 group: bool = False) -> click.Command:
    """The click command (or group) that runs ``function`` (``_commands``' convention: a
    ``Session`` first, then its options as keyword arguments, returning a
    ``CommandResult``)."""
    params: list[click.Parameter] = []
    for parameter in list(inspect.signature(function).parameters.values())[1:]:
        spec = options.get(parameter.name) or SHARED[parameter.name]
        required = parameter.default is inspect.Parameter.empty
        params.append(click.Option([*spec.flags, parameter.name], help=spec.help or None,
                                   required=required,
                                   default=None if required else parameter.default,
                                   **spec.settings))
    params.append(click.Option([*LOG_FORMAT.flags, "log_format"], default="auto",
                               help=LOG_FORMAT.help, **LOG_FORMAT.settings))

    def run(**values: Any) -> int:
        context = click.get_current_context()
        if group and context.invoked_subcommand is not None:
            return 0
        log_format: LogFormat = values.pop("log_format")
        reporter = current_reporter()
        reporter.configure(app_env=env.offline_app_env(), log_format=log_format)
        return function(Session(reporter), **values).exit_code  # type: ignore[no-any-return]

    if group:
        return click.Group(name, callback=run, params=params, help=_help(function),
                           epilog=EXIT_CODES_HELP, invoke_without_command=True)
    return click.Command(name, callback=run, params=params, help=_help(function),
                         epilog=EXIT_CODES_HELP)


def _help(function: Callable[..., Any]) -> str:
    """The docstring up to its ``:param`` lines: the command's help."""
    text = inspect.cleandoc(function.__doc__ or "")
    return text.split("\n:param", 1)[0].split("\n:returns", 1)[0].strip()


def _function(module: str) -> Callable[..., Any]:
    """The command function of a module of ``_commands``: the one named like it."""
    function: Callable[..., Any] = getattr(
        importlib.import_module(f"workflow_migrator._commands.{module}"), module)
    return function


def _command(name: str, module: str, group: bool = False) -> click.Command:
    function = _function(module)
    options = getattr(sys.modules[function.__module__], "OPTIONS", {})
    return command_from(name, function, options, group)


def current_reporter() -> Reporter:
    """The reporter ``main`` made for this run (a fresh one when the group is run alone)."""
    context = click.get_current_context()
    if not isinstance(context.obj, Reporter):
        context.obj = Reporter()
    return context.obj


class _Commands(click.Group):
    """The commands of ``_commands.COMMANDS``, each built when it is asked for: a run
    loads only its own command's module (``--help`` lists them all, so loads them all)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            built = _command(cmd_name, COMMANDS[cmd_name], group=cmd_name in SUBCOMMANDS)
            for sub, sub_module in SUBCOMMANDS.get(cmd_name, {}).items():
                assert isinstance(built, click.Group)
                built.add_command(_command(sub, sub_module))
            self.add_command(built)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list of commands with the first sentence of each docstring, as click lists
        them, without building the commands' options."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        with formatter.section("Commands"):
            formatter.write_dl([
                (name, click.Command(name, help=_help(_function(module))).get_short_help_str(
                    limit)) for name, module in sorted(COMMANDS.items())])


@click.group(cls=_Commands, epilog=EXIT_CODES_HELP,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="workflow-migrator", prog_name="workflow-migrator")
def cli() -> None:
    """Brings a Conductor server to exactly the task and workflow definitions of a directory."""


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _log_format_in(args: list[str]) -> LogFormat:
    """The --log-format of the command line, read before click parses it, so that even a
    usage error is reported in the format asked for."""
    for index, arg in enumerate(args):
        value = args[index + 1] if arg == "--log-format" and index + 1 < len(args) else \
            arg.removeprefix("--log-format=") if arg.startswith("--log-format=") else None
        if value in ("auto", "text", "json"):
            return value  # type: ignore[return-value]
    return "auto"


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI and returns its exit code."""
    # A run builds hundreds of thousands of small dicts and lists while it plans, none of
    # them in a cycle, and then exits: reference counting frees them, and Python's cycle
    # collector would only re-scan them again and again (a fifth of a no-op deploy of
    # 1,300 definitions). The process's choice, made here at its edge, not in the library.
    collecting = gc.isenabled()
    gc.disable()
    try:
        args = list(sys.argv[1:] if argv is None else argv)
        reporter = Reporter(log_format=_log_format_in(args))
        # Kubernetes stops a Job's pod with SIGTERM: end like Ctrl-C, with a message and 130.
        signal.signal(signal.SIGTERM, _interrupt)
        with reporter.capture():
            return _run(args, reporter)
    finally:
        if collecting:  # a program calling main() gets its collector back
            gc.enable()


def _run(args: list[str], reporter: Reporter) -> int:
    try:
        result = cli.main(args=args, prog_name="workflow-migrator", standalone_mode=False,
                          obj=reporter)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        reporter.error(exc.format_message(), event="usage")
        return EXIT_ERROR
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        reporter.error("Interrupted: every write is idempotent, so the next deploy completes "
                       "what this one started.", event="interrupted")
        return EXIT_INTERRUPTED
    except DefinitionError as exc:
        reporter.findings(exc.findings)
        reporter.error(f"invalid definitions; nothing was written. {exc}", event="invalid")
        return EXIT_ERROR
    except MigratorError as exc:
        reporter.error(str(exc), event="failed")
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - the last line of defence: report, don't trace
        reporter.error(f"An unexpected error occurred ({type(exc).__name__}: {exc}). This is "
                       "a bug.", event="bug")
        return EXIT_BUG
    return int(result or 0)
