"""What a field of a definition is (``Field``), and every view a table of them derives
(``FieldTable``): the defaults each server fills in, the comparison's defaults, the keys
the server manages, the keys each server keeps, and the keys holding nested objects.

The table's content (every kind of object and its fields) is ``_fields.py``'s; this module
is the machinery, so a test can build a table of its own (``FieldTable.with_field``) and see
every view derived anew. It imports nothing from the package.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

ObjectKind = Literal["task-def", "workflow-def", "workflow-task", "sub-workflow",
                     "event-handler", "event-action", "start-workflow", "task-details",
                     "schema-def"]
#: A value's JSON type; the names of object kinds stand for an object of that kind.
FieldType = Literal[
    "string", "integer", "boolean", "object", "string-list", "string-map", "any",
    "tasks", "task-lists", "task-map", "actions",
    "task-def", "workflow-def", "sub-workflow", "start-workflow", "task-details", "schema-def",
]
#: The servers whose defaults the table records: Conductor 3.15 and conductor-oss 3.2x+.
Server = Literal["core", "oss"]
SERVERS: tuple[Server, ...] = get_args(Server)
OBJECT_KINDS: frozenset[str] = frozenset(get_args(ObjectKind))
#: The keys a server keeps of each kind of object; it drops every other key it is sent.
ServerKeys = Mapping[ObjectKind, frozenset[str]]


class _NoDefault(enum.Enum):
    NO_DEFAULT = "no default"

    def __repr__(self) -> str:
        return "NO_DEFAULT"


#: The server fills in nothing: a field left out stays out. (A default of ``{}``, ``[]``
#: or ``None`` is a default: the server fills in that value.)
NO_DEFAULT: Final = _NoDefault.NO_DEFAULT


@dataclasses.dataclass(frozen=True)
class Field:
    """One field of one kind of object."""

    type: FieldType
    _: dataclasses.KW_ONLY
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    #: an integer's size on the server (a Java int, or a long): a larger number is refused
    #: by its JSON parser, with a 500, after the definitions before it were written
    bits: int = 32
    #: the value the server fills in when a file leaves the field out, on every server
    #: that knows the field; NO_DEFAULT when it fills in nothing
    default: Any = NO_DEFAULT
    #: a file must state it (and not leave it empty)
    required: bool = False
    #: only conductor-oss 3.2x and later know it: Conductor 3.15 silently drops it
    oss_only: bool = False
    #: the server sets it; a file may carry it (copied from a server), it is ignored
    server_managed: bool = False

    def default_on(self, server: Server) -> Any:
        """The default ``server`` fills in; NO_DEFAULT when it has none or drops the field."""
        return NO_DEFAULT if self.oss_only and server == "core" else self.default

    @property
    def maximum(self) -> int:
        return (1 << (self.bits - 1)) - 1

    @property
    def lowest(self) -> int:
        """The smallest integer the server holds (``minimum`` may ask for more)."""
        return -(1 << (self.bits - 1))

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT

    @property
    def object_kind(self) -> ObjectKind | None:
        """The kind of object the value is, for a field that holds one object."""
        return self.type if self.type in OBJECT_KINDS else None  # type: ignore[return-value]


class FieldTable:
    """The fields of every kind of object, and every view derived from them."""

    def __init__(self, objects: Mapping[ObjectKind, Mapping[str, Field]]) -> None:
        self._objects: Mapping[ObjectKind, Mapping[str, Field]] = MappingProxyType(
            {kind: MappingProxyType(dict(fields)) for kind, fields in objects.items()})
        self._defaults = {
            (kind, server): MappingProxyType(
                {key: f.default_on(server) for key, f in fields.items()
                 if f.default_on(server) is not NO_DEFAULT})
            for kind, fields in self._objects.items() for server in SERVERS}
        self._comparison = {
            kind: MappingProxyType({key: f.default for key, f in fields.items()
                                    if f.has_default})
            for kind, fields in self._objects.items()}
        self._server_managed = frozenset(
            key for fields in self._objects.values() for key, f in fields.items()
            if f.server_managed)
        self._kept = {
            server: MappingProxyType({
                kind: frozenset(key for key, f in fields.items()
                                if server != "core" or not f.oss_only)
                for kind, fields in self._objects.items()})
            for server in (*SERVERS, None)}
        self._oss_only = frozenset(
            key for kind in ("task-def", "workflow-def")
            for key, f in self._objects[kind].items() if f.oss_only)
        # Asked for every task of every workflow on every validation: computed once.
        self._embedded = {
            kind: tuple((key, f.object_kind) for key, f in fields.items()
                        if f.object_kind is not None)
            for kind, fields in self._objects.items()}

    def fields(self, kind: ObjectKind) -> Mapping[str, Field]:
        """Every field of ``kind``, by key."""
        return self._objects[kind]

    def defaults(self, kind: ObjectKind, server: Server) -> Mapping[str, Any]:
        """What ``server`` fills in for each field of ``kind`` a file leaves out."""
        return self._defaults[(kind, server)]

    def comparison_defaults(self, kind: ObjectKind) -> Mapping[str, Any]:
        """The defaults of every server, merged: a field holding one equals a field left
        out. (No field has different defaults on different servers.)"""
        return self._comparison[kind]

    def server_managed(self) -> frozenset[str]:
        """The keys the server manages, in any kind of object."""
        return self._server_managed

    def kept_keys(self, server: Server | None) -> ServerKeys:
        """The keys ``server`` keeps of each kind of object; with no server, every key
        any server knows."""
        return self._kept[server]

    def oss_only_keys(self) -> frozenset[str]:
        """The keys of task and workflow definitions only conductor-oss knows."""
        return self._oss_only

    def embedded(self, kind: ObjectKind) -> tuple[tuple[str, ObjectKind], ...]:
        """The keys of ``kind`` that hold an object of another kind, with that kind."""
        return self._embedded[kind]

    def required(self, kind: ObjectKind) -> tuple[str, ...]:
        return tuple(key for key, f in self._objects[kind].items() if f.required)

    def with_field(self, kind: ObjectKind, key: str, field: Field) -> FieldTable:
        """A copy of the table with one field added (or replaced)."""
        return FieldTable({**self._objects, kind: {**self._objects[kind], key: field}})

    def with_object(self, kind: str, fields: Mapping[str, Field]) -> FieldTable:
        """A copy of the table with one more kind of object (the body of a new kind of
        definition, say)."""
        return FieldTable({**self._objects, kind: fields})  # type: ignore[dict-item]
