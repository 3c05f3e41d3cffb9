"""``upgrade-check``: what behaves differently in a directory once its server is
upgraded to another Conductor generation (``_upgrade.py``). Offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from workflow_migrator._commands.options import formats, option
from workflow_migrator._commands.result import EXIT_CHANGES, EXIT_OK, CommandResult
from workflow_migrator._targets import TARGET_NAMES

if TYPE_CHECKING:
    from workflow_migrator._commands.session import Session
    from workflow_migrator._upgrade import UpgradeReport

OPTIONS = {
    "source": option("--from", type=click.Choice(TARGET_NAMES),
                     help="The generation the server runs now (default: the directory's "
                          "target)."),
    "destination": option("--to", type=click.Choice(TARGET_NAMES),
                          help="The generation the server is upgraded to."),
    "output_format": formats("text", "json", "markdown",
                             help="markdown: a document for a pull request or an upgrade "
                                  "ticket."),
}


def upgrade_check(session: Session, *, config_dir: Path, source: str | None = None,
                  destination: str, output_format: str = "text",
                  ) -> CommandResult[UpgradeReport]:
    """List, per definition, what behaves differently once the server is upgraded: keys
    that start or stop taking effect, evaluators, defaults, checks on register. Offline.
    Exits 2 when anything does.

    :param config_dir: the directory holding ``tasks/``, ``workflows/``, ``event-handlers/``.
    :param source: the generation the server runs now (default: the directory's target).
    :param destination: the generation it is upgraded to.
    :param output_format: ``text``, ``json`` or ``markdown``.
    :returns: the report; exit 2 when anything behaves differently.
    """
    from workflow_migrator._pipeline import upgrade_check as check
    from workflow_migrator._views.upgrade import render_upgrade

    report = check(config_dir, destination, source=source, app_env=session.app_env,
                   reporter=session.reporter)
    session.reporter.show(render_upgrade(report, output_format))
    return CommandResult(report, EXIT_CHANGES if report.has_changes else EXIT_OK)
