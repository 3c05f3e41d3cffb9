"""The ``workflow-migrator`` command: parses arguments, calls one library function per
subcommand, and turns the outcome into an exit code (``EXIT_CODES`` of ``_cli_common``,
shown in every command's help). The ``test`` commands are ``_cli_test``'s.

Every byte the command writes goes through one ``Reporter`` (``_output.py``), which
masks secret values; nothing here prints on its own.
"""

from __future__ import annotations

import gc
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from workflow_migrator._cli_common import (
    EXIT_BUG,
    EXIT_CHANGES,
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
from workflow_migrator._cli_test import run_tests_command
from workflow_migrator._cli_upgrade import upgrade_check_command
from workflow_migrator._environment import offline_app_env
from workflow_migrator._exceptions import DefinitionError, MigratorError
from workflow_migrator._output import LogFormat, Reporter
from workflow_migrator._plan import PlanOptions
from workflow_migrator._render import findings_document, findings_text, plan_text
from workflow_migrator._risk import Severity

allow_overwrite_option = click.option(
    "--allow-overwrite", is_flag=True,
    help="Change an existing explicit workflow version in place.")


def change_options(function: Any) -> Any:
    for option in reversed([
        click.option("--prune", is_flag=True, help="Delete definitions the directory no longer "
                     "defines (never a workflow version with running executions)."),
        click.option("--keep", multiple=True, metavar="PATTERN",
                     help="With --prune, never delete names matching this glob (repeatable)."),
        click.option("--allow-mass-prune", is_flag=True,
                     help="With --prune, allow deleting all of a kind the server holds, or "
                          "more than half of it (refused otherwise)."),
        allow_overwrite_option,
    ]):
        function = option(function)
    return function


def impact_options(function: Any) -> Any:
    for option in reversed([
        click.option("--impact/--no-impact", default=True, show_default=True,
                     help="Read what the plan touches: running executions, callers that "
                          "break, workers (a few read-only requests per changed workflow)."),
        click.option("--fail-on", type=click.Choice(["breaking", "risky"]), default=None,
                     help="Exit 1 when a breaking change (or, with risky, a breaking or "
                          "risky one) is found; before --detailed-exitcode's 2."),
        click.option("--worker-window", type=DURATION, default="10m", show_default=True,
                     metavar="DURATION",
                     help="A worker task counts as served when a worker polled it this "
                          "recently (e.g. 90s, 10m, 1h)."),
        click.option("--require-workers", is_flag=True,
                     help="Exit 1 when a worker task of a changed workflow has no worker "
                          "polling it (otherwise a warning)."),
    ]):
        function = option(function)
    return function


class _Duration(click.ParamType[float]):
    """Seconds, as ``600``, ``90s``, ``10m`` or ``1h``."""

    name = "duration"
    UNITS = {"s": 1, "m": 60, "h": 3600}

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().lower()
        unit = self.UNITS.get(text[-1:], 0)
        try:
            seconds = float(text[:-1] if unit else text) * (unit or 1)
        except ValueError:
            seconds = -1
        if seconds < 0:
            self.fail(f"{value!r} is not a duration such as 90s, 10m or 1h", param, ctx)
        return seconds


DURATION = _Duration()


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="workflow-migrator", prog_name="workflow-migrator")
def cli() -> None:
    """Brings a Conductor server to exactly the task and workflow definitions of a directory."""


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
    from workflow_migrator._commands import validate_directory, validate_with_server

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
        from workflow_migrator._sarif import findings_sarif

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
@config_dir_option
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True,
              help="markdown: a document for a pull request comment or a CI job summary.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when changes are pending.")
@click.option("--metrics-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the pending changes as Prometheus gauges to this file (for "
                   "node-exporter's textfile collector), atomically.")
@click.option("--pushgateway-url", metavar="URL",
              help="Also PUT the gauges to this Prometheus Pushgateway (/metrics/job/...).")
@change_options
@target_option
@impact_options
@wait_option
@log_format_option
def plan(config_dir: Path, output_format: str, detailed_exitcode: bool,
         metrics_file: Path | None, pushgateway_url: str | None, prune: bool,
         keep: tuple[str, ...], allow_overwrite: bool, allow_mass_prune: bool,
         target: str | None, wait_timeout: float, log_format: LogFormat,
         impact: bool = False, fail_on: Severity | None = None, worker_window: float = 600.0,
         require_workers: bool = False) -> int:
    """Show what deploy would change, without writing anything, and what it would touch:
    in-flight executions, breaking changes for callers, workers that poll its tasks."""
    from workflow_migrator import _commands
    from workflow_migrator._drift import report_drift
    from workflow_migrator._impact import ImpactOptions

    if not impact and (fail_on or require_workers):
        raise click.UsageError("--fail-on and --require-workers need the impact analysis: "
                               "leave out --no-impact")
    settings, reporter = start(log_format)
    with make_client(settings) as client:
        planned = _commands.plan(config_dir, client,
                                 options=PlanOptions(prune, keep, allow_overwrite,
                                                     allow_mass_prune),
                                 app_env=settings.app_env, wait_timeout=wait_timeout,
                                 reporter=reporter, target=target,
                                 impact=ImpactOptions(worker_window, require_workers)
                                 if impact else None)
    title = "workflow-migrator plan" + (f" for {settings.app_env}" if settings.app_env else "")
    reporter.show_plan(planned, output_format, title=title)
    if metrics_file or pushgateway_url:
        report_drift(planned, metrics_file=metrics_file, pushgateway_url=pushgateway_url,
                     app_env=settings.app_env)
    if planned.conflicts:
        return EXIT_ERROR
    failing = planned.risk.failing(fail_on) if planned.risk else []
    for reason in failing:
        reporter.error(f"plan fails (--fail-on/--require-workers): {reason}", event="risk")
    if failing:
        return EXIT_ERROR
    return EXIT_CHANGES if detailed_exitcode and planned.has_changes else EXIT_OK


