"""Findings as text (a line each, then the totals) and as ``validate --format json``'s
document."""

from __future__ import annotations

from workflow_migrator._findings import Finding


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
