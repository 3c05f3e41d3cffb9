"""The ``workflow-migrator`` command: parses arguments, calls one library function per
subcommand, and turns the outcome into an exit code.

Exit codes:
  0    success; for plan --detailed-exitcode, no changes
  1    error: invalid definitions, a refused change, a server failure
  2    plan --detailed-exitcode: changes pending
  3    an unexpected internal error (a bug: please report it)
  130  interrupted
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from workflow_migrator import _commands
from workflow_migrator._client import ConductorClient
from workflow_migrator._exceptions import DefinitionError, MigratorError
from workflow_migrator._export import export as export_server
from workflow_migrator._output import Reporter
from workflow_migrator._plan import PlanOptions
from workflow_migrator._render import findings_json, findings_text, plan_json, plan_text
from workflow_migrator._schema import write_schemas
from workflow_migrator._settings import Settings
from workflow_migrator._validate import validate_directory

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES_HELP = """
\b
Exit codes:
  0    success (plan --detailed-exitcode: no changes)
  1    error: invalid definitions, a refused change, a server failure
  2    plan --detailed-exitcode: changes pending
  3    unexpected internal error
  130  interrupted

\b
Environment:
  CONDUCTOR_BASE_URL     the server's root URL (a trailing /api is accepted)
  APP_ENV                the environment's name, in every log line
  CONDUCTOR_AUTH_TOKEN   bearer token for a secured server (sent as X-Authorization)
  CONDUCTOR_AUTH_KEY, CONDUCTOR_AUTH_SECRET   Orkes key and secret, exchanged for a token
"""

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
def validate(config_dir: Path, output_format: str, strict: bool, server: bool,
             wait_timeout: float) -> int:
    """Check every definition, report every problem, write nothing."""
    settings = Settings()
    if server:
        with _client(settings) as client:
            _, findings = validate_directory(config_dir, settings.app_env, client, wait_timeout)
    else:
        _, findings = validate_directory(config_dir, settings.app_env)
    if output_format == "json":
        click.echo(findings_json(findings))
    elif findings:
        click.echo(findings_text(findings))
    else:
        click.echo("All definitions are valid.")
    failing = {"error", "warning"} if strict else {"error"}
    return EXIT_ERROR if any(f.severity in failing for f in findings) else EXIT_OK


@cli.command()
@click.option("--output", "output_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("schemas"), show_default=True,
              help="Directory to write the JSON Schema files into.")
def schema(output_dir: Path) -> int:
    """Write JSON Schemas for task, workflow and event handler files, for editors."""
    for path in write_schemas(output_dir):
        click.echo(f"Wrote {path}")
    return EXIT_OK


@cli.command(epilog=EXIT_CODES_HELP)
@config_dir_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when changes are pending.")
@change_options
@wait_option
@log_format_option
def plan(config_dir: Path, output_format: str, detailed_exitcode: bool, prune: bool,
         keep: tuple[str, ...], allow_overwrite: bool, wait_timeout: float, log_format: str) -> int:
    """Show what deploy would change, without writing anything."""
    settings = Settings()
    reporter = Reporter(settings.app_env, log_format)  # type: ignore[arg-type]
    with _client(settings) as client:
        planned = _commands.plan(config_dir, client,
                                 options=PlanOptions(prune, keep, allow_overwrite),
                                 app_env=settings.app_env, wait_timeout=wait_timeout,
                                 reporter=reporter)
    reporter.result(plan_json(planned) if output_format == "json" else plan_text(planned))
    if planned.conflicts:
        return EXIT_ERROR
    return EXIT_CHANGES if detailed_exitcode and planned.has_changes else EXIT_OK


@cli.command(epilog=EXIT_CODES_HELP)
@config_dir_option
@click.option("--dry-run", is_flag=True, help="Only show the plan (exactly what plan shows).")
@change_options
@wait_option
@log_format_option
@click.pass_context
def deploy(ctx: click.Context, config_dir: Path, dry_run: bool, prune: bool, keep: tuple[str, ...],
           allow_overwrite: bool, wait_timeout: float, log_format: str) -> int:
    """Validate, plan, print the plan, then apply it. Never prompts: it runs unattended."""
    if dry_run:
        return int(ctx.invoke(plan, config_dir=config_dir, output_format="text",
                              detailed_exitcode=False, prune=prune, keep=keep,
                              allow_overwrite=allow_overwrite, wait_timeout=wait_timeout,
                              log_format=log_format))
    settings = Settings()
    reporter = Reporter(settings.app_env, log_format)  # type: ignore[arg-type]
    with _client(settings) as client:
        _, result = _commands.deploy(config_dir, client,
                                     options=PlanOptions(prune, keep, allow_overwrite),
                                     app_env=settings.app_env, wait_timeout=wait_timeout,
                                     reporter=reporter)
        reporter.log(f"Deploy complete: {result.created} created, {result.updated} updated, "
                     f"{result.deleted} deleted; {client.write_count} write request(s).",
                     event="complete", created=result.created, updated=result.updated,
                     deleted=result.deleted)
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
def export(config_dir: Path, output_format: str, all_versions: bool, exclude: tuple[str, ...],
           force: bool, wait_timeout: float) -> int:
    """Write everything the server holds as a config directory deploy reads back unchanged."""
    settings = Settings()
    with _client(settings) as client:
        result = export_server(config_dir, client, output_format=output_format,  # type: ignore[arg-type]
                               all_versions=all_versions, exclude=exclude, force=force,
                               wait_timeout=wait_timeout)
    click.echo(f"Exported {result.tasks} task definition(s), {result.workflows} workflow(s) "
               f"({result.workflow_versions} version(s)) and {result.event_handlers} event "
               f"handler(s) to {result.directory}.")
    if result.skipped_samples:
        click.echo(f"Skipped the server's stock boot samples: {', '.join(result.skipped_samples)}.")
    if result.excluded:
        click.echo(f"Excluded {len(result.excluded)} by --exclude.")
    return EXIT_OK


def _client(settings: Settings) -> ConductorClient:
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


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI and returns its exit code."""
    # Kubernetes stops a Job's pod with SIGTERM: end like Ctrl-C, with a message and 130.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        result = cli.main(args=list(sys.argv[1:] if argv is None else argv),
                          prog_name="workflow-migrator", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        click.echo("Interrupted: every write is idempotent, so the next deploy completes "
                   "what this one started.", err=True)
        return EXIT_INTERRUPTED
    except DefinitionError as exc:
        click.echo(findings_text(exc.findings), err=True)
        click.echo(f"Error: invalid definitions; nothing was written. {exc}", err=True)
        return EXIT_ERROR
    except MigratorError as exc:
        click.echo(f"Error: {exc}", err=True)
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - the last line of defence: report, don't trace
        click.echo(f"An unexpected error occurred ({type(exc).__name__}: {exc}). This is a bug.",
                   err=True)
        return EXIT_BUG
    return int(result or 0)
