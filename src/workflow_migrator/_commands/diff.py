"""``diff``: what differs between two environments (servers or directories)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workflow_migrator._commands.options import DIRECTORY, formats, option
from workflow_migrator._commands.result import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, CommandResult

if TYPE_CHECKING:
    from workflow_migrator._commands.session import Session
    from workflow_migrator._plan import Plan

OPTIONS = {
    "source": option("--from", metavar="URL|DIR",
                     help="The environment to promote from: a server's URL or a config "
                          "directory."),
    "target": option("--to", metavar="URL|DIR",
                     help="The environment to promote to: a server's URL or a config "
                          "directory."),
    "output_format": formats("text", "json", "markdown"),
    "detailed_exitcode": option("--detailed-exitcode", is_flag=True,
                                help="Exit 2 when the two sides differ."),
    "match": option("--match", multiple=True, metavar="PATTERN",
                    help="Compare only names matching this glob (repeatable; default: all)."),
    "mask_dir": option("--config-dir", type=DIRECTORY,
                       help="A config directory whose secret values (of every "
                            "environments/*.yaml) are masked too, for a diff between two "
                            "servers."),
}


def diff(session: Session, *, source: str, target: str, output_format: str = "text",
         detailed_exitcode: bool = False, match: tuple[str, ...] = (),
         mask_dir: Path | None = None, wait_timeout: float = 300.0) -> CommandResult[Plan]:
    """Show what differs between two environments (servers or directories): what
    deploying --from onto --to would change. Reads both, writes nothing.

    :param source: the environment to promote from: a server's URL or a directory.
    :param target: the environment to promote to: a server's URL or a directory.
    :param output_format: ``text``, ``json`` or ``markdown``.
    :param detailed_exitcode: exit 2 when the two sides differ.
    :param match: glob patterns of the names to compare (default: all).
    :param mask_dir: a directory whose secret values (of every environment) are masked.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :returns: the plan from ``source`` onto ``target``.
    """
    from workflow_migrator._diff import compare, read_side, secrets_of
    from workflow_migrator._views.plan import render_plan

    reporter = session.reporter
    session.settings  # noqa: B018 - read now: the credentials are masked from the start
    if mask_dir is not None:
        reporter.add_secrets(secrets_of(mask_dir))
    sides = [read_side(spec, session.client, app_env=session.app_env,
                       wait_timeout=wait_timeout, reporter=reporter)
             for spec in (source, target)]
    planned = compare(sides[0], sides[1], match=match, secrets=reporter.secrets)
    reporter.show(render_plan(planned, output_format, secrets=reporter.secrets,
                              title=f"workflow-migrator diff {source} -> {target}"))
    if planned.conflicts:
        return CommandResult(planned, EXIT_ERROR)
    return CommandResult(planned, EXIT_CHANGES if detailed_exitcode and planned.has_changes
                         else EXIT_OK)
