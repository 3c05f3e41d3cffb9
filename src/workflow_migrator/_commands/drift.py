"""The drift metrics: a plan's pending changes as Prometheus gauges, written to a file
for node-exporter's textfile collector or pushed to a Pushgateway (``plan
--metrics-file``, ``--pushgateway-url``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workflow_migrator._commands.result import CommandResult

if TYPE_CHECKING:
    from workflow_migrator._commands.session import Session
    from workflow_migrator._plan import Plan


def drift(session: Session, planned: Plan, *, metrics_file: Path | None = None,
          pushgateway_url: str | None = None, now: float | None = None) -> CommandResult[str]:
    """Writes the plan's gauges wherever asked.

    :param planned: the plan of the configuration against the server.
    :param metrics_file: a file to write them to, atomically.
    :param pushgateway_url: a Pushgateway to PUT them to.
    :param now: the unix time of the check (defaults to the current time).
    :returns: the gauges, in Prometheus' text format.
    """
    from workflow_migrator._drift import report_drift

    return CommandResult(report_drift(planned, metrics_file=metrics_file,
                                      pushgateway_url=pushgateway_url,
                                      app_env=session.app_env, now=now))
