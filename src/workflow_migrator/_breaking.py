"""Breaking changes: what a plan's changes break in the definitions that call them.

Each rule compares a planned change's live definition (what the server holds) with its
desired one, and looks for the callers it affects among the directory's definitions and
the server's (a workflow or event handler the directory does not hold still calls).
Each finding is a ``Concern`` with a severity:

- ``breaking``: a caller fails or misbehaves (it reads an output that is gone, does not
  pass an input that is now read, names a task reference or definition that is gone);
- ``risky``: executions behave differently (fewer retries, shorter timeouts, fewer
  declared keys), callers may not notice;
- ``info``: worth a reviewer's eye, nothing known breaks.

The rules and an example of each are documented in docs/blast-radius.md. Pure: a plan,
the directory's definitions and the server's in, concerns out.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from typing import Any

from workflow_migrator._fields import ObjectKind, default_of
from workflow_migrator._grammar import EXPRESSION_HEAD, WORKFLOW_INPUT, output_read
from workflow_migrator._loader import scalar_texts
from workflow_migrator._models import Definition, DefinitionSet, JSONObject, Source
from workflow_migrator._plan import Change, LiveState, Plan
from workflow_migrator._risk import Concern
from workflow_migrator._rules.versions import Reference, references
from workflow_migrator._task_walk import Path, walk

#: The ``source.file`` of a definition read from the server, as callers are named.
ON_SERVER = "on the server, not in the directory"
#: ... and of a version of a workflow the directory defines, that the server still holds.
OLDER_VERSION = "on the server, a version the directory no longer defines"
#: Task definition limits whose lowering changes how running tasks retry and time out;
#: for the timeouts 0 means none, so 0 -> 600 lowers it too.
TASK_LIMITS = ("retryCount", "timeoutSeconds", "responseTimeoutSeconds", "pollTimeoutSeconds")
TIMEOUTS = frozenset({"timeoutSeconds", "pollTimeoutSeconds"})


@dataclasses.dataclass(frozen=True)
class World:
    """Every definition that may call what the plan changes, after the plan: the
    directory's, and the server's that the plan neither replaces nor deletes."""

    definitions: DefinitionSet
    newest: dict[str, int]

    @classmethod
    def after(cls, plan: Plan, desired: DefinitionSet, live: LiveState) -> World:
        deleted = {(c.kind, c.name, c.version) for c in plan.changes if c.action == "delete"}
        planned = {(c.name, c.version) for c in plan.changes if c.kind == "workflow"}
        defined = {d.name for d in desired.workflows}
        server_workflows = tuple(
            Definition("workflow", w, Source(OLDER_VERSION if w.get("name") in defined
                                             else ON_SERVER)) for w in live.workflows
            if (str(w.get("name")), int(w.get("version", 1))) not in planned
            and ("workflow", str(w.get("name")), int(w.get("version", 1))) not in deleted)
        mine = {d.name for d in desired.event_handlers}
        server_handlers = tuple(
            Definition("event_handler", h, Source(ON_SERVER)) for h in live.event_handlers
            if str(h.get("name")) not in mine
            and ("event_handler", str(h.get("name")), None) not in deleted)
        newest: dict[str, int] = {}
        for c in plan.changes:
            if c.kind == "workflow" and c.version is not None and c.action != "delete":
                newest[c.name] = max(newest.get(c.name, 0), c.version)
        for w in server_workflows:
            newest[w.name] = max(newest.get(w.name, 0), int(w.body.get("version", 1)))
        return cls(DefinitionSet(desired.tasks, (*_desired_workflows(plan, desired),
                                                 *server_workflows),
                                 event_handlers=(*desired.event_handlers, *server_handlers)),
                   newest)

    def callers(self, workflow: str, version: int | None) -> list[Reference]:
        """The places that start ``workflow`` at ``version``: pinned to it, or unpinned
        while it is the newest version."""
        return [r for r in self._references.get(workflow, ())
                if (r.version == version if r.pinned
                    else version is None or version >= self.newest.get(workflow, 0))]

    def task_users(self, task: str) -> list[Definition]:
        """The workflows that use task definition ``task`` as a SIMPLE task."""
        return self._task_users.get(task, [])

    # Indexed once: a plan of 300 workflows against a server of 1,300 definitions asks
    # these for every change, and walking every workflow each time took seconds.
    @functools.cached_property
    def _references(self) -> dict[str, list[Reference]]:
        index: dict[str, list[Reference]] = {}
        for reference in references(self.definitions):
            index.setdefault(reference.child, []).append(reference)
        return index

    @functools.cached_property
    def _task_users(self) -> dict[str, list[Definition]]:
        index: dict[str, list[Definition]] = {}
        for definition in self.definitions.workflows:
            for name in dict.fromkeys(s.name for s in walk(definition) if s.simple):
                index.setdefault(name, []).append(definition)
        return index


def _desired_workflows(plan: Plan, desired: DefinitionSet) -> Iterator[Definition]:
    """The directory's workflows as they will be on the server: automatic ones with the
    version the plan gives them."""
    versions = {(c.name, c.source): c.version for c in plan.changes if c.kind == "workflow"}
    for d in desired.workflows:
        version = d.version if d.version is not None else versions.get((d.name, d.source.file))
        yield d if version is None or d.version is not None else dataclasses.replace(
            d, body={**d.body, "version": version})


def caller(definition: Definition) -> str:
    return f"{definition.label} ({definition.source.file})"


Rule = Callable[[Change, World], Iterator[Concern]]


def concerns(plan: Plan, desired: DefinitionSet, live: LiveState) -> tuple[Concern, ...]:
    """Every breaking or risky change of ``plan``, with the callers it affects."""
    world = World.after(plan, desired, live)
    return tuple(concern for change in plan.changes if change.action != "unchanged"
                 for rule in RULES for concern in rule(change, world))


def _bodies(change: Change) -> tuple[JSONObject, JSONObject] | None:
    """The live and desired workflow of a change that replaces one (a new version of,
    or an update in place)."""
    if change.kind != "workflow" or change.action not in ("create", "update"):
        return None
    if change.live is None or change.payload is None:
        return None
    return change.live, change.payload


def output_removed(change: Change, world: World) -> Iterator[Concern]:
    bodies = _bodies(change)
    if bodies is None:
        return
    removed = sorted(_keys(bodies[0].get("outputParameters"))
                     - _keys(bodies[1].get("outputParameters")))
    for key in removed:
        readers = [caller(r.parent) for r in world.callers(change.name, change.version)
                   if r.how == "SUB_WORKFLOW" and _reads_output(r, key)]
        yield Concern("output-removed", "breaking" if readers else "info", change.address,
                      f"output '{key}' is no longer produced" + (
                          "; these parents read it" if readers else
                          "; no caller known here or on the server reads it"), tuple(readers))


def _reads_output(reference: Reference, key: str) -> bool:
    task = _at(reference.parent.body, reference.path[:-1])
    ref = task.get("taskReferenceName") if isinstance(task, dict) else None
    if not isinstance(ref, str):
        return False
    pattern = output_read(ref, key)
    return any(pattern.search(text) for text in scalar_texts(reference.parent.body))


def input_required(change: Change, world: World) -> Iterator[Concern]:
    bodies = _bodies(change)
    if bodies is None:
        return
    before, after = bodies
    needed = sorted((_inputs_read(after) - _inputs_read(before))
                    | (_listed(after) - _listed(before)))
    for name in needed:
        missing = [caller(r.parent) for r in world.callers(change.name, change.version)
                   if (passed := _passed(r)) is not None and name not in passed]
        if missing:
            yield Concern("input-required", "breaking", change.address,
                          f"now reads input '{name}', which these callers do not pass",
                          tuple(missing))


def _passed(reference: Reference) -> set[str] | None:
    """The input keys a caller passes; None when it passes a computed object."""
    if reference.how == "SUB_WORKFLOW":
        task = _at(reference.parent.body, reference.path[:-1])
        inputs = task.get("inputParameters", {}) if isinstance(task, dict) else None
    else:
        params = _at(reference.parent.body, reference.path)
        inputs = params.get("input", {}) if isinstance(params, dict) else None
    return set(inputs) if isinstance(inputs, dict) else None


def reference_removed(change: Change, world: World) -> Iterator[Concern]:
    bodies = _bodies(change)
    if bodies is None:
        return
    before, after = (_refs(body) for body in bodies)
    new_refs = {name: ref for ref, name in after.items() if ref not in before}
    for ref in sorted(before.keys() - after.keys()):
        users = [caller(d) for d in world.definitions.workflows
                 if d.name == change.name and d.body.get("version") == change.version
                 and any(ref in EXPRESSION_HEAD.findall(t) for t in scalar_texts(d.body))]
        users.extend(caller(h) for h in world.definitions.event_handlers if _handler_uses(
            h.body, change.name, ref))
        renamed = new_refs.get(before[ref])
        what = f"task reference '{ref}' is gone" + (f" (renamed '{renamed}'?)" if renamed else "")
        yield Concern("reference-removed", "breaking" if users else "info", change.address,
                      what + ("; these still reference it" if users else ""), tuple(users))


def _handler_uses(handler: JSONObject, workflow: str, ref: str) -> bool:
    """Whether an event handler listens to the ``conductor:WORKFLOW:REF`` events an
    EVENT task publishes, or completes or fails the task ``ref``."""
    if handler.get("event") == f"conductor:{workflow}:{ref}":
        return True
    actions = handler.get("actions")
    return any(isinstance(details, dict) and details.get("taskRefName") == ref
               for action in (actions if isinstance(actions, list) else [])
               if isinstance(action, dict)
               for details in (action.get("complete_task"), action.get("fail_task")))


def definition_in_use(change: Change, world: World) -> Iterator[Concern]:
    if change.action != "delete":
        return
    if change.kind == "task":
        users = [caller(d) for d in world.task_users(change.name)]
        what = f"task definition {change.name} is deleted"
    elif change.kind == "workflow":
        users = [caller(r.parent) for r in world.callers(change.name, change.version)
                 if r.pinned or change.name not in world.newest]
        what = f"workflow {change.name} v{change.version} is deleted"
    else:
        return
    if users:
        yield Concern(f"{change.kind}-in-use", "breaking", change.address,
                      f"{what} while these still use it", tuple(users))


def limits_lowered(change: Change, world: World) -> Iterator[Concern]:
    if change.kind == "task" and change.action == "update" and change.live is not None:
        bodies: tuple[JSONObject, JSONObject] | None = (change.live, change.payload or {})
        keys: tuple[str, ...] = TASK_LIMITS
        kind: ObjectKind = "task-def"
    else:
        bodies, keys, kind = _bodies(change), ("timeoutSeconds",), "workflow-def"
    if bodies is None:
        return
    users = tuple(caller(d) for d in world.task_users(change.name)) \
        if change.kind == "task" else ()
    for key in keys:
        # what the server applies: a field left out takes its default
        before, after = (body.get(key, default_of(kind, key)) for body in bodies)
        if _lowered(key, before, after):
            yield Concern("limit-lowered", "risky", change.address,
                          f"{key} lowered from {before} to {after}: running and new "
                          "executions retry or wait less", users)


def _lowered(key: str, before: Any, after: Any) -> bool:
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (before, after)):
        return False
    if key in TIMEOUTS and before == 0:
        return bool(after > 0)
    return bool(after < before) and not (key in TIMEOUTS and after == 0)


def keys_narrowed(change: Change, world: World) -> Iterator[Concern]:
    if change.kind != "task" or change.action != "update" or change.live is None:
        return
    desired = change.payload or {}
    for key in ("inputKeys", "outputKeys"):
        gone = sorted(_keys(change.live.get(key)) - _keys(desired.get(key)))
        if gone and key in desired:
            yield Concern("keys-narrowed", "risky", change.address,
                          f"{key} no longer declares {', '.join(gone)}",
                          tuple(caller(d) for d in world.task_users(change.name)))


RULES: tuple[Rule, ...] = (output_removed, input_required, reference_removed,
                           definition_in_use, limits_lowered, keys_narrowed)


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value)
    if isinstance(value, list):
        return {str(v) for v in value}
    return set()


def _listed(body: JSONObject) -> set[str]:
    listed = body.get("inputParameters")
    return {str(v) for v in listed} if isinstance(listed, list) else set()


def _inputs_read(body: JSONObject) -> set[str]:
    return {m for text in scalar_texts(body.get("tasks")) for m in WORKFLOW_INPUT.findall(text)} \
        | {m for text in scalar_texts(body.get("outputParameters"))
           for m in WORKFLOW_INPUT.findall(text)}


def _refs(body: JSONObject) -> dict[str, str]:
    """Each task reference name of a workflow, with its task's name."""
    sites = walk(Definition("workflow", body, Source("")))
    return {str(s.task["taskReferenceName"]): s.name for s in sites
            if isinstance(s.task.get("taskReferenceName"), str)}


def _at(body: Any, path: Path) -> Any:
    for part in path:
        if isinstance(body, dict) and isinstance(part, str):
            body = body.get(part)
        elif isinstance(body, list) and isinstance(part, int) and part < len(body):
            body = body[part]
        else:
            return None
    return body
