"""What a definition is: its kind, its body, and where it came from.

Definitions travel as the raw JSON objects of their files: no typed model sits
between the file and the server, so no field is ever lost on the way. What the
fields of a body are (type, limits, the defaults the server fills in, which fields
it manages) and the kinds of definition are one table, in ``_fields.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from workflow_migrator._fields import Kind as Kind
from workflow_migrator._fields import kind_info, kinds
from workflow_migrator._findings import json_path

if TYPE_CHECKING:
    from workflow_migrator._parse import Positions

JSONObject = dict[str, Any]

#: Definitions a Conductor server may (re)create at boot: stock Orkes Conductor v1.1.12
#: force-upserts these on every start (the project's image only with LOADSAMPLE=true).
#: They may be defined like any other name; prune never deletes them.
BOOT_SAMPLE_TASKS = frozenset(
    {"simple_task_1", "simple_task_2", "simple_task_3", "simple_task_4", "simple_task_5",
     "simple_task_6"}
)
BOOT_SAMPLE_WORKFLOWS = frozenset({"load_test", "http", "http_perf_test"})

#: The task definition in which the migrator keeps the record of the last deploy (a task
#: definition survives restarts on every Conductor and is never run). Never compared,
#: planned or pruned: it is taken out wherever the server's definitions are read.
DEPLOY_RECORD_TASK = "__workflow_migrator_deploy_record__"


@dataclasses.dataclass(frozen=True)
class Source:
    """Where a definition came from: a file, relative to the config directory, and,
    for a file that holds a list, the index in it."""

    file: str
    index: int | None = None
    #: where the file's values stand (shared by the definitions of one file)
    positions: Positions | None = dataclasses.field(default=None, compare=False, repr=False)

    def path(self, *parts: str | int) -> str:
        return json_path(*self._within_file(parts))

    def position(self, *parts: str | int) -> tuple[int, int] | None:
        """The line and column (1-based) in the file of the value at ``parts`` of this
        definition; None when unknown. Worked out on the first question only."""
        return self.positions.of(self._within_file(parts)) if self.positions else None

    def _within_file(self, parts: tuple[str | int, ...]) -> tuple[str | int, ...]:
        return parts if self.index is None else (self.index, *parts)


@dataclasses.dataclass(frozen=True)
class Definition:
    """A task definition, workflow definition or event handler as its file states it."""

    kind: Kind
    body: JSONObject
    source: Source
    #: each JSON path of ``body`` whose value came from a secret placeholder, with the
    #: file's text there (``Bearer @{TOKEN}``): where a secret sits, never its value
    secret_paths: Mapping[tuple[str | int, ...], str] = dataclasses.field(
        default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        return str(self.body.get("name", ""))

    @property
    def version(self) -> int | None:
        """The stated version of a workflow; ``None`` means versioned automatically."""
        version = self.body.get("version")
        return version if isinstance(version, int) and not isinstance(version, bool) else None

    @property
    def label(self) -> str:
        label = f"{kind_info(self.kind).noun} {self.name}"
        if self.kind != "workflow":
            return label
        return f"{label} v{'auto' if self.version is None else self.version}"


@dataclasses.dataclass(frozen=True)
class DefinitionSet:
    """Everything a config directory defines."""

    tasks: tuple[Definition, ...] = ()
    workflows: tuple[Definition, ...] = ()
    secret_values: frozenset[str] = frozenset()
    event_handlers: tuple[Definition, ...] = ()
    #: the definitions of every other kind of the field table's ``KINDS``, by kind
    others: Mapping[str, tuple[Definition, ...]] = dataclasses.field(default_factory=dict)

    @classmethod
    def of_kinds(cls, by_kind: Mapping[Kind, Sequence[Definition]],
                 secret_values: frozenset[str] = frozenset()) -> DefinitionSet:
        """The set of these definitions, by kind."""
        named = ("task", "workflow", "event_handler")
        return cls(tuple(by_kind.get("task", ())), tuple(by_kind.get("workflow", ())),
                   secret_values, tuple(by_kind.get("event_handler", ())),
                   {str(kind): tuple(items) for kind, items in by_kind.items()
                    if kind not in named})

    def of_kind(self, kind: str) -> tuple[Definition, ...]:
        """The definitions of one kind."""
        named = {"task": self.tasks, "workflow": self.workflows,
                 "event_handler": self.event_handlers}
        return named[kind] if kind in named else self.others.get(kind, ())

    def __iter__(self) -> Iterator[Definition]:
        for info in kinds():
            yield from self.of_kind(info.kind)

    def __len__(self) -> int:
        return sum(len(self.of_kind(info.kind)) for info in kinds())
