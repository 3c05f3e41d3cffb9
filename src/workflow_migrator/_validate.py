"""Checks a DefinitionSet before anything is written, and reports every problem at once.

Each rule (``_rules/``) yields Findings located by file and JSON path. Errors stop
a deploy; warnings are reported and only fail ``validate --strict``. ``validate``
is pure: it reads nothing but the loaded set. ``validate_directory`` with a client
also asks the server: which workflows and tasks it already has, and its own
verdict on each workflow (``POST /api/metadata/workflow/validate``, which writes
nothing), and reports where that verdict differs from ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from workflow_migrator._findings import Finding
from workflow_migrator._loader import load_directory
from workflow_migrator._models import DEPLOY_RECORD_TASK, Definition, DefinitionSet
from workflow_migrator._output import Reporter
from workflow_migrator._rules import RULE_IDS, RULES, Context, Rule, ServerFacts

if TYPE_CHECKING:
    from workflow_migrator._client import ConductorClient

#: The rules that mirror a check the server makes; only these count when our
#: verdict on a workflow is compared with the server's.
SERVER_RULES = frozenset(rule for rule, (_, server) in RULE_IDS.items() if server)


def validate(definitions: DefinitionSet, server: ServerFacts | None = None,
             rules: Sequence[Rule] = RULES) -> list[Finding]:
    """Every problem in ``definitions``, errors and warnings, in file order.

    :param definitions: the loaded definitions.
    :param server: what the server holds, when known (``validate --server``): a
        sub-workflow missing from the set is then an error unless the server has it.
    :param rules: the rules to run; all of them unless told otherwise.
    """
    context = Context(definitions, server)
    findings = {finding for rule in rules for finding in rule(context)}
    return sorted(findings, key=_order)


def validate_directory(config_dir: Path, app_env: str = "", client: ConductorClient | None = None,
                       wait_timeout: float = 60.0, *, reporter: Reporter | None = None,
                       ) -> tuple[DefinitionSet, list[Finding]]:
    """Loads and validates a config directory; with ``client``, against that server too.

    :param config_dir: the directory holding ``tasks/`` and ``workflows/``.
    :param app_env: the environment whose values fill the placeholders.
    :param client: a server to ask; ``None`` checks offline only (no I/O beyond the files).
    :param wait_timeout: seconds to wait for a server that is still starting.
    :param reporter: told the secret values as soon as they are loaded, before anything
        (a finding, the server's answer) can quote one.
    :returns: the definitions and every finding, errors and warnings.
    """
    definitions, findings = load_directory(config_dir, app_env)
    if reporter:
        reporter.add_secrets(definitions.secret_values)
    if client is None:
        return definitions, sorted([*findings, *validate(definitions)], key=_order)
    client.wait_until_ready(wait_timeout, on_wait=reporter.log if reporter else None)
    tasks, workflows = client.list_all_defs()
    facts = ServerFacts.read([t for t in tasks if t.get("name") != DEPLOY_RECORD_TASK], workflows)
    ours = validate(definitions, facts)
    verdicts = [_compare_verdict(client, definition, ours) for definition in definitions.workflows]
    return definitions, sorted([*findings, *ours, *(v for v in verdicts if v)], key=_order)


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


def _compare_verdict(client: ConductorClient, definition: Definition,
                     ours: list[Finding]) -> Finding | None:
    theirs = client.validate_workflow_def(definition.body)
    mine = server_verdict_errors(ours, definition)
    where = definition.source.path()
    if theirs and not mine:
        return Finding(definition.source.file, where, f"the server refuses {definition.label}, "
                       f"but validate found no error: {'; '.join(theirs)}", "server-disagreement")
    if mine and not theirs:
        rules = ", ".join(sorted({f.rule for f in mine}))
        return Finding(definition.source.file, where, f"the server at {client.base_url} accepts "
                       f"{definition.label}, which validate refuses ({rules}); it may run a newer "
                       "Conductor than production's 3.15", "server-disagreement", "warning")
    return None


def _order(finding: Finding) -> tuple[str, str, str, str]:
    return (finding.file, finding.path, finding.rule, finding.message)
