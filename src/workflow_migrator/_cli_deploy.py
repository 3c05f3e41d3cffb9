"""The commands that bring a server to a directory and show how far apart they are:
``plan`` (what ``deploy`` would change, and what it would touch), ``deploy``, ``status``
(the last deploy the server recorded, and drift since), and ``diff`` (two environments,
servers or directories). ``_cli.py`` registers them; each calls one function of
``_commands`` (``_diff`` for ``diff``) and reports through the one ``Reporter``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from workflow_migrator._cli_common import (
    EXIT_CHANGES,
    EXIT_CODES_HELP,
    EXIT_ERROR,
    EXIT_OK,
    config_dir_option,
    log_format_option,
    make_client,
    start,
    target_option,
    wait_option,
)
from workflow_migrator._output import LogFormat
from workflow_migrator._views.plan import plan_text, render_plan

# The plan's module imports the comparison and the rules: each command that plans loads
# it when it runs, so that `--help` and an offline `validate` never do.
if TYPE_CHECKING:
    from workflow_migrator._plan import PlanOptions
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


def plan_options(prune: bool = False, keep: tuple[str, ...] = (), allow_overwrite: bool = False,
                 allow_mass_prune: bool = False) -> PlanOptions:
    """The values of ``change_options`` as a plan takes them."""
    from workflow_migrator._plan import PlanOptions

    return PlanOptions(prune, keep, allow_overwrite, allow_mass_prune)


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


@click.command(name="plan", epilog=EXIT_CODES_HELP)
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
def plan_command(config_dir: Path, output_format: str, detailed_exitcode: bool,
                 metrics_file: Path | None, pushgateway_url: str | None, prune: bool,
                 keep: tuple[str, ...], allow_overwrite: bool, allow_mass_prune: bool,
                 target: str | None, wait_timeout: float, log_format: LogFormat,
                 impact: bool = False, fail_on: Severity | None = None,
                 worker_window: float = 600.0, require_workers: bool = False) -> int:
    """Show what deploy would change, without writing anything, and what it would touch:
    in-flight executions, breaking changes for callers, workers that poll its tasks."""
    from workflow_migrator import _pipeline
    from workflow_migrator._drift import report_drift
    from workflow_migrator._impact import ImpactOptions

    if not impact and (fail_on or require_workers):
        raise click.UsageError("--fail-on and --require-workers need the impact analysis: "
                               "leave out --no-impact")
    settings, reporter = start(log_format)
    with make_client(settings) as client:
        planned = _pipeline.plan(config_dir, client,
                                 options=plan_options(prune, keep, allow_overwrite,
                                                     allow_mass_prune),
                                 app_env=settings.app_env, wait_timeout=wait_timeout,
                                 reporter=reporter, target=target,
                                 impact=ImpactOptions(worker_window, require_workers)
                                 if impact else None)
    title = "workflow-migrator plan" + (f" for {settings.app_env}" if settings.app_env else "")
    reporter.show(render_plan(planned, output_format, secrets=reporter.secrets, title=title))
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


@click.command(name="diff", epilog=EXIT_CODES_HELP)
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
def diff_command(source: str, target: str, output_format: str, detailed_exitcode: bool,
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
    reporter.show(render_plan(planned, output_format, secrets=reporter.secrets,
                              title=f"workflow-migrator diff {source} -> {target}"))
    if planned.conflicts:
        return EXIT_ERROR
    return EXIT_CHANGES if detailed_exitcode and planned.has_changes else EXIT_OK


@click.command(name="deploy", epilog=EXIT_CODES_HELP)
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
def deploy_command(ctx: click.Context, config_dir: Path, dry_run: bool,
                   source_revision: str | None, prune: bool, keep: tuple[str, ...],
                   allow_overwrite: bool, allow_mass_prune: bool, target: str | None,
                   allow_target_mismatch: bool, wait_timeout: float,
                   log_format: LogFormat) -> int:
    """Validate, plan, print the plan, then apply it. Never prompts: it runs unattended."""
    from workflow_migrator import _pipeline

    if dry_run:
        return int(ctx.invoke(plan_command, config_dir=config_dir, output_format="text",
                              detailed_exitcode=False, metrics_file=None, pushgateway_url=None,
                              prune=prune, keep=keep,
                              allow_overwrite=allow_overwrite,
                              allow_mass_prune=allow_mass_prune, target=target,
                              wait_timeout=wait_timeout, log_format=log_format))
    settings, reporter = start(log_format)
    with make_client(settings) as client:
        _, result = _pipeline.deploy(config_dir, client,
                                     options=plan_options(prune, keep, allow_overwrite,
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


@click.command(name="status", epilog=EXIT_CODES_HELP)
@config_dir_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when the server has drifted.")
@allow_overwrite_option
@target_option
@wait_option
@log_format_option
def status_command(config_dir: Path, output_format: str, detailed_exitcode: bool,
                   allow_overwrite: bool, target: str | None, wait_timeout: float,
                   log_format: LogFormat) -> int:
    """Show the last deploy the server recorded, and whether it has drifted since."""
    from workflow_migrator import _pipeline
    from workflow_migrator._views.status import status_text

    settings, reporter = start(log_format)
    with make_client(settings) as client:
        found = _pipeline.status(config_dir, client,
                                 options=plan_options(allow_overwrite=allow_overwrite),
                                 app_env=settings.app_env, wait_timeout=wait_timeout,
                                 reporter=reporter, target=target)
    if output_format == "json":
        reporter.result_json(found.to_dict())
    else:
        reporter.result(status_text(found, str(config_dir), plan_text(found.plan)))
    return EXIT_CHANGES if detailed_exitcode and found.drifted else EXIT_OK
