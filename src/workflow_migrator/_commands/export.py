"""``export``: everything a server holds, written as a config directory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from workflow_migrator._commands.options import DIRECTORY, option
from workflow_migrator._commands.result import CommandResult

if TYPE_CHECKING:
    from workflow_migrator._commands.session import Session
    from workflow_migrator._export import ExportFormat, ExportResult

OPTIONS = {
    "config_dir": option("--config-dir", type=DIRECTORY,
                         help="A new or empty directory to write tasks/, workflows/, "
                              "event-handlers/ into."),
    "output_format": option("--format", type=click.Choice(["json", "yaml"]),
                            show_default=True, help="The files' format."),
    "all_versions": option("--all-versions", is_flag=True,
                           help="Every version of every workflow, one file each (default: "
                                "the newest)."),
    "exclude": option("--exclude", multiple=True, metavar="PATTERN",
                      help="Leave out names matching this glob (repeatable)."),
    "force": option("--force", is_flag=True,
                    help="Write into a non-empty directory, replacing its tasks/, "
                         "workflows/ and event-handlers/."),
}


def export(session: Session, *, config_dir: Path, output_format: ExportFormat = "json",
           all_versions: bool = False, exclude: tuple[str, ...] = (), force: bool = False,
           wait_timeout: float = 300.0) -> CommandResult[ExportResult]:
    """Write everything the server holds as a config directory deploy reads back unchanged.

    :param config_dir: a new or empty directory (any directory with ``force``).
    :param output_format: ``json`` or ``yaml`` files.
    :param all_versions: every version of every workflow, not only the newest.
    :param exclude: glob patterns of names to leave out.
    :param force: write into a non-empty directory, replacing its definition folders.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :returns: what was written and what was left out.
    """
    from workflow_migrator._export import export as export_server
    from workflow_migrator._views.export import export_text

    with session.client() as client:
        result = export_server(config_dir, client, output_format=output_format,
                               all_versions=all_versions, exclude=exclude, force=force,
                               wait_timeout=wait_timeout, reporter=session.reporter)
    session.reporter.result(export_text(result))
    return CommandResult(result)
