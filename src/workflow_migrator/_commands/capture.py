"""``test capture``: finished executions turned into a workflow test case file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from workflow_migrator._commands.options import FILE, option
from workflow_migrator._commands.result import CommandResult

if TYPE_CHECKING:
    from workflow_migrator._capture import Capture
    from workflow_migrator._commands.session import Session

OPTIONS = {
    "execution_ids": option("--execution", multiple=True, metavar="ID",
                            help="A finished execution to capture (repeatable)."),
    "search": option("--search", metavar="QUERY",
                     help="Also capture what the server's search finds, e.g. "
                          "'workflowType=\"order_flow\" AND status=\"COMPLETED\"'."),
    "limit": option("--limit", type=click.IntRange(min=1), show_default=True,
                    help="At most this many executions found by --search."),
    "redact": option("--redact", multiple=True, metavar="KEY",
                     help="Replace the value of this key wherever it appears (repeatable)."),
    "output_file": option("--output", type=FILE,
                          help="The test file to write (.yaml, .yml or .json), e.g. "
                               "DIR/tests/orders.yaml."),
}


def capture(session: Session, *, config_dir: Path, execution_ids: tuple[str, ...] = (),
            search: str = "", limit: int = 10, redact: tuple[str, ...] = (),
            output_file: Path, wait_timeout: float = 300.0) -> CommandResult[Capture]:
    """Turn finished executions into a test case file: the input, each task's outcomes in
    order (retries included, sub-workflows followed), the status, output and path.

    Secret values of the environment become their @{NAME} placeholders and --redact keys
    are replaced; each case lists where under `redacted`.

    :param config_dir: the directory whose workflows the executions ran.
    :param execution_ids: the finished executions to capture.
    :param search: also capture what the server's search finds for this query.
    :param limit: at most this many executions found by ``search``.
    :param redact: keys whose values are replaced wherever they appear.
    :param output_file: the test file to write (``.yaml``, ``.yml`` or ``.json``).
    :param wait_timeout: seconds to wait for a server that is still starting.
    :returns: the captured cases, written to ``output_file``.
    """
    from workflow_migrator._capture import capture_executions, capture_text

    reporter = session.reporter
    try:
        name = output_file.resolve().relative_to(config_dir.resolve()).as_posix()
    except ValueError:
        name = output_file.as_posix()
    with session.client() as client:
        client.wait_until_ready(wait_timeout, on_wait=reporter.log)
        captured = capture_executions(config_dir, client, execution_ids=execution_ids,
                                      search=search, limit=limit, redact=redact,
                                      app_env=session.app_env, output_name=name,
                                      reporter=reporter)
    session.write_file(output_file, capture_text(captured, output_file.suffix))
    reporter.result(f"Wrote {len(captured.execution_ids)} case(s) to {output_file}.")
    for where in captured.redacted:
        reporter.result(f"Redacted {where}")
    return CommandResult(captured)
