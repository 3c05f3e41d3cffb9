"""Checks a DefinitionSet before anything is written, and reports every problem at once.

Each rule (``_rules/``) yields Findings located by file and JSON path. Errors stop
a deploy; warnings are reported and only fail ``validate --strict``. Everything here is
pure: definitions (and, when known, facts and verdicts a server gave) in, findings out.
Reading the files and asking the server are the command's steps (``_pipeline.validate_directory``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from workflow_migrator._findings import Finding
from workflow_migrator._models import Definition, DefinitionSet
from workflow_migrator._rules import (
    RULE_IDS,
    RULES,
    SERVER_AWARE_RULES,
    Context,
    Rule,
    ServerFacts,
)
from workflow_migrator._targets import DEFAULT_TARGET, Target

#: The rules that mirror a check the server makes; only these count when our
#: verdict on a workflow is compared with the server's.
SERVER_RULES = frozenset(rule for rule, (_, server) in RULE_IDS.items() if server)


def validate(definitions: DefinitionSet, server: ServerFacts | None = None,
             rules: Sequence[Rule] = RULES, target: Target = DEFAULT_TARGET) -> list[Finding]:
    """Every problem in ``definitions``, errors and warnings, in file order.

    :param definitions: the loaded definitions.
    :param server: what the server holds, when known (``validate --server``): a
        sub-workflow missing from the set is then an error unless the server has it.
    :param rules: the rules to run; all of them unless told otherwise.
    :param target: the generation of server the definitions are for.
    """
    return _run(Context(definitions, server, target), rules)


class Validation:
    """A set validated in two steps, each workflow's tasks walked once for both: offline
    first (every rule), then, once the server is read, again only the rules whose
    verdict depends on what it holds (``SERVER_AWARE_RULES``), as ``deploy`` does."""

    def __init__(self, definitions: DefinitionSet, target: Target = DEFAULT_TARGET) -> None:
        self._context = Context(definitions, None, target)

    def offline(self) -> list[Finding]:
        """Every problem that needs no server (``validate(definitions)``)."""
        return _run(self._context, RULES)

    def with_server(self, server: ServerFacts) -> list[Finding]:
        """The findings of the server-aware rules, knowing what ``server`` holds."""
        return _run(self._context.knowing(server), SERVER_AWARE_RULES)


def _run(context: Context, rules: Sequence[Rule]) -> list[Finding]:
    # A check only some generations make (a ':' in a workflow name, on 3.15) is left out
    # for a target that accepts what it refuses.
    findings = {finding for rule in rules for finding in rule(context)
                if context.target.makes(finding.rule)}
    return sorted(findings, key=_order)


def belongs_to(finding: Finding, definition: Definition) -> bool:
    """Whether ``finding`` is about ``definition`` (not another item of the same file)."""
    if finding.file != definition.source.file:
        return False
    index = definition.source.index
    return index is None or finding.path.startswith(f"[{index}]")


def server_verdict_errors(findings: list[Finding], definition: Definition) -> list[Finding]:
    """Our errors on ``definition`` that the server would also report."""
    return [f for f in findings if f.severity == "error" and f.rule in SERVER_RULES
            and belongs_to(f, definition)]


def server_disagreements(definitions: DefinitionSet, ours: list[Finding],
                         verdicts: Mapping[int, list[str]], server_url: str) -> list[Finding]:
    """Where the server's verdict on a workflow differs from ours.

    :param ours: our findings on ``definitions``.
    :param verdicts: the server's error messages for each workflow, by ``id()`` of its
        Definition (empty when the server accepts it).
    :param server_url: the server that gave them, named in the findings.
    """
    found = []
    for definition in definitions.workflows:
        theirs = verdicts.get(id(definition), [])
        mine = server_verdict_errors(ours, definition)
        where = definition.source.path()
        if theirs and not mine:
            found.append(Finding(definition.source.file, where, f"the server refuses "
                                 f"{definition.label}, but validate found no error: "
                                 f"{'; '.join(theirs)}", "server-disagreement"))
        elif mine and not theirs:
            rules = ", ".join(sorted({f.rule for f in mine}))
            found.append(Finding(definition.source.file, where, f"the server at {server_url} "
                                 f"accepts {definition.label}, which validate refuses ({rules}); "
                                 "it may run a newer Conductor than production's 3.15",
                                 "server-disagreement", "warning"))
    return found


def in_order(*groups: Iterable[Finding]) -> list[Finding]:
    """Findings of several steps as one report, in file order."""
    return sorted((f for group in groups for f in group), key=_order)


def _order(finding: Finding) -> tuple[str, str, str, str]:
    return (finding.file, finding.path, finding.rule, finding.message)
