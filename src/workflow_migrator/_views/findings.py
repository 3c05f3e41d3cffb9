"""Findings as text (a line each, then the totals), as ``validate --format json``'s
document, as JSON log lines, and (``findings_sarif``) as SARIF; ``render_findings``
chooses by ``--format``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflow_migrator._findings import Finding
    from workflow_migrator._models import Definition


def findings_text(findings: list[Finding]) -> str:
    lines = [f"{f.severity}: {f.location}: {f.message} [{f.rule}]" for f in findings]
    errors = sum(1 for f in findings if f.severity == "error")
    lines.append(f"{errors} error(s), {len(findings) - errors} warning(s).")
    return "\n".join(lines)


def findings_document(findings: list[Finding]) -> list[dict[str, str]]:
    """The findings as ``validate --format json`` prints them."""
    return [f.as_dict() for f in findings]


def finding_records(findings: list[Finding]) -> list[tuple[str, str, dict[str, str]]]:
    """The findings as JSON log lines (level, message, fields), one each."""
    return [(f.severity, f"{f.location}: {f.message} [{f.rule}]",
             {"event": "finding", "file": f.file, "path": f.path, "rule": f.rule})
            for f in findings]


def render_findings(findings: list[Finding], output_format: str = "text", *,
                    config_dir: Path, definitions: Iterable[Definition], docs_url: str = "",
                    strict: bool = False) -> str | dict[str, Any] | list[dict[str, str]]:
    """The findings as ``validate --format`` shows them: text, JSON or SARIF (whose
    locations need the directory and its definitions)."""
    if output_format == "sarif":
        from workflow_migrator._record import tool_version
        from workflow_migrator._views.findings_sarif import findings_sarif

        return findings_sarif(findings, config_dir=config_dir,
                              definitions=definitions, docs_url=docs_url,
                              tool_version=tool_version(), strict=strict)
    if output_format == "json":
        return findings_document(findings)
    return findings_text(findings) if findings else "All definitions are valid."
