"""Workflow test results as text for people, as pytest shows them: a line per case,
then each failure in detail, then the totals. Prints nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from workflow_migrator._workflow_run import CaseResult


def case_line(result: CaseResult) -> str:
    verdict = "PASSED" if result.passed else "FAILED"
    return f"{result.case.id} {verdict} ({result.duration:.1f}s)"


def execution_link(result: CaseResult, ui_url: str = "") -> str:
    if not result.workflow_id:
        return "(not started)"
    if ui_url:
        return f"{ui_url.rstrip('/')}/execution/{result.workflow_id}"
    return f"workflow id {result.workflow_id}"


def failure_text(result: CaseResult, ui_url: str = "") -> str:
    """What went wrong in one case: each expectation it missed (expected and actual),
    the path it took and where that parted from the expected one, where it was stuck."""
    lines = [f"workflow {result.case.workflow.name}, execution: {execution_link(result, ui_url)}"]
    if result.error:
        lines.append(f"error: {result.error}")
    if result.stuck:
        lines.append("stuck at: " + ", ".join(result.stuck))
    for mismatch in result.mismatches:
        if mismatch.what == "path":
            lines.append(f"path: {mismatch.note}")
            lines.append(f"  expected: {_show(mismatch.expected)}")
            lines.append(f"  actual:   {_show(mismatch.actual)}")
            continue
        lines.append(f"{mismatch.what}: {mismatch.note}" if mismatch.note else
                     f"{mismatch.what}:")
        lines.append(f"  expected: {_show(mismatch.expected)}")
        lines.append(f"  actual:   {_show(mismatch.actual)}")
    if result.workflow_id:
        lines.append(f"status: {result.status or 'unknown'}; path taken: "
                     f"{' -> '.join(result.path) or '(no task ran)'}")
    return "\n".join(lines)


def results_text(results: Sequence[CaseResult], ui_url: str = "", elapsed: float = 0.0) -> str:
    """The whole report: failures in detail, then one summary line."""
    lines: list[str] = []
    failed = [r for r in results if not r.passed]
    if failed:
        lines.append(_banner("FAILURES"))
        for result in failed:
            lines.append(_banner(result.case.id, "_"))
            lines.append(failure_text(result, ui_url))
    passed = len(results) - len(failed)
    counts = ", ".join(part for part in (f"{len(failed)} failed" if failed else "",
                                         f"{passed} passed" if passed else "") if part)
    lines.append(_banner(f"{counts or 'no cases ran'} in {elapsed:.1f}s"))
    return "\n".join(lines)


def _banner(text: str, fill: str = "=", width: int = 78) -> str:
    return f" {text} ".center(width, fill)


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
