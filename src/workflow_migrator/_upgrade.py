"""What behaves differently when the server under a directory is upgraded from one
generation of Conductor to another (``upgrade-check``), per definition:

- ``key-takes-effect``: a key the old server dropped and the new one keeps (a schema, a
  new retry setting): it starts doing what it says;
- ``key-dropped``: the other way round: a key that stops having an effect;
- ``evaluator``: a SWITCH or INLINE task naming a script evaluator that one of the two
  runs and the other fails at run time (``graaljs``);
- ``refused`` / ``accepted``: a check on register that the new server makes and the old
  did not (so the next deploy fails), or the other way round.

Everything is read from the target table (``_targets``) and the field table
(``_fields``): nothing here says what a generation is. Defaults: the field table holds
one default per key, the same on every server that keeps it, so a key both keep never
changes its default. A key only the new server knows, left out of a file, takes a
default that turns nothing on by itself: no schema, no jitter, no extra delay;
``enforceSchema: true`` enforces only a schema the definition states (reported, as a
key taking effect), ``taskStatusListenerEnabled: true`` only notifies a listener the
server is configured with. So neither is reported.

The report is a plain value; ``_views.upgrade`` renders it (text, JSON, Markdown), as
``_views.plan`` renders a plan.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Literal

from workflow_migrator._fields import fields_of, kept_keys
from workflow_migrator._findings import Finding
from workflow_migrator._models import Definition, DefinitionSet
from workflow_migrator._rules import Context
from workflow_migrator._rules.task_types import evaluator_of
from workflow_migrator._rules.unknown_keys import objects_of
from workflow_migrator._targets import Target
from workflow_migrator._validate import belongs_to, validate

FORMAT_VERSION = "1.0"
ChangeKind = Literal["key-takes-effect", "key-dropped", "evaluator", "refused", "accepted"]
#: Each kind of difference, as the report's legend explains it.
KINDS: dict[ChangeKind, str] = {
    "key-takes-effect": "a key the old server dropped starts taking effect",
    "key-dropped": "a key stops taking effect: the new server drops it",
    "evaluator": "a script evaluator one server runs and the other fails at run time",
    "refused": "a check the new server makes on register refuses it",
    "accepted": "a check the old server made is gone",
}
#: The rule whose findings the report lists as ``evaluator``, not as a validation.
_EVALUATOR_RULE = "evaluator"


@dataclasses.dataclass(frozen=True)
class Difference:
    """One way one definition behaves differently after the upgrade."""

    kind: ChangeKind
    #: JSON path in the file
    path: str
    message: str


@dataclasses.dataclass(frozen=True)
class DefinitionChanges:
    """The differences of one definition."""

    file: str
    label: str
    differences: tuple[Difference, ...]


@dataclasses.dataclass(frozen=True)
class UpgradeReport:
    """What behaves differently, definition by definition, from ``source`` to
    ``destination``; only the definitions with a difference are listed."""

    source: Target
    destination: Target
    definitions: tuple[DefinitionChanges, ...]
    #: how many definitions were looked at
    checked: int

    @property
    def has_changes(self) -> bool:
        return bool(self.definitions)

    @property
    def count(self) -> int:
        return sum(len(d.differences) for d in self.definitions)

    def summary(self) -> str:
        return (f"Upgrade from {self.source.name} to {self.destination.name}: "
                f"{len(self.definitions)} of {self.checked} definition(s) behave differently "
                f"({self.count} difference(s)).")


def upgrade_report(definitions: DefinitionSet, source: Target,
                   destination: Target) -> UpgradeReport:
    """What behaves differently in ``definitions`` once the server goes from ``source``
    to ``destination``.

    :param definitions: the loaded definitions (they may be invalid for one of the two).
    """
    context = Context(definitions, target=source)
    before = _refusals(validate(definitions, target=source))
    after = _refusals(validate(definitions, target=destination))
    changed = []
    for definition in definitions:
        differences = [
            *_keys(context, definition, source, destination),
            *_evaluators(context, definition, source, destination),
            *_validations(definition, before, after, destination, "refused"),
            *_validations(definition, after, before, source, "accepted")]
        if differences:
            changed.append(DefinitionChanges(definition.source.file, definition.label,
                                             tuple(differences)))
    return UpgradeReport(source, destination, tuple(changed), len(definitions))


def _keys(context: Context, definition: Definition, source: Target,
          destination: Target) -> Iterator[Difference]:
    old, new = kept_keys(source.server), kept_keys(destination.server)
    for body, kind, path in objects_of(context, definition):
        fields = fields_of(kind)
        for key in body:
            if key not in fields or (key in old[kind]) == (key in new[kind]):
                continue  # a key no server knows is the unknown-key warning's
            where = definition.source.path(*path, key)
            if key in new[kind]:
                yield Difference("key-takes-effect", where,
                                 f"'{key}' takes effect: {source.title} dropped it, "
                                 f"{destination.title} keeps it")
            else:
                yield Difference("key-dropped", where,
                                 f"'{key}' stops taking effect: {destination.title} drops it")


def _evaluators(context: Context, definition: Definition, source: Target,
                destination: Target) -> Iterator[Difference]:
    for site in context.sites(definition):
        found = evaluator_of(site)
        if found is None:
            continue
        evaluator, path = found
        runs_before, runs_after = (evaluator in source.evaluators,
                                   evaluator in destination.evaluators)
        if runs_before == runs_after:
            continue
        where = definition.source.path(*site.path, *path)
        if runs_after:
            yield Difference("evaluator", where, f"evaluatorType '{evaluator}' starts running: "
                             f"{source.title} failed the task at run time")
        else:
            yield Difference("evaluator", where, f"evaluatorType '{evaluator}' stops running: "
                             f"{destination.title} fails the task at run time")


def _refusals(findings: list[Finding]) -> dict[tuple[str, str, str], Finding]:
    return {(f.file, f.path, f.rule): f for f in findings
            if f.severity == "error" and f.rule != _EVALUATOR_RULE}


def _validations(definition: Definition, without: dict[tuple[str, str, str], Finding],
                 with_: dict[tuple[str, str, str], Finding], by: Target,
                 kind: ChangeKind) -> Iterator[Difference]:
    for key, finding in with_.items():
        if key in without or not belongs_to(finding, definition):
            continue
        if kind == "refused":
            message = f"newly refused: {by.title} refuses it on register"
        else:
            message = f"no longer refused: only {by.title} refused it"
        yield Difference(kind, finding.path, f"{message}: {finding.message} [{finding.rule}]")


