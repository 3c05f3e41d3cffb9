"""What spans definitions and files: duplicate names, sub-workflows that exist
nowhere, sub-workflow cycles, SIMPLE tasks without a definition, and names a stock server's
boot-time samples share.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from workflow_migrator._fields import Kind, kind_info
from workflow_migrator._findings import Finding, Severity
from workflow_migrator._grammar import is_expression, names_an_input
from workflow_migrator._models import BOOT_SAMPLE_TASKS, BOOT_SAMPLE_WORKFLOWS, Definition
from workflow_migrator._rules.context import Context, finding
from workflow_migrator._task_walk import Path


def graph_rules(context: Context) -> Iterator[Finding]:
    yield from _duplicates(context)
    yield from _boot_samples(context)
    yield from _undefined_tasks(context)
    yield from _missing_workflows(context)
    yield from _cycles(context)


def _duplicates(context: Context) -> Iterator[Finding]:
    seen: dict[tuple[Kind, str, int | None], list[Definition]] = defaultdict(list)
    for definition in context.definitions:
        if definition.name:
            seen[(definition.kind, definition.name, definition.version)].append(definition)
    for (kind, name, version), group in seen.items():
        first = group[0].source
        where = first.file if first.index is None else f"{first.file} [{first.index}]"
        for duplicate in group[1:]:
            what = f"{kind_info(kind).noun} {name}"
            if kind == "workflow":
                what += f" version {version if version is not None else '(automatic)'}"
            yield finding(duplicate, ("name",), f"{what} is already defined in {where}",
                          "duplicate")


def _boot_samples(context: Context) -> Iterator[Finding]:
    """A name a stock server gives one of its samples is an ordinary name: the project's
    server image loads no samples. Only a server started with sample loading on (stock
    Orkes, or ours with LOADSAMPLE=true) overwrites such a definition, at every start."""
    for definition in (*context.definitions.tasks, *context.definitions.workflows):
        samples = BOOT_SAMPLE_TASKS if definition.kind == "task" else BOOT_SAMPLE_WORKFLOWS
        if definition.name in samples:
            yield finding(definition, ("name",), f"'{definition.name}' is also the name of a "
                          f"sample {definition.kind} that a server with sample loading on "
                          "(stock Orkes Conductor, or LOADSAMPLE=true) writes at every start, "
                          "overwriting this definition; the server image of this project loads "
                          "no samples, and prune never deletes a definition of this name",
                          "boot-sample", "warning")


def _undefined_tasks(context: Context) -> Iterator[Finding]:
    defined = set(context.task_defs)
    if context.server is not None:
        defined |= context.server.task_names
    for definition in context.definitions.workflows:
        for site in context.sites(definition):
            if not site.simple or not site.name or site.name in defined or \
                    isinstance(site.task.get("taskDefinition"), dict):
                continue
            where = "in this directory nor on the server" if context.server is not None \
                else "in this directory"
            yield finding(definition, (*site.path, "name"),
                          f"task '{site.name}' is not defined {where}: the server accepts it and "
                          "creates a bare definition when it runs (no retries, no timeouts you "
                          "chose)", "undefined-task", "warning")


def _workflow_exists(context: Context, name: str, version: object) -> bool:
    for definition in context.definitions.workflows:
        if definition.name == name and (not isinstance(version, int) or
                                        definition.version in (None, version)):
            return True
    if context.server is not None:
        if isinstance(version, int) and not isinstance(version, bool):
            return (name, version) in context.server.workflows
        return name in context.server.workflow_names
    return False


def _missing(context: Context, definition: Definition, path: Path, name: str, version: object,
             what: str, rule: str) -> Iterator[Finding]:
    if _workflow_exists(context, name, version):
        return
    label = f"'{name}'" + (f" version {version}" if isinstance(version, int) else "")
    if context.server is None:
        yield finding(definition, path, f"{what} {label} is not defined in this directory; it "
                      "must exist on the server (check with validate --server)", rule, "warning")
    else:
        yield finding(definition, path, f"{what} {label} is defined neither in this directory "
                      "nor on the server", rule, "error")


def _missing_workflows(context: Context) -> Iterator[Finding]:
    for definition in context.definitions.workflows:
        failure = definition.body.get("failureWorkflow")
        if isinstance(failure, str) and failure and not is_expression(failure) \
                and not names_an_input(failure):
            yield from _missing(context, definition, ("failureWorkflow",), failure, None,
                                "failureWorkflow", "failure-workflow-missing")
        for site in context.sites(definition):
            param = site.task.get("subWorkflowParam")
            if site.type != "SUB_WORKFLOW" or not isinstance(param, dict) or \
                    param.get("workflowDefinition") is not None:
                continue
            name = param.get("name")
            if isinstance(name, str) and name and not is_expression(name):
                yield from _missing(context, definition, (*site.path, "subWorkflowParam", "name"),
                                    name, param.get("version"), "sub-workflow",
                                    "sub-workflow-missing")


def _cycles(context: Context) -> Iterator[Finding]:
    """Workflows that start each other in a loop. Every edge unconditional: the run can
    never end (error). Some edge inside a decision: recursion that may end (warning)."""
    edges: dict[str, list[tuple[str, bool, Definition, Path]]] = defaultdict(list)
    names = {d.name for d in context.definitions.workflows}
    for definition in context.definitions.workflows:
        for site in context.sites(definition):
            param = site.task.get("subWorkflowParam")
            if site.type == "SUB_WORKFLOW" and isinstance(param, dict) and \
                    param.get("workflowDefinition") is None and \
                    isinstance(param.get("name"), str) and param["name"] in names:
                edges[definition.name].append((str(param["name"]), site.conditional, definition,
                                               (*site.path, "subWorkflowParam", "name")))
    reported: set[frozenset[str]] = set()
    for start in sorted(edges):
        yield from _cycles_from(start, [start], [], edges, reported)


def _cycles_from(start: str, trail: list[str], hops: list[tuple[str, bool, Definition, Path]],
                 edges: dict[str, list[tuple[str, bool, Definition, Path]]],
                 reported: set[frozenset[str]]) -> Iterator[Finding]:
    for hop in edges.get(trail[-1], []):
        target = hop[0]
        if target == start:
            members = frozenset(trail)
            if members in reported:
                continue
            reported.add(members)
            chain = " -> ".join([*trail, start])
            conditional = any(h[1] for h in [*hops, hop])
            first = ([*hops, hop])[0]
            severity: Severity = "warning" if conditional else "error"
            note = ("some step is inside a decision, so it may end" if conditional else
                    "no step is conditional, so every run starts the next one forever")
            yield finding(first[2], first[3], f"sub-workflow cycle {chain}: {note}",
                          "sub-workflow-cycle", severity)
        elif target not in trail and len(trail) < 50:
            yield from _cycles_from(start, [*trail, target], [*hops, hop], edges, reported)
