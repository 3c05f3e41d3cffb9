"""``plan``: what ``deploy`` would change, without writing anything, and what it would
touch (in-flight executions, breaking changes for callers, workers)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from workflow_migrator._commands.options import DURATION, FILE, formats, option
from workflow_migrator._commands.result import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    CommandResult,
)

# The plan's module imports the comparison and the rules: it loads when a plan is made,
# so that `--help` and an offline `validate` never load it.
if TYPE_CHECKING:
    from workflow_migrator._commands.session import Session
    from workflow_migrator._plan import Plan, PlanOptions
    from workflow_migrator._risk import Severity

OPTIONS = {
    "output_format": formats("text", "json", "markdown",
                             help="markdown: a document for a pull request comment or a CI "
                                  "job summary."),
    "detailed_exitcode": option("--detailed-exitcode", is_flag=True,
                                help="Exit 2 when changes are pending."),
    "metrics_file": option("--metrics-file", type=FILE,
                           help="Also write the pending changes as Prometheus gauges to this "
                                "file (for node-exporter's textfile collector), atomically."),
    "pushgateway_url": option("--pushgateway-url", metavar="URL",
                              help="Also PUT the gauges to this Prometheus Pushgateway "
                                   "(/metrics/job/...)."),
    "impact": option("--impact/--no-impact", show_default=True,
                     help="Read what the plan touches: running executions, callers that "
                          "break, workers (a few read-only requests per changed workflow)."),
    "fail_on": option("--fail-on", type=click.Choice(["breaking", "risky"]),
                      help="Exit 1 when a breaking change (or, with risky, a breaking or "
                           "risky one) is found; before --detailed-exitcode's 2."),
    "worker_window": option("--worker-window", type=DURATION, show_default="10m",
                            metavar="DURATION",
                            help="A worker task counts as served when a worker polled it "
                                 "this recently (e.g. 90s, 10m, 1h)."),
    "require_workers": option("--require-workers", is_flag=True,
                              help="Exit 1 when a worker task of a changed workflow has no "
                                   "worker polling it (otherwise a warning)."),
}


def plan(session: Session, *, config_dir: Path, output_format: str = "text",
         detailed_exitcode: bool = False, metrics_file: Path | None = None,
         pushgateway_url: str | None = None, prune: bool = False, keep: tuple[str, ...] = (),
         allow_mass_prune: bool = False, allow_overwrite: bool = False,
         target: str | None = None, impact: bool = True, fail_on: Severity | None = None,
         worker_window: float = 600.0, require_workers: bool = False,
         wait_timeout: float = 300.0) -> CommandResult[Plan]:
    """Show what deploy would change, without writing anything, and what it would touch:
    in-flight executions, breaking changes for callers, workers that poll its tasks.

    :param config_dir: the directory holding ``tasks/``, ``workflows/``, ``event-handlers/``.
    :param output_format: ``text``, ``json`` or ``markdown``.
    :param detailed_exitcode: exit 2 when changes are pending.
    :param metrics_file: also write the pending changes as Prometheus gauges here.
    :param pushgateway_url: also PUT the gauges to this Pushgateway.
    :param prune: plan deleting what the directory no longer defines.
    :param keep: with prune, glob patterns of names never deleted.
    :param allow_mass_prune: with prune, allow deleting all (or most) of a kind.
    :param allow_overwrite: change an existing explicit workflow version in place.
    :param target: the server generation the definitions are for.
    :param impact: read what the plan touches (executions, callers, workers).
    :param fail_on: exit 1 on a breaking (or, ``risky``, a breaking or risky) change.
    :param worker_window: seconds since a worker's last poll for its task to be served.
    :param require_workers: exit 1 when a changed workflow's worker task has no worker.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :returns: the plan; exit 1 on a conflict or a failed gate, else 2 with
        ``detailed_exitcode`` when changes are pending.
    """
    from workflow_migrator import _pipeline
    from workflow_migrator._commands.drift import drift
    from workflow_migrator._impact import ImpactOptions
    from workflow_migrator._views.plan import render_plan

    if not impact and (fail_on or require_workers):
        raise click.UsageError("--fail-on and --require-workers need the impact analysis: "
                               "leave out --no-impact")
    reporter = session.reporter
    with session.client() as client:
        planned = _pipeline.plan(config_dir, client,
                                 options=plan_options(prune, keep, allow_overwrite,
                                                      allow_mass_prune),
                                 app_env=session.app_env, wait_timeout=wait_timeout,
                                 reporter=reporter, target=target,
                                 impact=ImpactOptions(worker_window, require_workers)
                                 if impact else None)
    title = "workflow-migrator plan" + (f" for {session.app_env}" if session.app_env else "")
    reporter.show(render_plan(planned, output_format, secrets=reporter.secrets, title=title))
    if metrics_file or pushgateway_url:
        drift(session, planned, metrics_file=metrics_file, pushgateway_url=pushgateway_url)
    if planned.conflicts:
        return CommandResult(planned, EXIT_ERROR)
    failing = planned.risk.failing(fail_on) if planned.risk else []
    for reason in failing:
        reporter.error(f"plan fails (--fail-on/--require-workers): {reason}", event="risk")
    if failing:
        return CommandResult(planned, EXIT_ERROR)
    return CommandResult(planned, EXIT_CHANGES if detailed_exitcode and planned.has_changes
                         else EXIT_OK)


def plan_options(prune: bool = False, keep: tuple[str, ...] = (), allow_overwrite: bool = False,
                 allow_mass_prune: bool = False) -> PlanOptions:
    """The change options (``--prune``, ``--keep``, ...) as a plan takes them."""
    from workflow_migrator._plan import PlanOptions

    return PlanOptions(prune, keep, allow_overwrite, allow_mass_prune)
