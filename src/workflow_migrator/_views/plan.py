"""Turns plans and findings into text for people and JSON for machines; prints nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

# For type checkers only: the reporter masks through this module on every command, and
# the plan's module (with the rules it imports) costs more than `--help` takes to run.
if TYPE_CHECKING:
    from workflow_migrator._findings import Finding
    from workflow_migrator._plan import Change, Plan


#: What a secret value, or whatever sits at a secret path, is shown as.
MASK = "***"


def secret_forms(secret: str) -> set[str]:
    """The ways ``secret`` can appear in what is written: as it is, and JSON-escaped
    (with and without non-ASCII escapes), as the plan's field values are shown."""
    return {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of every secret value replaced by ``***``."""
    pattern = secrets_pattern(frozenset(secrets))
    return pattern.sub(MASK, text) if pattern else text


def secrets_pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    forms = {form for secret in secrets if secret for form in secret_forms(secret)}
    if not forms:
        return None
    # Longest first, so a secret inside another secret never leaves part of the longer one.
    return re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))


SYMBOLS = {"create": "+", "update": "~", "delete": "-", "unchanged": " "}
VERBS = {"create": "will be created", "update": "will be updated in place",
         "delete": "will be deleted", "unchanged": "is unchanged"}
LEGEND = {"create": "+ create", "update": "~ update in place", "delete": "- delete"}


def plan_text(plan: Plan, *, show_unchanged: bool = False) -> str:
    """The plan as a person reads it: legend, one block per change, then the totals."""
    lines: list[str] = []
    used = [a for a in ("create", "update", "delete") if plan.count(a)]
    if used:
        lines.append("Actions are shown with these symbols:")
        lines.extend(f"  {LEGEND[a]}" for a in used)
        lines.append("")
    for change in plan.changes:
        if change.action == "unchanged" and not show_unchanged:
            continue
        lines.extend(_change_block(change))
    for conflict in plan.conflicts:
        lines.append(f"Error: {conflict}")
    for note in plan.retained:
        lines.append(f"Kept: {note}")
    if plan.risk:
        lines.extend(plan.risk.lines())
    if not plan.has_changes and not plan.conflicts:
        lines.append(f"No changes. The server matches the configuration "
                     f"({plan.count('unchanged')} definitions unchanged).")
    else:
        lines.append(summary_line(plan))
    return "\n".join(lines)


def summary_line(plan: Plan) -> str:
    return (f"Plan: {plan.count('create')} to add, {plan.count('update')} to change, "
            f"{plan.count('delete')} to delete, {plan.count('unchanged')} unchanged.")


def _change_block(change: Change) -> list[str]:
    header = f"{SYMBOLS[change.action]} {change.address} {VERBS[change.action]}"
    detail = f"    # {change.reason}" + (f" ({change.source})" if change.source else "")
    block = [header, detail]
    block.extend(f"    {f.symbol} {f.path}: {_field_value(f.before, f.after)}"
                 for f in change.fields)
    block.extend(f"    # {note}" for note in change.notes)
    block.append("")
    return block


def _field_value(before: Any, after: Any) -> str:
    if before is None:
        return _short(after)
    if after is None:
        return _short(before)
    return f"{_short(before)} -> {_short(after)}"


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plan_json(plan: Plan) -> str:
    return json.dumps(plan.to_dict(), indent=2, sort_keys=False)


def findings_text(findings: list[Finding]) -> str:
    lines = [f"{f.severity}: {f.location}: {f.message} [{f.rule}]" for f in findings]
    errors = sum(1 for f in findings if f.severity == "error")
    lines.append(f"{errors} error(s), {len(findings) - errors} warning(s).")
    return "\n".join(lines)


def findings_document(findings: list[Finding]) -> list[dict[str, str]]:
    """The findings as ``validate --format json`` prints them."""
    return [f.as_dict() for f in findings]
