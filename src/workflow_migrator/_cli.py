"""The ``workflow-migrator`` command: parses arguments, calls one library function per
subcommand, and turns the outcome into an exit code (``EXIT_CODES``, shown in every
command's help).

Every byte the command writes goes through one ``Reporter`` (``_output.py``), which
masks secret values; nothing here prints on its own.
"""

from __future__ import annotations

import gc
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from workflow_migrator import _environment as env
from workflow_migrator._environment import offline_app_env
from workflow_migrator._exceptions import DefinitionError, MigratorError
from workflow_migrator._output import LogFormat, Reporter
from workflow_migrator._plan import PlanOptions
from workflow_migrator._render import findings_document, findings_text, plan_text

# Each command imports the rest of what it needs when it runs: the HTTP client, the
# settings and the test runner cost more to import than `--help` or an offline `validate`
# take to run.
if TYPE_CHECKING:
    from workflow_migrator._client import ConductorClient
    from workflow_migrator._settings import Settings

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
#: Every exit code and what it means: the one place they are described.
EXIT_CODES = {
    EXIT_OK: "success (plan --detailed-exitcode: no changes)",
    EXIT_ERROR: "error: invalid definitions, a refused change, a server failure, a failed test",
    EXIT_CHANGES: "plan/status --detailed-exitcode: changes pending (the server has drifted)",
    EXIT_BUG: "unexpected internal error (a bug: please report it)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C, or SIGTERM when Kubernetes stops the Job)",
}
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

config_dir_option = click.option(
    "--config-dir", required=True, type=click.Path(path_type=Path, file_okay=False),
    help="Directory holding tasks/, workflows/, event-handlers/ (and environments/).")
log_format_option = click.option(
    "--log-format", type=click.Choice(["auto", "text", "json"]), default="auto", show_default=True,
    help="Log lines as text, or one JSON object per line; auto picks text on a terminal.")
wait_option = click.option(
    "--wait-timeout", type=float, default=300.0, show_default=True,
    help="Seconds to wait for a server that is still starting.")


def change_options(function: Any) -> Any:
    for option in reversed([
        click.option("--prune", is_flag=True, help="Delete definitions the directory no longer "
                     "defines (never a workflow version with running executions)."),
        click.option("--keep", multiple=True, metavar="PATTERN",
                     help="With --prune, never delete names matching this glob (repeatable)."),
        click.option("--allow-overwrite", is_flag=True,
                     help="Change an existing explicit workflow version in place."),
    ]):
        function = option(function)
    return function


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="workflow-migrator", prog_name="workflow-migrator")
def cli() -> None:
    """Brings a Conductor server to exactly the task and workflow definitions of a directory."""


@cli.command(epilog=EXIT_CODES_HELP)
@config_dir_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--server", is_flag=True,
              help="Also ask the server at CONDUCTOR_BASE_URL: its verdict on each workflow "
                   "(nothing is written), and whether sub-workflows and tasks exist there.")
@wait_option
@log_format_option
def validate(config_dir: Path, output_format: str, strict: bool, server: bool,
             wait_timeout: float, log_format: LogFormat) -> int:
    """Check every definition, report every problem, write nothing."""
    from workflow_migrator._commands import validate_directory, validate_with_server

    if server:
        settings, reporter = _start(log_format)
        with _client(settings) as client:
            _, findings = validate_with_server(config_dir, client, app_env=settings.app_env,
                                               wait_timeout=wait_timeout, reporter=reporter)
    else:
        reporter = _reporter()
        reporter.configure(app_env=offline_app_env(), log_format=log_format)
        _, findings = validate_directory(config_dir, reporter.app_env, reporter=reporter)
    if output_format == "json":
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
    """Write JSON Schemas for task, workflow, event handler and workflow test files, for editors."""
    from workflow_migrator._schema import write_schemas

    reporter = _reporter()
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
@wait_option
@log_format_option
def plan(config_dir: Path, output_format: str, detailed_exitcode: bool,
         metrics_file: Path | None, pushgateway_url: str | None, prune: bool,
         keep: tuple[str, ...], allow_overwrite: bool, wait_timeout: float,
         log_format: LogFormat) -> int:
    """Show what deploy would change, without writing anything."""
    from workflow_migrator import _commands
    from workflow_migrator._drift import report_drift

    settings, reporter = _start(log_format)
    with _client(settings) as client:
        planned = _commands.plan(config_dir, client,
                                 options=PlanOptions(prune, keep, allow_overwrite),
                                 app_env=settings.app_env, wait_timeout=wait_timeout,
                                 reporter=reporter)
    title = "workflow-migrator plan" + (f" for {settings.app_env}" if settings.app_env else "")
    reporter.show_plan(planned, output_format, title=title)
    if metrics_file or pushgateway_url:
        report_drift(planned, metrics_file=metrics_file, pushgateway_url=pushgateway_url,
                     app_env=settings.app_env)
    if planned.conflicts:
        return EXIT_ERROR
    return EXIT_CHANGES if detailed_exitcode and planned.has_changes else EXIT_OK


@cli.command(epilog=EXIT_CODES_HELP)
@config_dir_option
@click.option("--dry-run", is_flag=True, help="Only show the plan (exactly what plan shows).")
@click.option("--source-revision", metavar="REV",
              help="The revision (e.g. git commit) the directory comes from, for the record.")
