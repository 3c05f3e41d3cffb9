"""The migrator's commands as plain functions: load -> validate -> plan -> apply -> report.

The CLI is a thin shell over these; programs and tests call them directly.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from workflow_migrator import _secret_paths as secret_paths
from workflow_migrator._apply import ApplyResult, apply_plan
from workflow_migrator._exceptions import DefinitionError, UnsafeChangeError
from workflow_migrator._fields import kept_keys, server_of
from workflow_migrator._findings import Finding
from workflow_migrator._loader import load_directory
from workflow_migrator._models import DEPLOY_RECORD_TASK, DefinitionSet
from workflow_migrator._output import Reporter
from workflow_migrator._plan import (
    DEFAULT_OPTIONS,
    LiveState,
    Plan,
    PlanOptions,
    compute_plan,
)
from workflow_migrator._record import (
    Status,
    config_hash,
    new_record,
    parse_record,
    write_record,
)
from workflow_migrator._rules import SERVER_AWARE_RULES, ServerFacts
from workflow_migrator._validate import in_order, server_disagreements, validate

if TYPE_CHECKING:
    from workflow_migrator._client import ConductorClient


def validate_directory(config_dir: Path, app_env: str = "", *,
                       reporter: Reporter | None = None) -> tuple[DefinitionSet, list[Finding]]:
    """Loads and validates a config directory, offline: every finding, errors and warnings.

    :param config_dir: the directory holding ``tasks/``, ``workflows/``, ``event-handlers/``.
    :param app_env: the environment whose values fill the placeholders.
    :param reporter: told the secret values as soon as they are loaded, before anything
        (a finding, the server's answer) can quote one.
    """
    definitions, findings = _load(config_dir, app_env, reporter)
    return definitions, in_order(findings, validate(definitions))


def _load(config_dir: Path, app_env: str,
          reporter: Reporter | None) -> tuple[DefinitionSet, list[Finding]]:
    """The directory's definitions, the reporter told their secret values at once."""
    definitions, findings = load_directory(config_dir, app_env)
    if reporter:
        reporter.add_secrets(definitions.secret_values)
    return definitions, findings


def validate_with_server(config_dir: Path, client: ConductorClient, *, app_env: str = "",
                         wait_timeout: float = 60.0, reporter: Reporter | None = None,
                         ) -> tuple[DefinitionSet, list[Finding]]:
    """``validate --server``: the offline checks, with what the server holds (a missing
    sub-workflow is an error unless the server has it), and the server's own verdict on
    each workflow (``POST /api/metadata/workflow/validate``, which writes nothing) where
    it differs from ours.

    :param client: the server to ask.
    :param wait_timeout: seconds to wait for a server that is still starting.
    """
    definitions, loaded = _load(config_dir, app_env, reporter)
    live = read_live(client, wait_timeout, reporter, event_handlers=False)
    ours = validate(definitions, ServerFacts.read(live.tasks, live.workflows))
    verdicts = {id(d): client.validate_workflow_def(d.body) for d in definitions.workflows}
    return definitions, in_order(loaded, ours,
                                 server_disagreements(definitions, ours, verdicts,
                                                      client.base_url))


def load_valid(config_dir: Path, app_env: str = "",
               reporter: Reporter | None = None) -> tuple[DefinitionSet, list[Finding]]:
    """Loads and validates a config directory offline; raises DefinitionError on any error.

    :param config_dir: the directory holding ``tasks/`` and ``workflows/``.
    :param app_env: the environment whose values fill the placeholders.
    :param reporter: told the secret values before the error that may quote one is raised.
    :returns: the definitions and the warnings.
    """
    definitions, findings = validate_directory(config_dir, app_env, reporter=reporter)
    _raise_on_errors(findings)
    return definitions, findings


def _raise_on_errors(findings: list[Finding]) -> None:
    if any(f.severity == "error" for f in findings):
        raise DefinitionError(findings)


def read_live(client: ConductorClient, wait_timeout: float,
              reporter: Reporter | None = None, *, event_handlers: bool = True) -> LiveState:
    """Waits for the server, then reads every task definition, workflow version and
    event handler.

    :param wait_timeout: seconds to wait for a server that is still starting.
    :param event_handlers: whether to read the event handlers too (not needed when the
        directory defines none and nothing is pruned).
    """
    client.wait_until_ready(wait_timeout, on_wait=reporter.log if reporter else None)
    tasks, workflows = client.list_all_defs()
    # The deploy record is the migrator's own bookkeeping, never a definition to plan.
    record = next((t for t in tasks if t.get("name") == DEPLOY_RECORD_TASK), None)
    handlers = client.list_event_handlers() if event_handlers else []
    # The one place that decides which keys the server keeps: told by what it returns.
    keeps = kept_keys(server_of([*tasks, *workflows]))
    return LiveState(tuple(t for t in tasks if t is not record), tuple(workflows),
                     event_handlers=tuple(handlers), deploy_record=record, keeps=keeps)


def make_plan(definitions: DefinitionSet, live: LiveState, client: ConductorClient,
              options: PlanOptions) -> Plan:
    """Plans the changes; with prune, asks the server which candidate versions still run.

    :param definitions: the desired definitions, already validated.
    :param live: what the server holds.
    :param options: prune, keep patterns, allow-overwrite.
    """
    planned = compute_plan(definitions, live, options)
    running = frozenset((c.name, c.version) for c in planned.pending("delete", "workflow")
                        if c.version is not None and client.running_workflow_ids(c.name, c.version))
    if not running:
        return planned
    return compute_plan(definitions, dataclasses.replace(live, running=running), options)


def plan(config_dir: Path, client: ConductorClient, *, options: PlanOptions = DEFAULT_OPTIONS,
         app_env: str = "", wait_timeout: float = 300.0, reporter: Reporter | None = None) -> Plan:
    """What ``deploy`` would do, without writing anything.

    :param config_dir: the directory holding ``tasks/`` and ``workflows/``.
    :param client: the server to compare with.
    :param options: prune, keep patterns, allow-overwrite.
    :param app_env: the environment whose values fill the placeholders.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :param reporter: where progress is shown; it learns the secret values to mask.
    """
    return _plan_and_live(config_dir, client, options=options, app_env=app_env,
                          wait_timeout=wait_timeout, reporter=reporter)[0]


def _plan_and_live(config_dir: Path, client: ConductorClient, *, options: PlanOptions,
                   app_env: str, wait_timeout: float,
                   reporter: Reporter | None) -> tuple[Plan, LiveState, DefinitionSet]:
    definitions, _ = load_valid(config_dir, app_env, reporter)
    live = read_live(client, wait_timeout, reporter,
                     event_handlers=bool(definitions.event_handlers) or options.prune)
    # What the server holds turns some warnings into errors (a sub-workflow that exists
    # neither in the directory nor on the server); still before anything is written.
    facts = ServerFacts.read(live.tasks, live.workflows)
    _raise_on_errors(validate(definitions, facts, rules=SERVER_AWARE_RULES))
    return make_plan(definitions, live, client, options), live, definitions


def deploy(config_dir: Path, client: ConductorClient, *, options: PlanOptions = DEFAULT_OPTIONS,
           app_env: str = "", wait_timeout: float = 300.0,
           reporter: Reporter | None = None,
           source_revision: str | None = None) -> tuple[Plan, ApplyResult]:
    """Brings the server to exactly the directory's definitions; writes nothing on any error.
    Then stores the deploy record, unless the server's record already describes this very
    deploy (an unchanged re-deploy of the same content stays free of writes).

    :param config_dir: the directory holding ``tasks/`` and ``workflows/``.
    :param client: the server to change.
    :param options: prune, keep patterns, allow-overwrite.
    :param app_env: the environment whose values fill the placeholders.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :param reporter: where the plan and the progress are shown.
    :param source_revision: the revision (e.g. a git commit) the directory comes from.
    """
    planned, live, definitions = _plan_and_live(
        config_dir, client, options=options, app_env=app_env, wait_timeout=wait_timeout,
        reporter=reporter)
    if reporter:
        reporter.plan(planned)
    if planned.conflicts:
        raise UnsafeChangeError(list(planned.conflicts))
    result = apply_plan(planned, client, on_change=reporter.applied if reporter else lambda c: None,
                        keeps=live.keeps)
    previous = parse_record(live.deploy_record)
    secrets = secret_paths.after_deploy(previous.secret_paths if previous else {},
                                        definitions, _deleted(planned, live))
    record = new_record(planned, config_dir, app_env=app_env, source_revision=source_revision,
                        secrets=secrets)
    if planned.has_changes or not record.same_deploy(previous):
        write_record(client, record, exists=live.deploy_record is not None)
    return planned, result


def _deleted(planned: Plan, live: LiveState) -> list[str]:
    """The definitions ``planned`` deletes entirely: a workflow once all its versions go."""
    gone = [secret_paths.key(c.kind, c.name) for c in planned.changes
            if c.action == "delete" and c.kind != "workflow"]
    versions = Counter(str(w.get("name")) for w in live.workflows)
    deleted = Counter(c.name for c in planned.pending("delete", "workflow"))
    kept = {c.name for c in planned.changes if c.kind == "workflow" and c.action != "delete"}
    return gone + [secret_paths.key("workflow", name) for name, count in deleted.items()
                   if count == versions[name] and name not in kept]


def status(config_dir: Path, client: ConductorClient, *, options: PlanOptions = DEFAULT_OPTIONS,
           app_env: str = "", wait_timeout: float = 300.0,
           reporter: Reporter | None = None) -> Status:
    """Reads the last deploy's record and plans ``config_dir`` against the server.

    :param config_dir: the directory the server should hold.
    :param client: the server to ask; nothing is written.
    :param options: prune, keep patterns, allow-overwrite, as the deploys use them.
    :param app_env: the environment whose values fill the placeholders.
    :param wait_timeout: seconds to wait for a server that is still starting.
    """
    planned, live, _ = _plan_and_live(config_dir, client, options=options, app_env=app_env,
                                      wait_timeout=wait_timeout, reporter=reporter)
    return Status(parse_record(live.deploy_record), config_hash(config_dir), planned)
