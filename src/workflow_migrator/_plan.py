"""Compares what a directory defines with what a server holds, and decides what to do.

A Plan is a plain value: computing it makes no request, and it can be rendered,
serialised and tested without a server. The versioning rules live here:

- a task definition is updated in place (task definitions have no versions);
- a workflow file that states ``version`` is explicit: that version is the truth,
  and changing it in place on the server is refused unless ``allow_overwrite``;
- a workflow file without ``version`` is automatic: changed content registers a
  new version, one above the newest on the server, and older versions stay;
- an event handler is updated in place, by name (handlers have no versions).

With ``prune``, what the directory no longer defines is deleted, except names
matched by a keep pattern, the samples a server loads at boot, and workflow
versions with running executions.

A plan never holds a secret's live value: what sits at a definition's secret paths
(``_secret_paths``) is ``***`` in its fields and its live definition.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Literal

from workflow_migrator import _secret_paths as secret_paths
from workflow_migrator._compare import FieldChange, differences
from workflow_migrator._fields import KIND, KINDS, ServerKeys, server_managed_fields
from workflow_migrator._models import (
    BOOT_SAMPLE_TASKS,
    BOOT_SAMPLE_WORKFLOWS,
    DEPLOY_RECORD_TASK,
    Definition,
    DefinitionSet,
    JSONObject,
    Kind,
)
from workflow_migrator._risk import Risk
from workflow_migrator._rules.names import unaddressable
from workflow_migrator._rules.versions import unpinned_parents
from workflow_migrator._targets import Detected

Action = Literal["create", "update", "unchanged", "delete"]
ACTIONS: tuple[Action, ...] = ("delete", "create", "update", "unchanged")
FORMAT_VERSION = "1.1"
#: Changes are listed, and written, in this order: a handler after the workflows it starts.
KIND_ORDER: dict[Kind, int] = {info.kind: order for order, info in enumerate(KINDS)}


@dataclasses.dataclass(frozen=True)
class Change:
    """What happens to one definition (one workflow version)."""

    action: Action
    kind: Kind
    name: str
    version: int | None
    reason: str
    source: str | None = None
    fields: tuple[FieldChange, ...] = ()
    payload: JSONObject | None = dataclasses.field(default=None, compare=False, repr=False)
    #: a new version numbered after what the server held: registered only if that number
    #: is still free, so a concurrent deploy's version is never overwritten
    create_only: bool = False
    #: what the server holds now, for drawing what changes: the version updated or deleted
    #: in place, or the newest version a new one follows; None when there is none
    live: JSONObject | None = dataclasses.field(default=None, compare=False, repr=False)
    #: what else the change affects: the parents that start this workflow unpinned
    notes: tuple[str, ...] = ()

    @property
    def address(self) -> str:
        label = f"{KIND[self.kind].noun} {self.name}"
        return f"{label} v{self.version}" if self.kind == "workflow" else label

    @property
    def located(self) -> str:
        """Its file, when it has one, then its address: ``tasks/a.json: task a``."""
        return f"{self.source}: {self.address}" if self.source else self.address


@dataclasses.dataclass(frozen=True)
class Plan:
    """Every change, deletions first, and why any of them cannot be applied."""

    changes: tuple[Change, ...]
    conflicts: tuple[str, ...] = ()
    retained: tuple[str, ...] = ()
    #: the blast radius (executions, breaking changes, workers); None: not analysed
    risk: Risk | None = None

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def has_changes(self) -> bool:
        return any(change.action != "unchanged" for change in self.changes)

    def pending(self, action: Action, kind: Kind) -> list[Change]:
        return [c for c in self.changes if c.action == action and c.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """The documented machine-readable plan (see docs/plan-format.md)."""
        return {
            "format_version": FORMAT_VERSION,
            "applyable": not self.conflicts,
            "summary": {action: self.count(action) for action in ACTIONS},
            "conflicts": list(self.conflicts),
            "retained": list(self.retained),
            "changes": [
                {
                    "address": c.address,
                    "kind": c.kind,
                    "name": c.name,
                    "version": c.version,
                    "actions": [c.action],
                    "reason": c.reason,
                    "source": c.source,
                    "fields": [{"path": f.path, "op": f.symbol, "before": f.before,
                                "after": f.after} for f in c.fields],
                    "notes": list(c.notes),
                }
                for c in self.changes
            ],
            "risk": self.risk.to_dict() if self.risk else None,
        }


@dataclasses.dataclass(frozen=True)
class LiveState:
    """What the server holds; ``running`` names the workflow versions with running
    executions, looked up only for the versions prune would otherwise delete."""

    tasks: tuple[JSONObject, ...] = ()
    workflows: tuple[JSONObject, ...] = ()
    running: frozenset[tuple[str, int]] = frozenset()
    #: the task definition holding the last deploy's record, kept apart from ``tasks``
    deploy_record: JSONObject | None = dataclasses.field(default=None, compare=False)
    event_handlers: tuple[JSONObject, ...] = ()
    #: the keys the server keeps; a key it drops is never a change (None: every known key)
    keeps: ServerKeys | None = dataclasses.field(default=None, compare=False)
    #: the generation the server was found to run (None: not asked)
    server: Detected | None = dataclasses.field(default=None, compare=False)


@dataclasses.dataclass(frozen=True)
class PlanOptions:
    prune: bool = False
    keep: tuple[str, ...] = ()
    allow_overwrite: bool = False
    #: let prune delete every definition of a kind the server holds, or more than half
    allow_mass_prune: bool = False


DEFAULT_OPTIONS = PlanOptions()


def compute_plan(desired: DefinitionSet, live: LiveState,
                 options: PlanOptions = DEFAULT_OPTIONS) -> Plan:
    """Decides, for every definition, whether to create, update, keep or delete it."""
    conflicts: list[str] = []
    # Indexed once: looking each definition up by scanning the live lists was quadratic
    # (1,000 tasks: ~0.5 s of a 2 s no-op deploy).
    live_tasks: dict[str, JSONObject] = {}
    for task in live.tasks:
        live_tasks.setdefault(str(task.get("name")), task)
    live_workflows: dict[str, dict[int, JSONObject]] = defaultdict(dict)
    for workflow in live.workflows:
        live_workflows[str(workflow.get("name"))][int(workflow.get("version", 1))] = workflow
    keeps = live.keeps
    changes = [_plan_task(d, live_tasks.get(d.name), keeps) for d in desired.tasks]
    for name, definitions in _by_name(desired.workflows).items():
        changes.extend(_plan_workflow(name, definitions, live_workflows.get(name, {}),
                                      options, conflicts, keeps))
    live_handlers = {str(h.get("name")): h for h in live.event_handlers}
    changes.extend(_plan_event_handler(d, live_handlers.get(d.name), keeps)
                   for d in desired.event_handlers)
    retained: list[str] = []
    deletions = _prune(changes, live, options, retained) if options.prune else []
    if deletions and not options.allow_mass_prune:
        conflicts.extend(_mass_prune(deletions, live))
    changes.sort(key=lambda c: (KIND_ORDER[c.kind], c.name, c.version or 0))
    changes = _note_unpinned_parents(changes, desired)
    secrets = secret_paths.merged(secret_paths.recorded(live.deploy_record),
                                  secret_paths.of_definitions(desired))
    return Plan(tuple(_masked(c, secrets) for c in deletions + changes), tuple(conflicts),
                tuple(retained))


def _masked(change: Change, secrets: secret_paths.SecretPaths) -> Change:
    """The change with what the server holds at its definition's secret paths shown as
    ``***``: it may be a secret's previous value (rotated, its header renamed, or
    retired), which no value the directory holds now would mask. (The desired side holds
    the directory's secret values, masked wherever they are shown.)"""
    paths = tuple(secrets.get(secret_paths.key(change.kind, change.name), ()))
    if not paths:
        return change
    fields = tuple(dataclasses.replace(f, before=secret_paths.masked(f.before, f.parts, paths))
                   for f in change.fields)
    live = secret_paths.masked(change.live, (), paths)
    return dataclasses.replace(change, fields=fields, live=live)


def _sent(body: JSONObject) -> JSONObject:
    """What is written of a definition: without the keys the server sets (its audit
    times and authors, its access policy). A file may carry them, copied from a server;
    sent back, an access policy the server's parser cannot read (Conductor 3.15 knows
    only OWNER and OPERATOR) would refuse the whole request."""
    managed = server_managed_fields()
    if managed.isdisjoint(body):
        return body
    return {key: value for key, value in body.items() if key not in managed}


def _plan_task(definition: Definition, current: JSONObject | None,
               keeps: ServerKeys | None) -> Change:
    if current is None:
        return Change("create", "task", definition.name, None, "not on the server",
                      definition.source.file, payload=_sent(definition.body))
    fields = differences("task", current, definition.body, keeps=keeps)
    if not fields:
        return Change("unchanged", "task", definition.name, None, "matches the server",
                      definition.source.file)
    kept: JSONObject = {k: current[k] for k in ("createTime", "createdBy") if k in current}
    return Change("update", "task", definition.name, None, "content differs",
                  definition.source.file, tuple(fields), {**_sent(definition.body), **kept},
                  live=current)


def _note_unpinned_parents(changes: list[Change], desired: DefinitionSet) -> list[Change]:
    """A new version of a workflow is what its unpinned parents start from now on."""
    if not any(c.kind == "workflow" and c.action == "create" for c in changes):
        return changes  # no new version: the walk of every workflow for parents is spared
    parents = unpinned_parents(desired)
    return [dataclasses.replace(c, notes=tuple(
        f"starts this version from now on (no version pinned): {p}" for p in parents[c.name]))
        if c.kind == "workflow" and c.action == "create" and c.name in parents else c
        for c in changes]


def _plan_event_handler(definition: Definition, current: JSONObject | None,
                        keeps: ServerKeys | None) -> Change:
    source = definition.source.file
    if current is None:
        return Change("create", "event_handler", definition.name, None, "not on the server",
                      source, payload=_sent(definition.body))
    fields = differences("event_handler", current, definition.body, keeps=keeps)
    if not fields:
        return Change("unchanged", "event_handler", definition.name, None, "matches the server",
                      source)
    return Change("update", "event_handler", definition.name, None, "content differs", source,
                  tuple(fields), _sent(definition.body))


def _plan_workflow(name: str, definitions: list[Definition], versions: dict[int, JSONObject],
                   options: PlanOptions, conflicts: list[str],
                   keeps: ServerKeys | None) -> Iterable[Change]:
    automatic = [d for d in definitions if d.version is None]
    if automatic and len(definitions) > 1:
        files = ", ".join(d.source.file for d in definitions)
        conflicts.append(f"workflow {name} is defined more than once ({files}); give every "
                         "definition of it an explicit version, or keep only one")
        return []
    if automatic:
        return [_plan_automatic(automatic[0], versions, keeps)]
    return [_plan_explicit(d, versions, options, conflicts, keeps) for d in definitions]


def _plan_automatic(definition: Definition, versions: dict[int, JSONObject],
                    keeps: ServerKeys | None) -> Change:
    source = definition.source.file
    if not versions:
        return Change("create", "workflow", definition.name, 1, "not on the server", source,
                      payload={**_sent(definition.body), "version": 1})
    newest = max(versions)
    fields = differences("workflow", versions[newest], definition.body, keep_version=False,
                         keeps=keeps)
    if not fields:
        return Change("unchanged", "workflow", definition.name, newest,
                      "matches the newest version on the server", source)
    return Change("create", "workflow", definition.name, newest + 1,
                  f"content differs from v{newest}: registered as a new version, v{newest} stays",
                  source, tuple(fields), {**_sent(definition.body), "version": newest + 1},
                  create_only=True, live=versions[newest])


def _plan_explicit(definition: Definition, versions: dict[int, JSONObject], options: PlanOptions,
                   conflicts: list[str], keeps: ServerKeys | None) -> Change:
    version = definition.version
    assert version is not None
    source = definition.source.file
    current = versions.get(version)
    if current is None:
        return Change("create", "workflow", definition.name, version, "not on the server", source,
                      payload=_sent(definition.body),
                      live=versions[max(versions)] if versions else None)
    fields = differences("workflow", current, definition.body, keeps=keeps)
    if not fields:
        return Change("unchanged", "workflow", definition.name, version, "matches the server",
                      source)
    if not options.allow_overwrite:
        conflicts.append(
            f"{source}: workflow {definition.name} v{version} exists on the server with different "
            f"content, and workflows running on v{version} would see the change. Bump 'version' "
            f"to {max(versions) + 1}, remove 'version' to let the migrator number versions, or "
            "pass --allow-overwrite to change it in place.")
    kept: JSONObject = {k: current[k] for k in ("createTime", "createdBy") if k in current}
    return Change("update", "workflow", definition.name, version,
                  "content differs: overwritten in place (--allow-overwrite)"
                  if options.allow_overwrite else "content differs: refused", source,
                  tuple(fields), {**_sent(definition.body), **kept}, live=current)


def _prune(changes: list[Change], live: LiveState, options: PlanOptions,
           retained: list[str]) -> list[Change]:
    wanted_tasks = {c.name for c in changes if c.kind == "task"}
    wanted_versions = {(c.name, c.version) for c in changes if c.kind == "workflow"}
    wanted_handlers = {c.name for c in changes if c.kind == "event_handler"}
    # A handler goes before the workflows it may start.
    deletions = [Change("delete", "event_handler", name, None, "no longer defined (--prune)")
                 for name in sorted(str(h.get("name")) for h in live.event_handlers)
                 if name not in wanted_handlers and not _protected(name, frozenset(), options)
                 and _deletable(f"event handler {name}", name, retained)]
    for task in sorted(live.tasks, key=lambda t: str(t.get("name"))):
        name = str(task.get("name"))
        if (name in wanted_tasks or name == DEPLOY_RECORD_TASK
                or _protected(name, BOOT_SAMPLE_TASKS, options)
                or not _deletable(f"task {name}", name, retained)):
            continue
        deletions.append(Change("delete", "task", name, None, "no longer defined (--prune)",
                                live=task))
    for workflow in sorted(live.workflows, key=lambda w: (str(w.get("name")), w.get("version", 1))):
        name, version = str(workflow.get("name")), int(workflow.get("version", 1))
        if (name, version) in wanted_versions or _protected(name, BOOT_SAMPLE_WORKFLOWS, options):
            continue
        if (name, version) in live.running:
            retained.append(f"workflow {name} v{version}: has running executions")
            continue
        if not _deletable(f"workflow {name} v{version}", name, retained):
            continue
        deletions.append(Change("delete", "workflow", name, version, "no longer defined (--prune)",
                                live=workflow))
    return deletions


def _mass_prune(deletions: list[Change], live: LiveState) -> Iterable[str]:
    """Why a prune is refused: it would empty a kind, or delete most of it. That is what
    a directory whose files went missing looks like (a wrong --config-dir, a folder
    renamed), and the deletions cannot be undone."""
    held: dict[Kind, int] = {"task": len(live.tasks), "workflow": len(live.workflows),
                             "event_handler": len(live.event_handlers)}
    for info in KINDS:
        count = sum(1 for c in deletions if c.kind == info.kind)
        if not count or 2 * count <= held[info.kind]:
            continue
        share = "all" if count == held[info.kind] else "more than half"
        what = "versions of workflows" if info.kind == "workflow" else info.title.lower()
        yield (f"--prune would delete {count} of the {held[info.kind]} {what} the server "
               f"holds ({share} of them), as a directory whose files went missing would: "
               "check the deletions in this plan, then pass --allow-mass-prune to make them")


def _deletable(address: str, name: str, retained: list[str]) -> bool:
    """Whether the server can delete a definition of this name; when not (a name written
    before the ``name`` rule, or by another tool), why it stays, in ``retained``."""
    problem = unaddressable(name)
    if problem:
        retained.append(f"{address}: {problem}")
    return problem is None


def _protected(name: str, boot_samples: frozenset[str], options: PlanOptions) -> bool:
    return name in boot_samples or any(fnmatch.fnmatchcase(name, p) for p in options.keep)


def _by_name(definitions: Iterable[Definition]) -> dict[str, list[Definition]]:
    grouped: dict[str, list[Definition]] = defaultdict(list)
    for definition in definitions:
        grouped[definition.name].append(definition)
    return grouped
