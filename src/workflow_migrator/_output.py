"""Where the migrator's messages go: readable lines on a terminal, one JSON object per
line elsewhere (a Kubernetes Job), always with APP_ENV and never a secret value.

Everything the migrator writes passes through one ``Reporter``: results on stdout,
logs and errors on stderr, and (inside ``Reporter.capture``) whatever anything else
would print. The reporter knows the secret values (those marked ``secret`` in
``environments/<APP_ENV>.yaml``, and the credentials of the settings) and replaces each
with ``***`` wherever it occurs: in a longer string, as a number, JSON-escaped, in the
server's own error messages quoted back. Only what is written is masked; the values
sent to the server and compared in the plan are the real ones.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, Literal

from workflow_migrator._views.plan import (
    MASK,
    findings_text,
    plan_text,
    secrets_pattern,
    summary_line,
)

# Every command makes a reporter, `--help` too: what only showing a plan needs (the plan,
# the comparison, the Markdown view and the rules they import) loads when one is shown.
if TYPE_CHECKING:
    from workflow_migrator._compare import FieldChange
    from workflow_migrator._findings import Finding
    from workflow_migrator._plan import Change, Plan

LogFormat = Literal["auto", "text", "json"]
#: Colours of the plan's gutter symbols, on a terminal only (rich drops them elsewhere).
GUTTER_STYLES = {"+": "green", "~": "yellow", "-": "red", "E": "bold red", "K": "cyan"}


class Reporter:
    """Writes the run's output: results meant for a pipe to ``out``, logs to ``err``."""

    def __init__(self, app_env: str = "", log_format: LogFormat = "auto",
                 secrets: Iterable[str] = (), out: IO[str] | None = None,
                 err: IO[str] | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.app_env = app_env
        self.secrets: frozenset[str] = frozenset()
        self._secret_pattern: re.Pattern[str] | None = None
        self.add_secrets(secrets)
        self.json = False
        self.configure(log_format=log_format)

    def configure(self, *, app_env: str | None = None, log_format: LogFormat | None = None) -> None:
        """Sets the environment's name and the log format, once a command knows them."""
        if app_env is not None:
            self.app_env = app_env
        if log_format is not None:
            is_terminal = getattr(self.err, "isatty", lambda: False)()
            self.json = log_format == "json" or (log_format == "auto" and not is_terminal)

    def add_secrets(self, secrets: Iterable[str]) -> None:
        """Values to mask from now on (empty ones are ignored)."""
        self.secrets = self.secrets | frozenset(str(s) for s in secrets if str(s))
        self._secret_pattern = secrets_pattern(self.secrets)

    def mask(self, text: str) -> str:
        return self._secret_pattern.sub(MASK, text) if self._secret_pattern else text

    def masked(self, value: Any) -> Any:
        """A JSON-like value with every secret masked: in strings and keys wherever it
        occurs, and a number whose digits hold one becomes a masked string."""
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {self.mask(str(k)): self.masked(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.masked(v) for v in value]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = json.dumps(value)
            return value if self.mask(text) == text else self.mask(text)
        return value

    def result(self, text: str) -> None:
        """The command's own output (a plan, findings): stdout, masked, coloured on a terminal."""
        masked = self.mask(text)
        if not getattr(self.out, "isatty", lambda: False)():
            # A pipe or a file gets the plain text, without loading rich, which costs more
            # to import than a short command takes to run.
            self.out.write(masked + ("\n" if masked and not masked.endswith("\n") else ""))
            self.out.flush()
            return
        from rich.console import Console
        from rich.text import Text

        console = Console(file=self.out, highlight=False, soft_wrap=True, emoji=False)
        for line in masked.splitlines():
            console.print(Text(line, style=GUTTER_STYLES.get(line.lstrip()[:1], "")))
        self.out.flush()

    def result_json(self, document: Any) -> None:
        """A JSON document as the command's output: stdout, masked, still valid JSON."""
        self.out.write(self.mask(json.dumps(self.masked(document), indent=2)) + "\n")
        self.out.flush()

    def log(self, message: str, level: str = "info", **fields: Any) -> None:
        if self.json:
            record = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": level,
                      "app_env": self.app_env, "message": message, **fields}
            line = self.mask(json.dumps(self.masked(record), default=str))
        else:
            prefix = f"[{self.app_env}] " if self.app_env else ""
            line = self.mask(f"{prefix}{level}: {message}" if level != "info"
                             else f"{prefix}{message}")
        print(line, file=self.err, flush=True)

    def error(self, message: str, **fields: Any) -> None:
        """An error that ends the command: ``Error: ...`` on a terminal, level error in JSON."""
        if self.json:
            self.log(message, level="error", **fields)
        else:
            prefix = f"[{self.app_env}] " if self.app_env else ""
            print(self.mask(f"{prefix}Error: {message}"), file=self.err, flush=True)

    def findings(self, findings: list[Finding]) -> None:
        """Findings on stderr, as the reason a command stops: a block of text, or one
        JSON object per finding."""
        if not self.json:
            print(self.mask(findings_text(findings)), file=self.err, flush=True)
            return
        for finding in findings:
            self.log(f"{finding.location}: {finding.message} [{finding.rule}]",
                     level=finding.severity, event="finding", file=finding.file,
                     path=finding.path, rule=finding.rule)

    def show_plan(self, plan: Plan, output_format: str = "text", title: str = "") -> None:
        """The plan as a command's result: text with a gutter, the JSON document, or the
        Markdown review document titled ``title``."""
        shown = self._without_previous_secrets(plan)
        if output_format == "json":
            self.result_json(shown.to_dict())
        elif output_format == "markdown":
            from workflow_migrator._views.plan_markdown import plan_markdown

            self.result(plan_markdown(shown, secrets=self.secrets, title=title))
        else:
            self.result(plan_text(shown))

    def _without_previous_secrets(self, plan: Plan) -> Plan:
        """A field whose desired value holds a secret shows its live value as ``***`` too:
        that is most likely the secret's previous value (a rotated token), which the
        directory no longer names, so masking by value alone would miss it."""
        def field(change: FieldChange) -> FieldChange:
            if change.before is not None and change.after is not None and \
                    self.masked(change.after) != change.after:
                return dataclasses.replace(change, before=MASK, after=self.masked(change.after))
            return change

        return dataclasses.replace(plan, changes=tuple(
            dataclasses.replace(c, fields=tuple(field(f) for f in c.fields)) if c.fields else c
            for c in plan.changes))

    def plan(self, plan: Plan) -> None:
        """Shows the plan about to be applied: text on a terminal; in JSON (a CI job, a
        Kubernetes Job) one line per change, with the paths of the fields it changes
        (paths only: a value may be a secret's), then the totals."""
        if not self.json:
            self.show_plan(plan)
            return
        for change in plan.changes:
            if change.action == "unchanged":
                continue
            paths = _field_paths(change)
            self.log(f"{change.address}: {change.action} ({change.reason})"
                     + (f": {', '.join(paths)}" if paths else ""),
                     event="planned", reason=change.reason, source=change.source,
                     **_change_fields(change))
        for conflict in plan.conflicts:
            self.log(conflict, level="error", event="conflict")
        from workflow_migrator._plan import ACTIONS

        counts: dict[str, Any] = {action: plan.count(action) for action in ACTIONS}
        self.log(summary_line(plan), event="plan", **counts)

    def applied(self, change: Change) -> None:
        self.log(f"{change.address}: {change.action}d", event="applied", **_change_fields(change))

    @contextlib.contextmanager
    def capture(self) -> Iterator[None]:
        """Routes whatever else writes to sys.stdout or sys.stderr meanwhile (a library's
        message, click's help, a Python warning) through this reporter: masked, and on
        stderr one JSON object per line under JSON logging."""
        stdout, stderr = _LineStream(self._stray_out), _LineStream(self._stray_err)
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                yield
        finally:
            stdout.flush()
            stderr.flush()

    def _stray_out(self, line: str) -> None:
        self.out.write(self.mask(line) + "\n")
        self.out.flush()

    def _stray_err(self, line: str) -> None:
        if self.json:
            self.log(line, level="warning", event="output")
        else:
            print(self.mask(line), file=self.err, flush=True)


def _field_paths(change: Change) -> list[str]:
    return [f.path for f in change.fields]


def _change_fields(change: Change) -> dict[str, Any]:
    """What a JSON log line says of a change: enough for a Job's log to tell what changed."""
    return {"kind": change.kind, "name": change.name, "version": change.version,
            "action": change.action, "definition": change.address,
            "fields": _field_paths(change)}


class _LineStream(io.TextIOBase):
    """A text stream that hands each complete line to ``write_line``."""

    encoding = "utf-8"

    def __init__(self, write_line: Callable[[str], None]) -> None:
        super().__init__()
        self._write_line = write_line
        self._pending = ""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            self._write_line(line)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, ""
            self._write_line(pending)
