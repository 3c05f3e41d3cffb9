"""The command line's options that several commands share, each stated once: its flags,
its type and its help. A command's own options sit next to its function, in its
module's ``OPTIONS``; an option's default is always its parameter's default in the
function's signature (``_cli.py`` builds the command line from both)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from workflow_migrator._targets import TARGET_NAMES


class Option:
    """One option of the command line: its flags, its help, and what else ``click.option``
    takes (type, metavar, ``multiple``, ``is_flag``, ``show_default``); never a default.
    (A plain class: ``--help`` builds dozens, and a dataclass costs start-up time.)"""

    __slots__ = ("flags", "help", "settings")

    def __init__(self, flags: tuple[str, ...], help: str = "",  # noqa: A002 - click's name
                 settings: dict[str, Any] | None = None) -> None:
        self.flags = flags
        self.help = help
        self.settings = settings or {}


def option(*flags: str, help: str = "", **settings: Any) -> Option:  # noqa: A002 - click's name
    return Option(flags, help, settings)


def formats(*names: str, help: str = "") -> Option:  # noqa: A002
    """``--format``, one of ``names``."""
    return option("--format", type=click.Choice(names), show_default=True, help=help)


class _Duration(click.ParamType[float]):
    """Seconds, as ``600``, ``90s``, ``10m`` or ``1h``."""

    name = "duration"
    UNITS = {"s": 1, "m": 60, "h": 3600}

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().lower()
        unit = self.UNITS.get(text[-1:], 0)
        try:
            seconds = float(text[:-1] if unit else text) * (unit or 1)
        except ValueError:
            seconds = -1
        if seconds < 0:
            self.fail(f"{value!r} is not a duration such as 90s, 10m or 1h", param, ctx)
        return seconds


DURATION = _Duration()
DIRECTORY = click.Path(path_type=Path, file_okay=False)
FILE = click.Path(path_type=Path, dir_okay=False)

#: The options several commands share, by the name of the parameter they fill.
SHARED = {
    "config_dir": option(
        "--config-dir", type=DIRECTORY,
        help="Directory holding tasks/, workflows/, event-handlers/ (and environments/)."),
    "target": option(
        "--target", type=click.Choice(TARGET_NAMES),
        help="The Conductor generation the definitions are for: which evaluators, keys and "
             "checks apply (default: 'target' of DIR/workflow-migrator.yaml, else "
             "conductor-3.15, production's)."),
    "wait_timeout": option(
        "--wait-timeout", type=float, show_default=True,
        help="Seconds to wait for a server that is still starting."),
    "prune": option(
        "--prune", is_flag=True, help="Delete definitions the directory no longer defines "
        "(never a workflow version with running executions)."),
    "keep": option("--keep", multiple=True, metavar="PATTERN",
                   help="With --prune, never delete names matching this glob (repeatable)."),
    "allow_mass_prune": option(
        "--allow-mass-prune", is_flag=True,
        help="With --prune, allow deleting all of a kind the server holds, or more than "
             "half of it (refused otherwise)."),
    "allow_overwrite": option("--allow-overwrite", is_flag=True,
                              help="Change an existing explicit workflow version in place."),
}
#: Every command's last option: how its log lines look (the reporter's, not the function's).
LOG_FORMAT = option(
    "--log-format", type=click.Choice(["auto", "text", "json"]), show_default=True,
    help="Log lines as text, or one JSON object per line; auto picks text on a terminal.")
