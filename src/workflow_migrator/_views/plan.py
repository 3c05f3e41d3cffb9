"""A plan (``plan``, ``deploy``, ``diff``, ``status``) as text for people (a ``+ ~ -``
gutter, a legend and the totals), as the JSON document, as JSON log lines (a change
each, for a Job's log), and as the Markdown review document (``plan_markdown``);
``render_plan`` chooses among them by ``--format``. Prints nothing."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from workflow_migrator._mask import MASK, masked

# For type checkers only: the reporter imports this module on every command, and the
# plan's module (with the rules it imports) costs more than `--help` takes to run.
if TYPE_CHECKING:
    from workflow_migrator._apply import ApplyResult
    from workflow_migrator._compare import FieldChange
    from workflow_migrator._plan import Change, Plan

#: A log line: its message and its fields (``Reporter.log``'s arguments).
LogRecord = tuple[str, dict[str, Any]]


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




def render_plan(plan: Plan, output_format: str = "text", *, secrets: Iterable[str] = (),
                title: str = "") -> str | dict[str, Any]:
    """The plan as a command's result: text with a gutter, the JSON document, or the
    Markdown review document titled ``title``.

    :param secrets: the values the reporter masks: a field whose desired value holds
        one shows its live value masked too (``without_previous_secrets``).
    """
    shown = without_previous_secrets(plan, frozenset(secrets))
    if output_format == "json":
        return shown.to_dict()
    if output_format == "markdown":
        from workflow_migrator._views.plan_markdown import plan_markdown

        return plan_markdown(shown, secrets=secrets, title=title)
    return plan_text(shown)


def without_previous_secrets(plan: Plan, secrets: frozenset[str]) -> Plan:
    """A field whose desired value holds a secret shows its live value as ``***`` too:
    that is most likely the secret's previous value (a rotated token), which the
    directory no longer names, so masking by value alone would miss it."""
    if not secrets:
        return plan

    def field(change: FieldChange) -> FieldChange:
        if change.before is not None and change.after is not None and \
                masked(change.after, secrets) != change.after:
            return dataclasses.replace(change, before=MASK, after=masked(change.after, secrets))
        return change

    return dataclasses.replace(plan, changes=tuple(
        dataclasses.replace(c, fields=tuple(field(f) for f in c.fields)) if c.fields else c
        for c in plan.changes))


def plan_records(plan: Plan) -> list[tuple[str, str, dict[str, Any]]]:
    """The plan about to be applied as JSON log lines (level, message, fields): one per
    change, with the paths of the fields it changes (paths only: a value may be a
    secret's), one per conflict, then the totals."""
    from workflow_migrator._plan import ACTIONS

    records: list[tuple[str, str, dict[str, Any]]] = []
    for change in plan.changes:
        if change.action == "unchanged":
            continue
        paths = _field_paths(change)
        records.append(("info", f"{change.address}: {change.action} ({change.reason})"
                         + (f": {', '.join(paths)}" if paths else ""),
                         {"event": "planned", "reason": change.reason, "source": change.source,
                          **_change_fields(change)}))
    records.extend(("error", conflict, {"event": "conflict"}) for conflict in plan.conflicts)
    counts: dict[str, Any] = {action: plan.count(action) for action in ACTIONS}
    records.append(("info", summary_line(plan), {"event": "plan", **counts}))
    return records


def applied_record(change: Change) -> LogRecord:
    """The log line of a change once written."""
    return f"{change.address}: {change.action}d", {"event": "applied", **_change_fields(change)}


def completion_record(result: ApplyResult, writes: int) -> LogRecord:
    """The last log line of a deploy: what it wrote, and in how many write requests."""
    return (f"Deploy complete: {result.created} created, {result.updated} updated, "
            f"{result.deleted} deleted; {writes} write request(s).",
            {"event": "complete", "created": result.created, "updated": result.updated,
             "deleted": result.deleted})


def _field_paths(change: Change) -> list[str]:
    return [f.path for f in change.fields]


def _change_fields(change: Change) -> dict[str, Any]:
    """What a JSON log line says of a change: enough for a Job's log to tell what changed."""
    return {"kind": change.kind, "name": change.name, "version": change.version,
            "action": change.action, "definition": change.address,
            "fields": _field_paths(change)}
