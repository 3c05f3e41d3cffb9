"""Renders a plan as Markdown for a pull request comment or a CI job summary.

The document has a summary table per kind, then one section per changed workflow: a
Mermaid flowchart of its tasks (branches, forks, loops and sub-workflow calls drawn as
such, added, changed and removed tasks styled apart) and the fields that differ. Pure:
a Plan in, a string out; secret values are masked before anything is escaped, so an
escaped secret can never slip past the mask.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from workflow_migrator._compare import normalise
from workflow_migrator._fields import KINDS
from workflow_migrator._mask import masked
from workflow_migrator._models import JSONObject
from workflow_migrator._plan import Change, Plan
from workflow_migrator._risk import risk_section
from workflow_migrator._task_types import child_keys, children_of, types_with_role
from workflow_migrator._task_walk import SIMPLE, task_lists

#: GitHub refuses comments longer than 65,536 characters; sections past this are left out.
MAX_LENGTH = 60_000
#: More changed workflows than this, and each one's section is folded.
FOLD_AFTER_WORKFLOWS = 3
#: More changed fields than this, and the field diff is folded.
FOLD_AFTER_FIELDS = 15
CLASS_DEFS = (
    "classDef added fill:#dafbe1,stroke:#1a7f37,color:#0d4a1f",
    "classDef changed fill:#fff8c5,stroke:#9a6700,color:#4d2d00",
    "classDef removed fill:#ffebe9,stroke:#cf222e,color:#82071e,stroke-dasharray:5 3",
)
#: How ``test --coverage`` colours a workflow's tasks.
COVERAGE_CLASS_DEFS = (
    "classDef covered fill:#dafbe1,stroke:#1a7f37,color:#0d4a1f",
    "classDef partial fill:#fff8c5,stroke:#9a6700,color:#4d2d00",
    "classDef missed fill:#ffebe9,stroke:#cf222e,color:#82071e",
)
ACTION_COLUMNS = (("create", "Create"), ("update", "Update"), ("new_version", "New version"),
                  ("delete", "Delete"), ("unchanged", "Unchanged"))


def plan_markdown(plan: Plan, *, secrets: Iterable[str] = (),
                  title: str = "workflow-migrator plan") -> str:
    """The plan as a Markdown document.

    :param plan: the plan to render; changed workflows need their ``payload`` and ``live``.
    :param secrets: values replaced with ``***`` wherever they would appear.
    :param title: the document's heading.
    """
    secret_values = tuple(s for s in secrets if s)
    head = [f"### {_inline(title, secret_values)}", ""]
    if plan.conflicts:
        head.append("**This plan cannot be applied:** `deploy` would refuse it and write nothing.")
        head.append("")
        head.extend(f"- {_inline(c, secret_values)}" for c in plan.conflicts)
        head.append("")
    if not plan.has_changes:
        head.append(f"No changes. The server matches the configuration "
                    f"({plan.count('unchanged')} definitions unchanged).")
        return "\n".join(head) + "\n"
    head.extend(_summary_table(plan))
    head.append("")
    head.extend(_change_list(plan, secret_values))
    for note in plan.retained:
        head.append(f"Kept: {_inline(note, secret_values)}")
    head.append("")
    if plan.risk:
        head.extend(_inline(line, secret_values) for line in risk_section(plan.risk))
    workflows = [c for c in plan.changes
                 if c.kind == "workflow" and c.action in ("create", "update")]
    fold = len(workflows) > FOLD_AFTER_WORKFLOWS
    document = "\n".join(head)
    sections = [_workflow_section(c, secret_values, fold) for c in workflows]
    for index, section in enumerate(sections):
        if len(document) + len(section) > MAX_LENGTH:
            left = len(sections) - index
            document += (f"\n_{left} more workflow diagram(s) left out to keep this comment "
                         "short: run `workflow-migrator plan` to see every change._\n")
            break
        document += "\n" + section
    return document


def _kind_counts(plan: Plan, kind: str) -> dict[str, int]:
    counts = dict.fromkeys((key for key, _ in ACTION_COLUMNS), 0)
    for change in plan.changes:
        if change.kind != kind:
            continue
        counts["new_version" if _is_new_version(change) else change.action] += 1
    return counts


def _is_new_version(change: Change) -> bool:
    return change.kind == "workflow" and change.action == "create" and change.live is not None


def _summary_table(plan: Plan) -> list[str]:
    lines = ["| Kind | " + " | ".join(label for _, label in ACTION_COLUMNS) + " |",
             "|---|" + "---:|" * len(ACTION_COLUMNS)]
    for info in KINDS:
        counts = _kind_counts(plan, info.kind)
        cells = " | ".join(str(counts[key]) for key, _ in ACTION_COLUMNS)
        lines.append(f"| {info.title} | {cells} |")
    return lines


def _verb(change: Change) -> str:
    if _is_new_version(change):
        return "new version"
    return {"create": "create", "update": "update in place", "delete": "delete"}[change.action]


def _change_list(plan: Plan, secrets: tuple[str, ...]) -> list[str]:
    lines = []
    for change in plan.changes:
        if change.action == "unchanged":
            continue
        source = f" ({_inline(change.source, secrets)})" if change.source else ""
        lines.append(f"- **{_verb(change)}** `{_code(change.address, secrets)}`: "
                     f"{_inline(change.reason, secrets)}{source}")
        if change.kind == "task" and change.fields:
            lines.extend("  " + line for line in _field_diff(change, secrets))
    fold = len(lines) > 40
    if fold:
        return ["<details><summary>Every change</summary>", "", *lines, "", "</details>"]
    return lines


def _workflow_section(change: Change, secrets: tuple[str, ...], fold: bool) -> str:
    desired = change.payload or {}
    previous = change.live
    heading = f"`{_code(change.address, secrets)}`: {_verb(change)}"
    if previous is None:
        note = "A new workflow."
    else:
        note = (f"Compared with v{previous.get('version', 1)} on the server: "
                f"{_legend(desired, previous)}")
    body = ["```mermaid", flowchart(desired, previous, secrets=secrets), "```", "", note, ""]
    if change.fields:
        diff = _field_diff(change, secrets)
        if len(change.fields) > FOLD_AFTER_FIELDS:
            body.extend([f"<details><summary>{len(change.fields)} changed fields</summary>", "",
                         *diff, "", "</details>", ""])
        else:
            body.extend([*diff, ""])
    if fold:
        return "\n".join([f"<details><summary>{heading}</summary>", "", *body, "</details>", ""])
    return "\n".join([f"#### {heading}", "", *body])


def _legend(desired: JSONObject, previous: JSONObject) -> str:
    styles = task_styles(desired, previous)
    counts = {name: sum(1 for s in styles.values() if s == name)
              for name in ("added", "changed", "removed")}
    return (f"{counts['added']} task(s) added (green), {counts['changed']} changed (yellow), "
            f"{counts['removed']} removed (red, dashed).")


def _field_diff(change: Change, secrets: tuple[str, ...]) -> list[str]:
    lines = []
    for field in change.fields:
        path = _mask_text(field.path, secrets)
        if field.before is not None:
            lines.append(f"- {path}: {_value(field.before, secrets)}")
        if field.after is not None:
            lines.append(f"+ {path}: {_value(field.after, secrets)}")
    fence = "`" * max(3, _longest_backtick_run("\n".join(lines)) + 1)
    return [f"{fence}diff", *lines, fence]


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def _value(value: Any, secrets: tuple[str, ...], limit: int = 160) -> str:
    text = json.dumps(_masked(value, secrets), sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _masked(value: Any, secrets: tuple[str, ...]) -> Any:
    """``value`` with every secret in its strings (and keys) replaced, before any escaping."""
    return masked(value, secrets)


def _mask_text(text: str, secrets: tuple[str, ...]) -> str:
    return masked(text, secrets)


def _inline(text: str, secrets: tuple[str, ...]) -> str:
    """Plain text in Markdown: masked, on one line, without HTML."""
    masked = _mask_text(text, secrets).replace("\n", " ")
    return masked.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str, secrets: tuple[str, ...]) -> str:
    return _mask_text(text, secrets).replace("`", "'").replace("\n", " ")


# ------------------------------------------------------------------------------- diagrams


@dataclasses.dataclass
class _Graph:
    """Nodes and edges of one flowchart; a node's key is its task reference name."""

    nodes: dict[str, str] = dataclasses.field(default_factory=dict)  # key -> node text
    edges: list[tuple[str, str, str | None]] = dataclasses.field(default_factory=list)
    tasks: dict[str, JSONObject] = dataclasses.field(default_factory=dict)  # key -> task