@cli.command(epilog=EXIT_CODES_HELP)
@click.option("--from", "source", required=True, metavar="URL|DIR",
              help="The environment to promote from: a server's URL or a config directory.")
@click.option("--to", "target", required=True, metavar="URL|DIR",
              help="The environment to promote to: a server's URL or a config directory.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when the two sides differ.")
@click.option("--match", multiple=True, metavar="PATTERN",
              help="Compare only names matching this glob (repeatable; default: all).")
@click.option("--config-dir", "mask_dir", type=click.Path(path_type=Path, file_okay=False),
              help="A config directory whose secret values (of every environments/*.yaml) "
                   "are masked too, for a diff between two servers.")
@wait_option
@log_format_option
def diff(source: str, target: str, output_format: str, detailed_exitcode: bool,
         match: tuple[str, ...], mask_dir: Path | None, wait_timeout: float,
         log_format: LogFormat) -> int:
    """Show what differs between two environments (servers or directories): what
    deploying --from onto --to would change. Reads both, writes nothing."""
    from workflow_migrator._diff import compare, read_side, secrets_of

    settings, reporter = start(log_format)
    if mask_dir is not None:
        reporter.add_secrets(secrets_of(mask_dir))
    sides = [read_side(spec, lambda url: make_client(settings, url), app_env=settings.app_env,
                       wait_timeout=wait_timeout, reporter=reporter)
             for spec in (source, target)]
    planned = compare(sides[0], sides[1], match=match, secrets=reporter.secrets)
    reporter.show_plan(planned, output_format,
                       title=f"workflow-migrator diff {source} -> {target}")
    if planned.conflicts:
        return EXIT_ERROR
    return EXIT_CHANGES if detailed_exitcode and planned.has_changes else EXIT_OK


@cli.command(epilog=EXIT_CODES_HELP)
@config_dir_option
@click.option("--dry-run", is_flag=True, help="Only show the plan (exactly what plan shows).")
@click.option("--source-revision", metavar="REV",
              help="The revision (e.g. git commit) the directory comes from, for the record.")
@change_options
@target_option
@click.option("--allow-target-mismatch", is_flag=True,
              help="Deploy to a server of another generation than the target (refused "
                   "otherwise, before anything is written).")
@wait_option
@log_format_option
@click.pass_context
def deploy(ctx: click.Context, config_dir: Path, dry_run: bool, source_revision: str | None,
           prune: bool, keep: tuple[str, ...], allow_overwrite: bool, allow_mass_prune: bool,
           target: str | None, allow_target_mismatch: bool, wait_timeout: float,
           log_format: LogFormat) -> int:
    """Validate, plan, print the plan, then apply it. Never prompts: it runs unattended."""
    from workflow_migrator import _commands

    if dry_run:
        return int(ctx.invoke(plan, config_dir=config_dir, output_format="text",
                              detailed_exitcode=False, metrics_file=None, pushgateway_url=None,
                              prune=prune, keep=keep,
                              allow_overwrite=allow_overwrite,
                              allow_mass_prune=allow_mass_prune, target=target,
                              wait_timeout=wait_timeout, log_format=log_format))
    settings, reporter = start(log_format)
    with make_client(settings) as client:
        _, result = _commands.deploy(config_dir, client,
                                     options=PlanOptions(prune, keep, allow_overwrite,
                                                     allow_mass_prune),
                                     app_env=settings.app_env, wait_timeout=wait_timeout,
                                     reporter=reporter, source_revision=source_revision,
                                     target=target,
                                     allow_target_mismatch=allow_target_mismatch)
        reporter.log(f"Deploy complete: {result.created} created, {result.updated} updated, "
                     f"{result.deleted} deleted; {client.write_count} write request(s).",
                     event="complete", created=result.created, updated=result.updated,
                     deleted=result.deleted)
    return EXIT_OK


@cli.command(epilog=EXIT_CODES_HELP)
@config_dir_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when the server has drifted.")
@allow_overwrite_option
@target_option
@wait_option
@log_format_option
def status(config_dir: Path, output_format: str, detailed_exitcode: bool, allow_overwrite: bool,
           target: str | None, wait_timeout: float, log_format: LogFormat) -> int:
    """Show the last deploy the server recorded, and whether it has drifted since."""
    from workflow_migrator import _commands
    from workflow_migrator._record import status_text

    settings, reporter = start(log_format)
    with make_client(settings) as client:
        found = _commands.status(config_dir, client,
                                 options=PlanOptions(allow_overwrite=allow_overwrite),
                                 app_env=settings.app_env, wait_timeout=wait_timeout,
                                 reporter=reporter, target=target)
    if output_format == "json":
        reporter.result_json(found.to_dict())
    else:
        reporter.result(status_text(found, str(config_dir), plan_text(found.plan)))
    return EXIT_CHANGES if detailed_exitcode and found.drifted else EXIT_OK


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
