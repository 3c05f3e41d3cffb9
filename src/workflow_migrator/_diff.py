"""Compares two environments for a promotion: ``diff --from A --to B``.

Each side is a server (a URL) or a config directory. The difference is a ``Plan``: what
deploying A's definitions onto B would do, with ``--prune``, so that what only B holds
shows as a deletion. It is rendered as any plan, in every format, masked.

- A server side is everything it holds: task definitions, every workflow version, event
  handlers; not the deploy record, nor the samples a server may load at boot.
- A directory side is its definitions for APP_ENV, validated as ``plan`` does. On the
  ``--to`` side an automatically versioned workflow stands for the newest version the
  ``--from`` side holds of it (or version 1), since a directory names no number.
- On the ``--from`` side every workflow version is explicit: a version both hold with
  different content is an update (``~``), one only A holds a create (``+``).

Nothing is written to either side.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from workflow_migrator._compare import FieldChange
from workflow_migrator._loader import load_directory
from workflow_migrator._mask import MASK, masked
from workflow_migrator._models import (
    BOOT_SAMPLE_TASKS,
    BOOT_SAMPLE_WORKFLOWS,
    Definition,
    DefinitionSet,
    JSONObject,
    Source,
)
from workflow_migrator._output import NULL_REPORTER, Reporter
from workflow_migrator._pipeline import load_valid, read_live
from workflow_migrator._plan import Change, LiveState, Plan, PlanOptions, compute_plan

if TYPE_CHECKING:
    from workflow_migrator._client import ConductorClient

#: Every difference counts: nothing on B is kept, and a differing version is "updated".
DIFF_OPTIONS = PlanOptions(prune=True, allow_overwrite=True)


@dataclasses.dataclass(frozen=True)
class Side:
    """One environment: a server's content, or a directory's definitions."""

    label: str
    server: LiveState | None = None
    directory: DefinitionSet | None = None


def is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def read_side(spec: str, connect: Callable[[str], ConductorClient], *, app_env: str = "",
              wait_timeout: float = 300.0, reporter: Reporter = NULL_REPORTER) -> Side:
    """Reads one side: every definition of the server at ``spec``, or of the directory.

    :param connect: opens a client for a server's URL.
    """
    if is_url(spec):
        with connect(spec) as client:
            return Side(spec, server=read_live(client, wait_timeout, reporter))
    definitions, _ = load_valid(Path(spec), app_env, reporter)
    return Side(spec, directory=definitions)


def secrets_of(config_dir: Path) -> frozenset[str]:
    """The secret values of every environment file of ``config_dir``: a server-to-server
    diff knows no APP_ENV for either side, so it masks them all."""
    folder = config_dir / "environments"
    names = sorted({f.stem for f in folder.glob("*.y*ml")}) if folder.is_dir() else []
    return frozenset(s for name in names for s in load_directory(config_dir, name)[0].secret_values)


def compare(source: Side, target: Side, match: Iterable[str] = (),
            secrets: Iterable[str] = ()) -> Plan:
    """What deploying ``source`` onto ``target`` would do: every difference, as a plan.

    :param match: compare only the names matching one of these globs (all when empty).
    :param secrets: the secret values known; a field holding one on either side shows
        the other side's value as ``***`` too (most likely the same secret, rotated).
    """
    patterns = tuple(match)
    desired = _only(source.directory if source.directory is not None
                    else _as_definitions(source.server or LiveState(), source.label), patterns)
    if target.server is not None:
        live = _only_live(target.server, patterns)
    else:
        newest: dict[str, int] = {}
        for d in desired.workflows:
            newest[d.name] = max(newest.get(d.name, 1), d.version or 1)
        live = _only_live(_as_live(target.directory or DefinitionSet(), newest), patterns)
    planned = compute_plan(desired, live, DIFF_OPTIONS)
    hidden = frozenset(secrets)
    return dataclasses.replace(planned, changes=tuple(
        dataclasses.replace(c, reason=_reason(c, source.label, target.label),
                            fields=tuple(_masked_pair(f, hidden) for f in c.fields))
        for c in planned.changes))


def _masked_pair(field: FieldChange, secrets: frozenset[str]) -> FieldChange:
    """Both values as ``***`` when either holds a secret: the reporter masks by value, and
    the other side's value is the same secret of another environment, or its old value."""
    if not secrets or field.before is None or field.after is None:
        return field
    if any(masked(v, secrets) != v for v in (field.before, field.after)):
        return dataclasses.replace(field, before=MASK, after=MASK)
    return field


def _reason(change: Change, source: str, target: str) -> str:
    if change.action == "delete":
        return f"only in {target}"
    if change.action == "update":
        return "content differs"
    return change.reason.replace("on the server", f"in {target}").replace(
        "matches the server", f"matches {target}")


def _wanted(name: str, patterns: tuple[str, ...]) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _only(definitions: DefinitionSet, patterns: tuple[str, ...]) -> DefinitionSet:
    def keep(group: tuple[Definition, ...]) -> tuple[Definition, ...]:
        return tuple(d for d in group if _wanted(d.name, patterns))

    return DefinitionSet(keep(definitions.tasks), keep(definitions.workflows),
                         definitions.secret_values, keep(definitions.event_handlers))


def _only_live(live: LiveState, patterns: tuple[str, ...]) -> LiveState:
    def keep(items: tuple[JSONObject, ...], samples: frozenset[str]) -> tuple[JSONObject, ...]:
        return tuple(i for i in items if str(i.get("name")) not in samples
                     and _wanted(str(i.get("name")), patterns))

    return LiveState(keep(live.tasks, BOOT_SAMPLE_TASKS),
                     keep(live.workflows, BOOT_SAMPLE_WORKFLOWS),
                     event_handlers=keep(live.event_handlers, frozenset()))


def _as_definitions(live: LiveState, label: str) -> DefinitionSet:
    """A server's content as definitions to deploy, every workflow version explicit."""
    live = _only_live(live, ())
    source = Source(label)
    return DefinitionSet(
        tuple(Definition("task", t, source) for t in live.tasks),
        tuple(Definition("workflow", {**w, "version": int(w.get("version", 1))}, source)
              for w in live.workflows),
        event_handlers=tuple(Definition("event_handler", h, source)
                             for h in live.event_handlers))


def _as_live(definitions: DefinitionSet, newest: dict[str, int]) -> LiveState:
    """A directory's definitions as what a server would hold after deploying them."""
    return LiveState(
        tuple(d.body for d in definitions.tasks),
        tuple({**d.body, "version": d.version if d.version is not None
               else newest.get(d.name, 1)} for d in definitions.workflows),
        event_handlers=tuple(d.body for d in definitions.event_handlers))