def flowchart(desired: JSONObject, previous: JSONObject | None = None, *,
              secrets: Iterable[str] = (), styles: Mapping[str, str] | None = None) -> str:
    """A Mermaid flowchart of ``desired``'s tasks; with ``previous``, the tasks added,
    changed and removed since are styled apart, removed ones drawn where they were; with
    ``styles`` (task reference -> ``covered``, ``partial`` or ``missed``), coloured by
    test coverage."""
    secret_values = tuple(s for s in secrets if s)
    graph = _build(desired, secret_values)
    styles = dict(styles or {})
    class_defs = COVERAGE_CLASS_DEFS if styles else CLASS_DEFS
    if previous is not None:
        styles = task_styles(desired, previous)
        old = _build(previous, secret_values)
        for key, text in old.nodes.items():
            if styles.get(key) == "removed":
                graph.nodes[key] = text
        graph.edges.extend(
            (src, dst, "removed" if label is None else f"removed: {label}")
            for src, dst, label in old.edges
            if (styles.get(src) == "removed" or styles.get(dst) == "removed")
            and src in graph.nodes and dst in graph.nodes
        )
    ids = {key: f"n{index}" for index, key in enumerate(graph.nodes)}
    lines = ["flowchart TD"]
    lines.extend(f"  {ids[key]}{text}" for key, text in graph.nodes.items())
    for src, dst, label in graph.edges:
        dotted = label is not None and label.startswith("removed")
        arrow = "-.->" if dotted else "-->"
        if label:
            lines.append(f'  {ids[src]} {arrow}|"{_escape(label)}"| {ids[dst]}')
        else:
            lines.append(f"  {ids[src]} {arrow} {ids[dst]}")
    used = sorted(set(styles.values()))
    if used:
        lines.extend(f"  {d}" for d in class_defs)
        for style in used:
            members = [ids[k] for k, s in styles.items() if s == style and k in ids]
            if members:
                lines.append(f"  class {','.join(members)} {style}")
    return "\n".join(lines)


