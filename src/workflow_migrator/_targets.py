"""The server generations a config directory can be written for (its *target*), and
what differs between them.

A target names the generation of Conductor the definitions are for:

- ``conductor-3.15``: Netflix Conductor 3.15, the core Orkes Conductor v1.1.12 runs
  (production); the default;
- ``conductor-oss-3.2x``: conductor-oss 3.20 and later (the 3.32.3 of ``make demo``).

``TARGETS`` is the one table of what differs, besides the fields (which keys each
generation keeps, and their defaults, are the field table's ``server`` column: a
target names its column). Every check that depends on the generation reads it: the
evaluators a SWITCH or INLINE task may name, and the checks only one generation makes
on register. The validator, the comparison, ``upgrade-check`` and the docs read it;
nothing else states what a generation is.

A server tells its generation by the fields of the definitions it returns
(``_fields.server_of``: conductor-oss returns its own in every one), and by the version
it states (``generation_of_version``); ``detect`` weighs the two.

This module imports only ``_fields``, and that only to detect a server: every other
module may import it, and the command line's options (``TARGET_NAMES``) cost nothing more.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    from workflow_migrator._fields import Server

TargetName = Literal["conductor-3.15", "conductor-oss-3.2x"]
TARGET_NAMES: tuple[TargetName, ...] = get_args(TargetName)


@dataclasses.dataclass(frozen=True)
class Target:
    """One generation of Conductor server, and what its definitions may use."""

    name: TargetName
    #: the field table's column: which keys it keeps, which defaults it fills in
    server: Server
    #: how a message names it
    title: str
    #: the script evaluators a SWITCH ``evaluatorType`` or an INLINE task's
    #: ``inputParameters.evaluatorType`` may name; any other is registered without a word
    #: and fails the task when it runs ("Unknown evaluator")
    evaluators: tuple[str, ...]
    #: the register-time checks (rule identifiers) only this generation makes: the other
    #: accepts what they refuse
    own_checks: frozenset[str] = frozenset()

    def makes(self, rule: str) -> bool:
        """Whether a check that only some generations make applies to this target."""
        return rule not in GENERATION_CHECKS or rule in self.own_checks


_TARGETS = (
    # Measured on Netflix Conductor 3.15.0: POST /api/metadata/workflow/validate refuses
    # a workflow name with ':' and an ownerEmail that is no address; 3.32.3 accepts both.
    Target("conductor-3.15", "core",
           "Conductor 3.15 (Orkes v1.1.12's core)",
           ("javascript", "value-param"), frozenset({"name-chars", "owner-email"})),
    # conductor-oss adds the GraalJS evaluator ("graaljs"), which runs on 3.32.3.
    Target("conductor-oss-3.2x", "oss", "conductor-oss 3.2x",
           ("javascript", "value-param", "graaljs")),
)
TARGETS: Mapping[TargetName, Target] = MappingProxyType({t.name: t for t in _TARGETS})
#: Production's generation: what a directory that names no target is checked for.
DEFAULT_TARGET: Target = TARGETS["conductor-3.15"]
#: The checks that follow the target (made by some generations, not by others).
GENERATION_CHECKS: frozenset[str] = frozenset().union(*(t.own_checks for t in _TARGETS))
#: The target of each column of the field table.
BY_SERVER: Mapping[Server, Target] = MappingProxyType({t.server: t for t in _TARGETS})

_VERSION = re.compile(r"\s*v?(\d+)\.(\d+)(?:\.\d+)?\b")
#: The first conductor-oss minor version of the 3.2x generation.
_OSS_FROM_MINOR = 20


def target_named(name: str) -> Target:
    """The target called ``name``; ValueError naming the known ones otherwise."""
    try:
        return TARGETS[name]  # type: ignore[index]
    except KeyError:
        raise ValueError(f"unknown target '{name}' (known: {', '.join(TARGET_NAMES)})") from None


def generation_of_version(version: str) -> Target | None:
    """The generation a Conductor version string names (``3.15.0`` -> conductor-3.15,
    ``3.32.3`` -> conductor-oss-3.2x); None for anything else (an Orkes build's own
    version number, an empty answer), which the shape of its definitions then tells."""
    match = _VERSION.match(version)
    if match is None or int(match.group(1)) != 3:
        return None
    return BY_SERVER["oss" if int(match.group(2)) >= _OSS_FROM_MINOR else "core"]


@dataclasses.dataclass(frozen=True)
class Detected:
    """The generation a server was found to run, and what told it."""

    #: None when nothing told it (no version stated, no definition to tell by)
    target: Target | None
    #: what told it, for the log: "version 3.32.3", "the fields of its definitions"
    signal: str

    def describe(self) -> str:
        if self.target is None:
            return f"generation unknown ({self.signal})"
        return f"{self.target.name} ({self.signal})"

    def mismatch(self, target: Target) -> str | None:
        """Why ``target`` does not fit this server; None when it fits or is unknown."""
        if self.target is None or self.target == target:
            return None
        return (f"the directory targets {target.name}, but the server runs "
                f"{self.target.name} ({self.signal}): the checks made are not the server's")


def detect(version: str | None, definitions: Iterable[Mapping[str, Any]]) -> Detected:
    """The generation of a server, from the version it states and, when that names none
    (an Orkes build states its own number), from the fields of the task and workflow
    definitions it returns (conductor-oss returns the fields only it knows in every one).

    :param version: what ``GET /api/admin/config`` says, if anything.
    :param definitions: the task and workflow definitions the server returned.
    """
    from workflow_migrator._fields import server_of

    by_version = generation_of_version(version) if version else None
    if by_version is not None:
        return Detected(by_version, f"version {version}")
    server = server_of(definitions)
    stated = f"version {version}; " if version else ""
    if server is not None:
        return Detected(BY_SERVER[server], f"{stated}by the fields of its definitions")
    return Detected(None, f"{stated}no version stated and no definitions to tell by")
