"""What every rule sees: the definitions, and what is known of the server."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable

from workflow_migrator._findings import Finding, Severity
from workflow_migrator._models import Definition, DefinitionSet, JSONObject
from workflow_migrator._targets import DEFAULT_TARGET, Target
from workflow_migrator._task_walk import TaskSite, walk


@dataclasses.dataclass(frozen=True)
class ServerFacts:
    """What ``validate --server`` read from the server: its workflow versions and tasks."""

    workflows: frozenset[tuple[str, int]] = frozenset()
    task_names: frozenset[str] = frozenset()

    @property
    def workflow_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.workflows)

    @classmethod
    def read(cls, tasks: Iterable[JSONObject], workflows: Iterable[JSONObject]) -> ServerFacts:
        """The facts of the task definitions and workflow versions a server listed."""
        return cls(
            frozenset((str(w.get("name")), int(w.get("version", 1)))
                      for w in workflows if isinstance(w, dict)),
            frozenset(str(t.get("name")) for t in tasks if isinstance(t, dict)))


@dataclasses.dataclass(frozen=True)
class Context:
    """The loaded set, indexed once for every rule, and the generation of server it is
    for (which evaluators, keys and register-time checks apply)."""

    definitions: DefinitionSet
    server: ServerFacts | None = None
    target: Target = DEFAULT_TARGET

    @functools.cached_property
    def task_defs(self) -> dict[str, Definition]:
        """The first definition of each task name."""
        index: dict[str, Definition] = {}
        for definition in self.definitions.tasks:
            index.setdefault(definition.name, definition)
        return index

    def knowing(self, server: ServerFacts) -> Context:
        """The same set and target, with what the server holds: what was indexed and
        walked already is kept, not done again."""
        known = dataclasses.replace(self, server=server)
        for name in ("task_defs", "_sites"):
            if name in self.__dict__:  # a cached_property computed on this one
                known.__dict__[name] = self.__dict__[name]
        return known

    def sites(self, definition: Definition) -> tuple[TaskSite, ...]:
        """Every task of a workflow, nested ones included (see ``walk``), walked once."""
        return self._sites.get(id(definition), ())

    @functools.cached_property
    def _sites(self) -> dict[int, tuple[TaskSite, ...]]:
        return {id(d): tuple(walk(d)) for d in self.definitions.workflows}


def finding(definition: Definition, path: tuple[str | int, ...], message: str, rule: str,
            severity: Severity = "error") -> Finding:
    """A finding at ``path`` inside ``definition``'s body."""
    return Finding(definition.source.file, definition.source.path(*path), message, rule, severity)


