"""``schema``: the JSON Schemas of the files a config directory holds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workflow_migrator._commands.options import DIRECTORY, option
from workflow_migrator._commands.result import CommandResult

if TYPE_CHECKING:
    from workflow_migrator._commands.session import Session

OPTIONS = {
    "output_dir": option("--output", type=DIRECTORY, show_default=True,
                         help="Directory to write the JSON Schema files into."),
}


def schema(session: Session, *, output_dir: Path = Path("schemas")) -> CommandResult[list[Path]]:
    """Write JSON Schemas for task, workflow, event handler, workflow test and project files.

    :param output_dir: the directory to write them into.
    :returns: the files written.
    """
    from workflow_migrator._schema import write_schemas

    written = list(write_schemas(output_dir))
    for path in written:
        session.reporter.result(f"Wrote {path}")
    return CommandResult(written)
