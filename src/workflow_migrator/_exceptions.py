"""The migrator's exceptions. Catch at the level you can act on:

    MigratorError
    ├── DefinitionError         the directory's definitions are invalid (carries the findings)
    ├── UnsafeChangeError       the plan would overwrite a version running workflows may use
    ├── TargetMismatchError     deploy: the server is not of the generation the directory targets
    ├── InvalidURLError         the server's URL is malformed (no scheme, a bad port, a blank)
    └── ConductorError          the server failed to do what was asked
        ├── ServerUnavailableError  unreachable, timing out or answering 5xx after every retry
        ├── ServerRejectedError     answered 4xx, or refused items of a bulk request
        ├── UnexpectedAnswerError   answered, but not the JSON of the shape expected
        └── WritesFailedError       some of a step's independent writes failed, the others
                                    were made (carries each failure)

Third-party errors (httpx, PyYAML) are translated once, where they are raised,
with ``raise ... from exc``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflow_migrator._findings import Finding


class MigratorError(Exception):
    """Base of every error the migrator raises on purpose."""


def _first_of(problems: list[str]) -> str:
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return problems[0] + more


class DefinitionError(MigratorError):
    """One or more definitions are invalid; nothing was written."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        errors = [f for f in findings if f.severity == "error"] or findings
        super().__init__(_first_of([f"{f.location}: {f.message}" for f in errors]))


class TargetMismatchError(MigratorError):
    """``deploy`` to a server of another generation than the directory's target (without
    ``--allow-target-mismatch``); nothing was written."""


class UnsafeChangeError(MigratorError):
    """The plan would change a workflow version in place; nothing was written."""

    def __init__(self, conflicts: list[str]) -> None:
        self.conflicts = conflicts
        super().__init__(_first_of(conflicts))


class InvalidURLError(MigratorError):
    """The server's URL cannot be a server's address; nothing was sent."""


class ConductorError(MigratorError):
    """The Conductor server did not do what was asked."""

    def __init__(self, message: str, *, method: str = "", url: str = "", status: int | None = None):
        self.method = method
        self.url = url
        self.status = status
        where = f"{method} {url}".strip()
        status_text = f" -> {status}" if status is not None else ""
        super().__init__(f"{where}{status_text}: {message}" if where else message)


class ServerUnavailableError(ConductorError):
    """The server could not be reached, timed out, or kept answering 5xx."""


class ServerRejectedError(ConductorError):
    """The server refused the request (4xx), or some items of a bulk request;
    ``messages`` holds its validation messages, one per problem."""

    def __init__(self, message: str, *, messages: list[str] | None = None, method: str = "",
                 url: str = "", status: int | None = None):
        super().__init__(message, method=method, url=url, status=status)
        self.messages = messages or [message]


class WritesFailedError(ConductorError):
    """Some writes of a step that sends its definitions in several requests failed;
    every other one was made. ``failures`` holds each failed definition's error, in the
    plan's order; ``done`` says how many were written. The next deploy plans again from
    the server and retries them."""

    def __init__(self, what: str, failures: list[tuple[str, ConductorError]], done: int):
        self.failures = failures
        self.done = done
        total = len(failures) + done
        # A batch that fails fails each of its items with one error: said once, for all.
        grouped: dict[str, list[str]] = {}
        for where, error in failures:
            grouped.setdefault(str(error), []).append(where)
        details = "; ".join(f"{', '.join(wheres)}: {error}" for error, wheres in grouped.items())
        super().__init__(f"{len(failures)} of {total} {what} failed, the other {done} were "
                         f"written (the next deploy retries the rest): {details}")


class UnexpectedAnswerError(ConductorError):
    """The server answered, but not what the request must get back: JSON of another
    shape, an HTML page, an empty or cut-short body. The message says what was expected
    and what came, in one line."""
