"""Where the migrator's messages go: readable lines on a terminal, one JSON object per
line elsewhere (a Kubernetes Job), always with APP_ENV and never a secret value."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from typing import IO, Any, Literal

from rich.console import Console
from rich.text import Text

from workflow_migrator._plan import Change, Plan
from workflow_migrator._render import mask, plan_text

LogFormat = Literal["auto", "text", "json"]
#: Colours of the plan's gutter symbols, on a terminal only (rich drops them elsewhere).
GUTTER_STYLES = {"+": "green", "~": "yellow", "-": "red", "E": "bold red", "K": "cyan"}


class Reporter:
    """Writes the run's progress; results meant for a pipe go to ``out``, logs to ``err``."""

    def __init__(self, app_env: str = "", log_format: LogFormat = "auto",
                 secrets: Iterable[str] = (), out: IO[str] | None = None,
                 err: IO[str] | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.app_env = app_env
        self.secrets = frozenset(secrets)
        is_terminal = getattr(self.err, "isatty", lambda: False)()
        self.json = log_format == "json" or (log_format == "auto" and not is_terminal)

    def add_secrets(self, secrets: Iterable[str]) -> None:
        self.secrets = self.secrets | frozenset(secrets)

    def result(self, text: str) -> None:
        """The command's own output (a plan, findings): stdout, masked, coloured on a terminal."""
        console = Console(file=self.out, highlight=False, soft_wrap=True, emoji=False)
        for line in mask(text, self.secrets).splitlines():
            console.print(Text(line, style=GUTTER_STYLES.get(line.lstrip()[:1], "")))
        self.out.flush()

    def log(self, message: str, level: str = "info", **fields: Any) -> None:
        message = mask(message, self.secrets)
        if self.json:
            record = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": level,
                      "app_env": self.app_env, "message": message, **fields}
            print(mask(json.dumps(record, default=str), self.secrets), file=self.err, flush=True)
        else:
            prefix = f"[{self.app_env}] " if self.app_env else ""
            print(f"{prefix}{level}: {message}" if level != "info" else f"{prefix}{message}",
                  file=self.err, flush=True)

    def plan(self, plan: Plan) -> None:
        """Shows the plan about to be applied: text on a terminal, one line per change in JSON."""
        if not self.json:
            self.result(plan_text(plan))
            return
        for change in plan.changes:
            self.log(f"{change.address}: {change.action} ({change.reason})", event="planned",
                     action=change.action, definition=change.address, source=change.source)
        for conflict in plan.conflicts:
            self.log(conflict, level="error", event="conflict")

    def applied(self, change: Change) -> None:
        self.log(f"{change.address}: {change.action}d", event="applied", action=change.action,
                 definition=change.address)
