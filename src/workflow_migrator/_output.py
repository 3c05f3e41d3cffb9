"""Where the migrator's messages go: readable lines on a terminal, one JSON object per
line elsewhere (a Kubernetes Job), always with APP_ENV and never a secret value.

Everything the migrator writes passes through one ``Reporter``: results on stdout,
logs and errors on stderr, and (inside ``Reporter.capture``) whatever anything else
would print. The reporter knows the secret values (those marked ``secret`` in
``environments/<APP_ENV>.yaml``, and the credentials of the settings) and replaces each
with ``***`` wherever it occurs: in a longer string, as a number, JSON-escaped, in the
server's own error messages quoted back. Only what is written is masked; the values
sent to the server and compared in the plan are the real ones. The reporter writes and
masks (through ``_mask.masked``, the one masking function) and formats nothing: how a
result looks is a view's (``_views``). A ``NullReporter`` writes nothing, for a step
called without a reporter.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, Literal

from workflow_migrator._mask import masked

# Every command makes a reporter, `--help` too: the views (and the plan's module they
# need) load when a plan or findings are shown.
if TYPE_CHECKING:
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

    def mask(self, value: Any) -> Any:
        """``value`` (text, or a JSON-like value) with every secret masked (``_mask``)."""
        return masked(value, self.secrets)

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
        self.out.write(self.mask(json.dumps(self.mask(document), indent=2)) + "\n")
        self.out.flush()

    def log(self, message: str, level: str = "info", **fields: Any) -> None:
        if self.json:
            record = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": level,
                      "app_env": self.app_env, "message": message, **fields}
            line = self.mask(json.dumps(self.mask(record), default=str))
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

    def show(self, rendered: str | dict[str, Any] | list[Any]) -> None:
        """A view's output as the command's result: text as it is, a document as JSON."""
        if isinstance(rendered, str):
            self.result(rendered)
        else:
            self.result_json(rendered)

    def findings(self, findings: list[Finding]) -> None:
        """Findings on stderr, as the reason a command stops: a block of text, or one
        JSON object per finding."""
        from workflow_migrator._views.findings import finding_records, findings_text

        if not self.json:
            print(self.mask(findings_text(findings)), file=self.err, flush=True)
            return
        for level, message, fields in finding_records(findings):
            self.log(message, level=level, **fields)

    def plan(self, plan: Plan) -> None:
        """Shows the plan about to be applied: text on a terminal; in JSON (a CI job, a
        Kubernetes Job) one line per change, then the totals."""
        from workflow_migrator._views.plan import plan_records, render_plan

        if not self.json:
            self.show(render_plan(plan, secrets=self.secrets))
            return
        for level, message, fields in plan_records(plan):
            self.log(message, level=level, **fields)

    def applied(self, change: Change) -> None:
        from workflow_migrator._views.plan import applied_record

        message, fields = applied_record(change)
        self.log(message, **fields)

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


class NullReporter(Reporter):
    """A reporter that writes nothing: what a command called from a program gets when it
    is given none, so that no command asks whether it has a reporter. It still learns
    the secret values, for what a command writes to a file through it."""

    def __init__(self) -> None:
        super().__init__(out=io.StringIO(), err=io.StringIO())

    def result(self, text: str) -> None:
        pass

    def result_json(self, document: Any) -> None:
        pass

    def log(self, message: str, level: str = "info", **fields: Any) -> None:
        pass

    def error(self, message: str, **fields: Any) -> None:
        pass

    def findings(self, findings: list[Finding]) -> None:
        pass

    def plan(self, plan: Plan) -> None:
        pass

    def applied(self, change: Change) -> None:
        pass


#: The reporter of a step called without one (a command's ``Session`` makes its own).
NULL_REPORTER = NullReporter()