_START, _END = "\x00start", "\x00end"


def _build(workflow: JSONObject, secrets: tuple[str, ...]) -> _Graph:
    graph = _Graph()
    graph.nodes[_START] = '(("start"))'
    exits = _sequence(graph, _tasks(workflow.get("tasks")), [(_START, None)], secrets)
    graph.nodes[_END] = '(("end"))'
    graph.edges.extend((src, _END, label) for src, label in exits)
    return graph


Exits = list[tuple[str, str | None]]


def _sequence(graph: _Graph, tasks: list[JSONObject], entries: Exits,
              secrets: tuple[str, ...]) -> Exits:
    """Draws ``tasks`` one after the other from ``entries``; returns the loose ends."""
    for task in tasks:
        key = _key(graph, task)
        graph.nodes[key] = _node_text(task, secrets)
        graph.tasks[key] = task
        graph.edges.extend((src, key, label) for src, label in entries)
        entries = _after(graph, key, task, secrets)
    return entries


def _after(graph: _Graph, key: str, task: JSONObject, secrets: tuple[str, ...]) -> Exits:
    """Draws the tasks nested in ``task`` as its type runs them (the task-type table's
    child keys): one path per case, one per parallel branch, or a loop back to the task."""
    kind = str(task.get("type", SIMPLE))
    if kind == "TERMINATE":
        return []
    children = children_of(kind)
    if not children:
        return [(key, None)]
    exits: Exits = []
    loops = False
    for nested in task_lists(task, children):
        role = nested.child.role
        loops = loops or role == "loop"
        label = None if role != "case" else nested.child.label if nested.label is None \
            else _mask_text(str(nested.label), secrets)
        exits.extend(_sequence(graph, _tasks(nested.tasks), [(key, label)], secrets))
    if loops:
        graph.edges.extend((src, key, "repeat") for src, _ in exits)
        return [(key, "done")]
    return exits if any(c.role == "case" for c in children) else exits or [(key, None)]


