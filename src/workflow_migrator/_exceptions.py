"""The migrator's exceptions. Catch at the level you can act on:

    MigratorError
    ├── DefinitionError         the directory's definitions are invalid (carries the findings)
    ├── UnsafeChangeError       the plan would overwrite a version running workflows may use
    └── ConductorError          the server failed to do what was asked
        ├── ServerUnavailableError  unreachable, timing out or answering 5xx after every retry
        └── ServerRejectedError     answered 4xx, or refused items of a bulk request

Third-party errors (httpx, PyYAML) are translated once, where they are raised,
with ``raise ... from exc``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflow_migrator._findings import Finding


class MigratorError(Exception):
    """Base of every error the migrator raises on purpose."""


class DefinitionError(MigratorError):
    """One or more definitions are invalid; nothing was written."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        errors = [f for f in findings if f.severity == "error"]
        first = errors[0] if errors else findings[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{first.location}: {first.message}{more}")


class UnsafeChangeError(MigratorError):
    """The plan would change a workflow version in place; nothing was written."""


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
    """The server refused the request (4xx), or some items of a bulk request."""
