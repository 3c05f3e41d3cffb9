"""``validate``: check every definition, report every problem, write nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workflow_migrator._commands.options import formats, option
from workflow_migrator._commands.result import EXIT_ERROR, EXIT_OK, CommandResult

if TYPE_CHECKING:
    from workflow_migrator._commands.session import Session
    from workflow_migrator._findings import Finding

OPTIONS = {
    "output_format": formats("text", "json", "sarif",
                             help="sarif: SARIF 2.1.0 for code scanning, each finding at its "
                                  "file, line and column."),
    "docs_url": option("--docs-url", metavar="URL",
                       help="With --format sarif: the URL of docs/validation.md, so that each "
                            "rule links to its description."),
    "strict": option("--strict", is_flag=True, help="Fail on warnings too."),
    "server": option("--server", is_flag=True,
                     help="Also ask the server at CONDUCTOR_BASE_URL: its verdict on each "
                          "workflow (nothing is written), and whether sub-workflows and tasks "
                          "exist there."),
}


def validate(session: Session, *, config_dir: Path, output_format: str = "text",
             docs_url: str = "", strict: bool = False, server: bool = False,
             target: str | None = None,
             wait_timeout: float = 300.0) -> CommandResult[list[Finding]]:
    """Check every definition, report every problem, write nothing.

    :param config_dir: the directory holding ``tasks/``, ``workflows/``, ``event-handlers/``.
    :param output_format: ``text``, ``json`` or ``sarif``.
    :param docs_url: with ``sarif``, the URL of docs/validation.md, for rule links.
    :param strict: warnings fail too.
    :param server: also ask the server (its verdict; what exists there).
    :param target: the server generation the definitions are for.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :returns: the findings; exit 1 when one fails (an error, or with strict a warning).
    """
    from workflow_migrator._pipeline import validate_directory, validate_with_server
    from workflow_migrator._views.findings import render_findings

    reporter = session.reporter
    if server:
        with session.client() as client:
            definitions, findings = validate_with_server(
                config_dir, client, app_env=session.app_env, wait_timeout=wait_timeout,
                reporter=reporter, target=target)
    else:
        definitions, findings = validate_directory(config_dir, session.app_env,
                                                   reporter=reporter, target=target)
    reporter.show(render_findings(findings, output_format, config_dir=config_dir,
                                  definitions=definitions, docs_url=docs_url, strict=strict))
    failing = {"error", "warning"} if strict else {"error"}
    return CommandResult(findings, EXIT_ERROR if any(f.severity in failing for f in findings)
                         else EXIT_OK)