def _tasks(value: Any) -> list[JSONObject]:
    return [t for t in value if isinstance(t, dict)] if isinstance(value, list) else []


def _key(graph: _Graph, task: JSONObject) -> str:
    key = str(task.get("taskReferenceName") or task.get("name") or "task")
    unique, suffix = key, 2
    while unique in graph.nodes:
        unique, suffix = f"{key}#{suffix}", suffix + 1
    return unique


def _node_text(task: JSONObject, secrets: tuple[str, ...]) -> str:
    """The node's shape and label: the reference name, then the type and what it calls."""
    kind = str(task.get("type", SIMPLE))
    ref = str(task.get("taskReferenceName") or task.get("name") or "task")
    name = str(task.get("name", ""))
    detail = kind if not name or name == ref else f"{kind}: {name}"
    if kind == "SUB_WORKFLOW":
        sub = task.get("subWorkflowParam")
        sub = sub if isinstance(sub, dict) else {}
        inline = isinstance(sub.get("workflowDefinition"), dict)
        target = str(sub.get("name") or (sub.get("workflowDefinition") or {}).get("name") or "?")
        version = f" v{sub['version']}" if sub.get("version") is not None else ""
        detail = f"calls workflow {target}{version}" + (" (inline)" if inline else "")
    label = f'"{_escape(ref, secrets)}<br/><small>{_escape(detail, secrets)}</small>"'
    if kind in types_with_role("case"):
        return "{" + label + "}"
    if kind == "SUB_WORKFLOW":
        return f"[[{label}]]"
    if kind in ("FORK_JOIN", "FORK_JOIN_DYNAMIC", "JOIN"):
        return f"[/{label}\\]"
    if kind == "DO_WHILE":
        return "{{" + label + "}}"
    if kind == "TERMINATE":
        return f"(({label}))"
    return f"[{label}]"


#: Characters that mean something inside a quoted Mermaid label, as its entity codes.
_ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;", "&": "#38;",
             "\n": " ", "\r": " ", "\t": " ", "|": "#124;"}


def _escape(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Text safe inside a quoted Mermaid label: masked first, then every special
    character as an entity code (``#`` first, since the codes start with it)."""
    masked = _mask_text(text, secrets)
    return "".join(_ENTITIES.get(char, char) for char in masked)


# --------------------------------------------------------------------------- task changes


def task_styles(desired: JSONObject, previous: JSONObject) -> dict[str, str]:
    """Each task reference name that was added, changed or removed between ``previous``
    and ``desired``, with that word; a task counts as changed when its own fields
    differ, not when only the tasks nested in it do."""
    new, old = _build(desired, ()).tasks, _build(previous, ()).tasks
    styles = {key: "added" for key in new if key not in old}
    styles.update({key: "removed" for key in old if key not in new})
    styles.update({key: "changed" for key in new.keys() & old.keys()
                   if _own_fields(new[key]) != _own_fields(old[key])})
    return styles


def _own_fields(task: JSONObject) -> Any:
    (normal,) = normalise("workflow", {"tasks": [task]})["tasks"]
    own = {k: v for k, v in normal.items() if k not in child_keys()}
    if isinstance(normal.get("decisionCases"), dict):
        own["decisionCases"] = sorted(normal["decisionCases"])
    return own

