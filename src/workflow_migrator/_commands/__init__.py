"""The migrator's commands: one module per command, each a plain typed function.

Every command takes a ``Session`` (the reporter it writes through, and the settings,
read from the environment when the command first needs them) and its own options as
keyword arguments, and returns a ``CommandResult``: the value it produced (a plan, the
findings, a status, test results, an export's summary...) and the exit code it means.
The views (``_views``) decide how each result looks; the steps over a server are
``_pipeline``'s. Programs and tests call these functions directly; the
``workflow-migrator`` command (``_cli.py``) is built from them, as alembic builds its
command line from ``alembic.command``: each function's signature gives its options'
names and defaults, its docstring the help, and the option table (``options.py``, and
an ``OPTIONS`` next to each function for what is its own) the flags and their help.
"""

from __future__ import annotations

#: The commands of the ``workflow-migrator`` command: its name -> the module (of this
#: package) whose function of that name runs it. ``capture`` is a subcommand of ``test``
#: (``test capture``).
COMMANDS = {
    "plan": "plan",
    "deploy": "deploy",
    "status": "status",
    "diff": "diff",
    "test": "test",
    "upgrade-check": "upgrade_check",
    "validate": "validate",
    "schema": "schema",
    "export": "export",
}
SUBCOMMANDS = {"test": {"capture": "capture"}}
