"""An upgrade report (``upgrade-check``) as text, as JSON versioned like a plan's
(``format_version``), and as Markdown for a pull request or an upgrade ticket."""

from __future__ import annotations

import dataclasses
from typing import Any

from workflow_migrator._upgrade import FORMAT_VERSION, KINDS, UpgradeReport


def report_text(report: UpgradeReport) -> str:
    lines = [f"Upgrade check: from {report.source.title} to {report.destination.title}", ""]
    for changes in report.definitions:
        lines.append(f"{changes.file}: {changes.label}")
        lines.extend(f"  {d.path or '(root)'}: {d.message} ({d.kind})"
                     for d in changes.differences)
        lines.append("")
    if not report.definitions:
        lines.append("Nothing behaves differently.")
    lines.append(report.summary())
    return "\n".join(lines)


def report_document(report: UpgradeReport) -> dict[str, Any]:
    """The report as JSON, versioned like a plan's (``format_version``)."""
    return {
        "format_version": FORMAT_VERSION,
        "from": report.source.name,
        "to": report.destination.name,
        "definitions": [{"file": c.file, "definition": c.label, "differences": [
            dataclasses.asdict(d) for d in c.differences]} for c in report.definitions],
        "summary": {"checked": report.checked, "changed": len(report.definitions),
                    "differences": report.count},
    }


def report_markdown(report: UpgradeReport) -> str:
    """A document for a pull request or an upgrade ticket."""
    lines = [f"## Upgrade check: {report.source.name} → {report.destination.name}", "",
             report.summary(), ""]
    if report.definitions:
        lines += ["| definition | where | what changes | kind |", "|---|---|---|---|"]
        for changes in report.definitions:
            for d in changes.differences:
                lines.append(f"| `{changes.file}` {_cell(changes.label)} | `{d.path}` | "
                             f"{_cell(d.message)} | {d.kind} |")
        lines += ["", "Kinds: " + "; ".join(f"**{kind}**: {text}"
                                            for kind, text in KINDS.items()) + "."]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_upgrade(report: UpgradeReport, output_format: str = "text") -> str | dict[str, Any]:
    """``upgrade-check --format``: text, JSON or Markdown."""
    if output_format == "json":
        return report_document(report)
    if output_format == "markdown":
        return report_markdown(report)
    return report_text(report)
