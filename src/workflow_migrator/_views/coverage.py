"""Workflow test coverage as a text table, JSON, or Markdown with each workflow's
diagram coloured by coverage (the flowchart of ``plan --format markdown``). Prints
nothing."""

from __future__ import annotations

import json
from collections.abc import Iterable

from workflow_migrator._coverage import Coverage, WorkflowCoverage
from workflow_migrator._views.plan_markdown import flowchart

#: The columns of the table: heading -> the item kinds counted in it.
COLUMNS = (("Tasks", ("task",)), ("Branches", ("case", "default", "branch")),
           ("Loops", ("once", "several")))


def coverage_text(coverage: Coverage) -> str:
    """A table, a row per workflow, then what no case reached."""
    rows = [("Workflow", *(heading for heading, _ in COLUMNS), "Total", "Cover")]
    for workflow in coverage.workflows:
        rows.append((workflow.name, *(_fraction(workflow, kinds) for _, kinds in COLUMNS),
                     f"{workflow.covered}/{len(workflow.items)}", f"{workflow.percent:.1f}%"))
    rows.append(("TOTAL", "", "", "", f"{coverage.covered}/{coverage.total}",
                 f"{coverage.percent:.1f}%"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(-1, "-" * len(lines[0]))
    missed = [line for w in coverage.workflows for line in _missed(w)]
    if missed:
        lines += ["", "Not reached by any case:", *(f"  {line}" for line in missed)]
    seen = [f"  {w.name}: {ref} -> {', '.join(t)}" for w in coverage.workflows
            for ref, t in w.dynamic_targets.items()]
    if seen:
        lines += ["", "DYNAMIC targets seen:", *seen]
    return "\n".join(lines)


def coverage_json(coverage: Coverage) -> str:
    return json.dumps(coverage.to_dict(), indent=2)


def coverage_markdown(coverage: Coverage, *, secrets: Iterable[str] = (),
                      title: str = "Workflow test coverage") -> str:
    """A summary table, then each workflow's diagram: green where every branch was
    taken, yellow where a task ran but a branch it opens did not, red where no case
    reached."""
    secret_values = tuple(s for s in secrets if s)
    lines = [f"### {title}", "",
             f"**{coverage.percent:.1f}%** of tasks, branches and loop bodies reached "
             f"({coverage.covered} of {coverage.total}).", "",
             "| Workflow | " + " | ".join(h for h, _ in COLUMNS) + " | Total |",
             "|---|" + "---:|" * (len(COLUMNS) + 1)]
    for workflow in coverage.workflows:
        cells = " | ".join(_fraction(workflow, kinds) for _, kinds in COLUMNS)
        lines.append(f"| `{workflow.name}` | {cells} | {workflow.percent:.1f}% |")
    lines.append("")
    for workflow in coverage.workflows:
        lines += [f"#### `{workflow.name}`: {workflow.percent:.1f}%", "", "```mermaid",
                  flowchart(workflow.definition.body, secrets=secret_values,
                            styles=workflow.styles()),
                  "```", ""]
        missed = list(_missed(workflow))
        if missed:
            lines += ["Not reached by any case: " + "; ".join(
                f"`{line.split(': ', 1)[1]}`" for line in missed), ""]
    return "\n".join(lines)


def _fraction(workflow: WorkflowCoverage, kinds: tuple[str, ...]) -> str:
    covered, total = workflow.count(*kinds)
    return f"{covered}/{total}" if total else "-"


def _missed(workflow: WorkflowCoverage) -> Iterable[str]:
    for item in workflow.items:
        if not item.covered:
            yield (f"{workflow.name}: task {item.ref}" if item.kind == "task"
                   else f"{workflow.name}: {item.ref} {item.label}")



def render_coverage(coverage: Coverage, output_format: str = "text", *,
                    secrets: Iterable[str] = ()) -> str:
    """``test --coverage-format``: text, JSON or Markdown."""
    if output_format == "json":
        return coverage_json(coverage)
    if output_format == "markdown":
        return coverage_markdown(coverage, secrets=secrets)
    return coverage_text(coverage)
