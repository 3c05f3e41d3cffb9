"""The ``workflow-migrator`` command: parses arguments, calls one library function per
subcommand, and turns the outcome into an exit code (``EXIT_CODES`` of ``_cli_common``,
shown in every command's help). ``plan``, ``deploy``, ``status`` and ``diff`` are
``_cli_deploy``'s, the ``test`` commands ``_cli_test``'s, ``upgrade-check`` ``_cli_upgrade``'s.

Every byte the command writes goes through one ``Reporter`` (``_output.py``), which
masks secret values; nothing here prints on its own.
"""

from __future__ import annotations

import gc
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from workflow_migrator._cli_common import (
    EXIT_BUG,
    EXIT_CODES_HELP,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    config_dir_option,
    current_reporter,
    log_format_option,
    make_client,
    start,
    target_option,
    wait_option,
)
from workflow_migrator._cli_deploy import (
    deploy_command,
    diff_command,
    plan_command,
    status_command,
)
from workflow_migrator._cli_test import run_tests_command
from workflow_migrator._cli_upgrade import upgrade_check_command
from workflow_migrator._environment import offline_app_env
from workflow_migrator._exceptions import DefinitionError, MigratorError
from workflow_migrator._output import LogFormat, Reporter
from workflow_migrator._views.findings import findings_document, findings_text


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="workflow-migrator", prog_name="workflow-migrator")
def cli() -> None:
    """Brings a Conductor server to exactly the task and workflow definitions of a directory."""


cli.add_command(plan_command)
cli.add_command(deploy_command)
cli.add_command(status_command)
cli.add_command(diff_command)
cli.add_command(run_tests_command)
cli.add_command(upgrade_check_command)


@cli.command(epilog=EXIT_CODES_HELP)
@config_dir_option
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif"]),
              default="text", show_default=True,
              help="sarif: SARIF 2.1.0 for code scanning, each finding at its file, line "
                   "and column.")
@click.option("--docs-url", default="", metavar="URL",
              help="With --format sarif: the URL of docs/validation.md, so that each rule "
                   "links to its description.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--server", is_flag=True,
              help="Also ask the server at CONDUCTOR_BASE_URL: its verdict on each workflow "
                   "(nothing is written), and whether sub-workflows and tasks exist there.")
@target_option
@wait_option
@log_format_option
def validate(config_dir: Path, output_format: str, docs_url: str, strict: bool, server: bool,
             target: str | None, wait_timeout: float, log_format: LogFormat) -> int:
    """Check every definition, report every problem, write nothing."""
    from workflow_migrator._pipeline import validate_directory, validate_with_server

    if server:
        settings, reporter = start(log_format)
        with make_client(settings) as client:
            definitions, findings = validate_with_server(
                config_dir, client, app_env=settings.app_env, wait_timeout=wait_timeout,
                reporter=reporter, target=target)
    else:
        reporter = current_reporter()
        reporter.configure(app_env=offline_app_env(), log_format=log_format)
        definitions, findings = validate_directory(config_dir, reporter.app_env,
                                                   reporter=reporter, target=target)
    if output_format == "sarif":
        from workflow_migrator._record import tool_version
        from workflow_migrator._views.findings_sarif import findings_sarif

        reporter.result_json(findings_sarif(findings, config_dir=config_dir,
                                            definitions=definitions, docs_url=docs_url,
                                            tool_version=tool_version(), strict=strict))
    elif output_format == "json":
        reporter.result_json(findings_document(findings))
    elif findings:
        reporter.result(findings_text(findings))
    else:
        reporter.result("All definitions are valid.")
    failing = {"error", "warning"} if strict else {"error"}
    return EXIT_ERROR if any(f.severity in failing for f in findings) else EXIT_OK


@cli.command()
@click.option("--output", "output_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("schemas"), show_default=True,
              help="Directory to write the JSON Schema files into.")
@log_format_option
def schema(output_dir: Path, log_format: LogFormat) -> int:
    """Write JSON Schemas for task, workflow, event handler, workflow test and project files."""
    from workflow_migrator._schema import write_schemas

    reporter = current_reporter()
    reporter.configure(log_format=log_format)
    for path in write_schemas(output_dir):
        reporter.result(f"Wrote {path}")
    return EXIT_OK


@cli.command(epilog=EXIT_CODES_HELP)
@click.option("--config-dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="A new or empty directory to write tasks/, workflows/, event-handlers/ into.")
@click.option("--format", "output_format", type=click.Choice(["json", "yaml"]), default="json",
              show_default=True, help="The files' format.")
@click.option("--all-versions", is_flag=True,
              help="Every version of every workflow, one file each (default: the newest).")
@click.option("--exclude", multiple=True, metavar="PATTERN",
              help="Leave out names matching this glob (repeatable).")
@click.option("--force", is_flag=True, help="Write into a non-empty directory, replacing its "
              "tasks/, workflows/ and event-handlers/.")
@wait_option
@log_format_option
def export(config_dir: Path, output_format: str, all_versions: bool, exclude: tuple[str, ...],
           force: bool, wait_timeout: float, log_format: LogFormat) -> int:
    """Write everything the server holds as a config directory deploy reads back unchanged."""
    from workflow_migrator._export import export as export_server
    from workflow_migrator._secret_paths import UNKNOWN_PLACEHOLDER

    settings, reporter = start(log_format)
    with make_client(settings) as client:
        result = export_server(config_dir, client, output_format=output_format,  # type: ignore[arg-type]
                               all_versions=all_versions, exclude=exclude, force=force,
                               wait_timeout=wait_timeout)
    reporter.result(f"Exported {result.tasks} task definition(s), {result.workflows} workflow(s) "
               f"({result.workflow_versions} version(s)) and {result.event_handlers} event "
               f"handler(s) to {result.directory}.")
    if result.skipped_samples:
        reporter.result("Skipped the server's stock boot samples: "
                        f"{', '.join(result.skipped_samples)}.")
    if result.excluded:
        reporter.result(f"Excluded {len(result.excluded)} by --exclude.")
    if result.unmanageable:
        reporter.result(f"Left out {len(result.unmanageable)} definition(s) no file can manage "
                        "(rename them on the server to bring them under the migrator): "
                        f"{'; '.join(result.unmanageable)}.")
    if result.renamed:
        reporter.result(f"{len(result.renamed)} name(s) are not safe or short enough as file "
                        "names: their files are named after them with a hash (the name inside "
                        f"is exact): {', '.join(result.renamed)}.")
    if result.placeholders:
        reporter.result(f"Wrote {result.placeholders} secret value(s) as their @{{NAME}} "
                        "placeholder, as the last deploy's record notes them, never the value: "
                        "define each under 'values' and 'secret' in environments/<APP_ENV>.yaml.")
    if result.unknown_placeholders:
        reporter.result(f"A secret whose placeholder the record does not name is written as "
                        f"{UNKNOWN_PLACEHOLDER}: replace it in "
                        f"{', '.join(result.unknown_placeholders)}.")
    return EXIT_OK


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