@change_options
@wait_option
@log_format_option
@click.pass_context
def deploy(ctx: click.Context, config_dir: Path, dry_run: bool, source_revision: str | None,
           prune: bool, keep: tuple[str, ...], allow_overwrite: bool, wait_timeout: float,
           log_format: LogFormat) -> int:
    """Validate, plan, print the plan, then apply it. Never prompts: it runs unattended."""
    from workflow_migrator import _commands

    if dry_run:
        return int(ctx.invoke(plan, config_dir=config_dir, output_format="text",
                              detailed_exitcode=False, metrics_file=None, pushgateway_url=None,
                              prune=prune, keep=keep,
                              allow_overwrite=allow_overwrite, wait_timeout=wait_timeout,
                              log_format=log_format))
    settings, reporter = _start(log_format)
    with _client(settings) as client:
        _, result = _commands.deploy(config_dir, client,
                                     options=PlanOptions(prune, keep, allow_overwrite),
                                     app_env=settings.app_env, wait_timeout=wait_timeout,
                                     reporter=reporter, source_revision=source_revision)
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
@change_options
@wait_option
@log_format_option
def status(config_dir: Path, output_format: str, detailed_exitcode: bool, prune: bool,
           keep: tuple[str, ...], allow_overwrite: bool, wait_timeout: float,
           log_format: LogFormat) -> int:
    """Show the last deploy the server recorded, and whether it has drifted since."""
    from workflow_migrator import _commands
    from workflow_migrator._record import status_text

    settings, reporter = _start(log_format)
    with _client(settings) as client:
        found = _commands.status(config_dir, client,
                                 options=PlanOptions(prune, keep, allow_overwrite),
                                 app_env=settings.app_env, wait_timeout=wait_timeout,
                                 reporter=reporter)
    if output_format == "json":
        reporter.result_json(found.to_dict())
    else:
        reporter.result(status_text(found, str(config_dir), plan_text(found.plan)))
    return EXIT_CHANGES if detailed_exitcode and found.drifted else EXIT_OK


@cli.command(name="test", epilog=EXIT_CODES_HELP)
@config_dir_option
@click.option("-k", "pattern", default="", metavar="PATTERN",
              help="Run only the cases whose file::name or workflow name contains PATTERN.")
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help="Seconds one case may run before it fails as stuck.")
@click.option("--jobs", type=click.IntRange(min=1), default=4, show_default=True,
              help="How many cases run at once.")
@click.option("--ui-url", default="", metavar="URL",
              help="The Conductor UI's URL: failures link to URL/execution/<workflowId>.")
@click.option("--format", "output_format", type=click.Choice(["text", "junit"]), default="text",
              show_default=True, help="A line per case and the failures, or JUnit XML.")
@click.option("--output", "output_file", type=click.Path(path_type=Path, dir_okay=False),
              help="With --format junit, write the XML to this file (the text report still "
                   "goes to stdout).")
@wait_option
@log_format_option
def run_tests_command(config_dir: Path, pattern: str, timeout: float, jobs: int, ui_url: str,
                      output_format: str, output_file: Path | None, wait_timeout: float,
                      log_format: LogFormat) -> int:
    """Run the workflow test cases of DIR/tests/ on the server, with mocked workers.

    Nothing is registered: each case sends its definitions inline and runs under a task
    domain of its own, so the server's workers never see its tasks. Exits 1 when a case fails.
    """
    from workflow_migrator._junit import junit_xml
    from workflow_migrator._workflow_report import case_line, failure_text, results_text
    from workflow_migrator._workflow_run import run_workflow_tests


    settings, reporter = _start(log_format)
    show_lines = output_format == "text" or output_file is not None
    started = time.monotonic()
    with _client(settings) as client:
        results = run_workflow_tests(
            config_dir, client, app_env=settings.app_env, pattern=pattern, timeout=timeout,
            jobs=jobs, wait_timeout=wait_timeout, reporter=reporter,
            on_result=(lambda r: reporter.result(case_line(r))) if show_lines else None)
    if show_lines:
        reporter.result(results_text(results, ui_url, time.monotonic() - started))
    if output_format == "junit":
        xml = junit_xml(results, {r.case.id: failure_text(r, ui_url) for r in results})
        if output_file is None:
            reporter.result(xml)
        else:
            try:
                with output_file.open("w", encoding="utf-8") as file:
                    Reporter(settings.app_env, secrets=reporter.secrets, out=file).result(xml)
            except OSError as exc:
                raise MigratorError(f"cannot write {output_file}: {exc.strerror or exc}") from exc
    return EXIT_OK if all(r.passed for r in results) else EXIT_ERROR


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

    settings, reporter = _start(log_format)
    with _client(settings) as client:
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


def _reporter() -> Reporter:
    """The reporter ``main`` made for this run (a fresh one when the group is run alone)."""
    context = click.get_current_context()
    if not isinstance(context.obj, Reporter):
        context.obj = Reporter()
    return context.obj


def _start(log_format: LogFormat) -> tuple[Settings, Reporter]:
    """Reads the settings now (not at import) and tells the reporter the environment, the
    log format and the credentials to mask."""
    from workflow_migrator._settings import Settings

    settings = Settings()
    reporter = _reporter()
    reporter.configure(app_env=settings.app_env, log_format=log_format)
    reporter.add_secrets(secret.get_secret_value()
                         for secret in (settings.auth_token, settings.auth_secret) if secret)
    return settings, reporter


def _client(settings: Settings) -> ConductorClient:
    from workflow_migrator._client import ConductorClient

    if not settings.conductor_base_url:
        raise MigratorError("CONDUCTOR_BASE_URL is not set: give the Conductor server's URL, "
                            "e.g. CONDUCTOR_BASE_URL=http://conductor-server:8080")
    return ConductorClient(
        settings.conductor_base_url,
        auth_token=settings.auth_token.get_secret_value() if settings.auth_token else None,
        auth_key=settings.auth_key,
        auth_secret=settings.auth_secret.get_secret_value() if settings.auth_secret else None,
        timeout=settings.request_timeout,
    )


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
