"""``status``: the last deploy the server recorded, and whether it has drifted since."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workflow_migrator._commands.options import formats, option
from workflow_migrator._commands.result import EXIT_CHANGES, EXIT_OK, CommandResult

if TYPE_CHECKING:
    from workflow_migrator._commands.session import Session
    from workflow_migrator._record import Status

OPTIONS = {
    "output_format": formats("text", "json"),
    "detailed_exitcode": option("--detailed-exitcode", is_flag=True,
                                help="Exit 2 when the server has drifted."),
}


def status(session: Session, *, config_dir: Path, output_format: str = "text",
           detailed_exitcode: bool = False, allow_overwrite: bool = False,
           target: str | None = None, wait_timeout: float = 300.0) -> CommandResult[Status]:
    """Show the last deploy the server recorded, and whether it has drifted since.

    :param config_dir: the directory the server should hold.
    :param output_format: ``text`` or ``json``.
    :param detailed_exitcode: exit 2 when the server has drifted.
    :param allow_overwrite: as the deploys use it (it changes what counts as drift).
    :param target: the server generation the definitions are for.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :returns: the status: the record, the directory's hash, the plan (the drift).
    """
    from workflow_migrator import _pipeline
    from workflow_migrator._commands.plan import plan_options
    from workflow_migrator._views.status import render_status

    with session.client() as client:
        found = _pipeline.status(config_dir, client,
                                 options=plan_options(allow_overwrite=allow_overwrite),
                                 app_env=session.app_env, wait_timeout=wait_timeout,
                                 reporter=session.reporter, target=target)
    session.reporter.show(render_status(found, output_format, str(config_dir)))
    return CommandResult(found, EXIT_CHANGES if detailed_exitcode and found.drifted
                         else EXIT_OK)
