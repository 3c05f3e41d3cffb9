"""The ``workflow-migrator upgrade-check`` command: what behaves differently in a
directory once its server is upgraded to another Conductor generation (``_upgrade.py``)."""

from __future__ import annotations

from pathlib import Path

import click

from workflow_migrator._cli_common import (
    EXIT_CHANGES,
    EXIT_CODES_HELP,
    EXIT_OK,
    config_dir_option,
    current_reporter,
    log_format_option,
)
from workflow_migrator._environment import offline_app_env
from workflow_migrator._output import LogFormat
from workflow_migrator._targets import TARGET_NAMES


@click.command(name="upgrade-check", epilog=EXIT_CODES_HELP)
@config_dir_option
@click.option("--from", "source", type=click.Choice(TARGET_NAMES), default=None,
              help="The generation the server runs now (default: the directory's target).")
@click.option("--to", "destination", type=click.Choice(TARGET_NAMES), required=True,
              help="The generation the server is upgraded to.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True,
              help="markdown: a document for a pull request or an upgrade ticket.")
@log_format_option
def upgrade_check_command(config_dir: Path, source: str | None, destination: str,
                          output_format: str, log_format: LogFormat) -> int:
    """List, per definition, what behaves differently once the server is upgraded: keys
    that start or stop taking effect, evaluators, defaults, checks on register. Offline.
    Exits 2 when anything does."""
    from workflow_migrator._pipeline import upgrade_check as check
    from workflow_migrator._views.upgrade import report_document, report_markdown, report_text

    reporter = current_reporter()
    reporter.configure(app_env=offline_app_env(), log_format=log_format)
    report = check(config_dir, destination, source=source, app_env=reporter.app_env,
                   reporter=reporter)
    if output_format == "json":
        reporter.result_json(report_document(report))
    elif output_format == "markdown":
        reporter.result(report_markdown(report))
    else:
        reporter.result(report_text(report))
    return EXIT_CHANGES if report.has_changes else EXIT_OK
