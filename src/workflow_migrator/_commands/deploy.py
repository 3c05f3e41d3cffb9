"""``deploy``: validate, plan, print the plan, then apply it; never prompts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workflow_migrator._commands.options import option
from workflow_migrator._commands.result import CommandResult

if TYPE_CHECKING:
    from workflow_migrator._apply import ApplyResult
    from workflow_migrator._commands.session import Session
    from workflow_migrator._plan import Plan

OPTIONS = {
    "dry_run": option("--dry-run", is_flag=True,
                      help="Only show the plan (exactly what plan shows)."),
    "source_revision": option("--source-revision", metavar="REV",
                              help="The revision (e.g. git commit) the directory comes from, "
                                   "for the record."),
    "allow_target_mismatch": option("--allow-target-mismatch", is_flag=True,
                                    help="Deploy to a server of another generation than the "
                                         "target (refused otherwise, before anything is "
                                         "written)."),
}


def deploy(session: Session, *, config_dir: Path, dry_run: bool = False,
           source_revision: str | None = None, prune: bool = False, keep: tuple[str, ...] = (),
           allow_mass_prune: bool = False, allow_overwrite: bool = False,
           target: str | None = None, allow_target_mismatch: bool = False,
           wait_timeout: float = 300.0) -> CommandResult[tuple[Plan, ApplyResult | None]]:
    """Validate, plan, print the plan, then apply it. Never prompts: it runs unattended.

    :param config_dir: the directory holding ``tasks/``, ``workflows/``, ``event-handlers/``.
    :param dry_run: only show the plan, as ``plan`` does (and exit as it does).
    :param source_revision: the revision (e.g. a git commit) the directory comes from.
    :param prune: delete what the directory no longer defines.
    :param keep: with prune, glob patterns of names never deleted.
    :param allow_mass_prune: with prune, allow deleting all (or most) of a kind.
    :param allow_overwrite: change an existing explicit workflow version in place.
    :param target: the server generation the definitions are for.
    :param allow_target_mismatch: deploy to a server of another generation.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :returns: the plan and what was written (``ApplyResult``; None for a dry run).
    """
    from workflow_migrator import _pipeline
    from workflow_migrator._commands.plan import plan, plan_options
    from workflow_migrator._views.plan import completion_record

    if dry_run:
        shown = plan(session, config_dir=config_dir, prune=prune, keep=keep,
                     allow_overwrite=allow_overwrite, allow_mass_prune=allow_mass_prune,
                     target=target, wait_timeout=wait_timeout)
        return CommandResult((shown.value, None), shown.exit_code)
    reporter = session.reporter
    with session.client() as client:
        planned, result = _pipeline.deploy(
            config_dir, client,
            options=plan_options(prune, keep, allow_overwrite, allow_mass_prune),
            app_env=session.app_env, wait_timeout=wait_timeout, reporter=reporter,
            source_revision=source_revision, target=target,
            allow_target_mismatch=allow_target_mismatch)
        message, fields = completion_record(result, client.write_count)
        reporter.log(message, **fields)
    return CommandResult((planned, result))
