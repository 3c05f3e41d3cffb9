"""The migrator's steps over a server as plain functions: load -> validate -> plan ->
apply -> report, and ``read_live``, the one reader of what a server holds.

The commands (``_commands/``) compose these; programs and tests call them directly.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from workflow_migrator import _secret_paths as secret_paths
from workflow_migrator._exceptions import DefinitionError, TargetMismatchError, UnsafeChangeError
from workflow_migrator._fields import kept_keys
from workflow_migrator._findings import Finding
from workflow_migrator._loader import PROJECT_FILE, load_directory
from workflow_migrator._models import DEPLOY_RECORD_TASK, DefinitionSet, JSONObject
from workflow_migrator._output import NULL_REPORTER, Reporter
from workflow_migrator._rules import ServerFacts
from workflow_migrator._targets import (
    DEFAULT_TARGET,
    Detected,
    Target,
    detect,
    generation_of_version,
    target_named,
)
from workflow_migrator._validate import Validation, in_order, server_disagreements, validate

# What only a command that reads the server needs loads when one runs: an offline
# `validate` starts in about a tenth of a second, and these (the plan and its comparison
# and risk model, the thread pool of the writes, hashlib for the record) would add a
# fifth to it.
if TYPE_CHECKING:
    from workflow_migrator._apply import ApplyResult
    from workflow_migrator._client import ConductorClient
    from workflow_migrator._impact import ImpactOptions
    from workflow_migrator._plan import LiveState, Plan, PlanOptions
    from workflow_migrator._project import Project
    from workflow_migrator._record import Status
    from workflow_migrator._upgrade import UpgradeReport


def validate_directory(config_dir: Path, app_env: str = "", *,
                       reporter: Reporter = NULL_REPORTER,
                       target: str | None = None) -> tuple[DefinitionSet, list[Finding]]:
    """Loads and validates a config directory, offline: every finding, errors and warnings.

    :param config_dir: the directory holding ``tasks/``, ``workflows/``, ``event-handlers/``.
    :param app_env: the environment whose values fill the placeholders.
    :param reporter: told the secret values as soon as they are loaded, before anything
        (a finding, the server's answer) can quote one.
    :param target: the server generation the definitions are for (``--target``); by
        default the project file's, else conductor-3.15.
    """
    definitions, findings, _, _ = _checked(config_dir, app_env, reporter, target)
    return definitions, findings


def _checked(config_dir: Path, app_env: str, reporter: Reporter, target: str | None,
             ) -> tuple[DefinitionSet, list[Finding], Project | None, Validation]:
    """``validate_directory``'s definitions and findings, with the project file (read
    once) and the validation, to run its server-aware rules on once the server is read."""
    definitions, findings = _load(config_dir, app_env, reporter)
    project, problems = _project(config_dir)
    validation = Validation(definitions, choose_target(project, target))
    return definitions, in_order(problems, _apply(project, findings, validation.offline())), \
        project, validation


def choose_target(project: Project | None, name: str | None) -> Target:
    """The target: ``name`` when given (``--target``), else the project file's, else
    production's (conductor-3.15)."""
    if name is not None:
        return target_named(name)
    return target_named(project.target) if project is not None else DEFAULT_TARGET


def _target_of(project: Project | None, name: str | None) -> tuple[Target, bool]:
    """The target (``name`` when given, else the project file's, else production's), and
    whether it was stated at all."""
    if name is not None:
        return target_named(name), True
    return choose_target(project, None), project is not None and \
        "target" in project.model_fields_set


def _load(config_dir: Path, app_env: str,
          reporter: Reporter) -> tuple[DefinitionSet, list[Finding]]:
    """The directory's definitions, the reporter told their secret values at once."""
    definitions, findings = load_directory(config_dir, app_env)
    reporter.add_secrets(definitions.secret_values)
    return definitions, findings


def _project(config_dir: Path) -> tuple[Project | None, list[Finding]]:
    """The directory's project settings (None: no project file), and its problems."""
    if not (config_dir / PROJECT_FILE).is_file():
        return None, []  # without a file, pydantic (the model's) stays unloaded
    from workflow_migrator._project import load_project

    return load_project(config_dir)


def _apply(project: Project | None, *groups: list[Finding]) -> list[Finding]:
    """Findings of several steps, each rule at the severity the project file sets."""
    findings = [f for group in groups for f in group]
    if project is None:
        return findings
    from workflow_migrator._project import apply_rule_settings

    return apply_rule_settings(findings, project)


def validate_with_server(config_dir: Path, client: ConductorClient, *, app_env: str = "",
                         wait_timeout: float = 60.0, reporter: Reporter = NULL_REPORTER,
                         target: str | None = None) -> tuple[DefinitionSet, list[Finding]]:
    """``validate --server``: the offline checks, with what the server holds (a missing
    sub-workflow is an error unless the server has it), and the server's own verdict on
    each workflow (``POST /api/metadata/workflow/validate``, which writes nothing) where
    it differs from ours.

    :param client: the server to ask.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :param target: the server generation the definitions are for (``--target``).
    """
    definitions, loaded = _load(config_dir, app_env, reporter)
    project, problems = _project(config_dir)
    chosen, stated = _target_of(project, target)
    live = read_live(client, wait_timeout, reporter, event_handlers=False, target=chosen)
    _check_generation(live, chosen, reporter, stated=stated, refuse=False)
    ours = validate(definitions, ServerFacts.read(live.tasks, live.workflows), target=chosen)
    verdicts = {id(d): client.validate_workflow_def(d.body) for d in definitions.workflows}
    return definitions, in_order(problems, _apply(
        project, loaded, ours,
        server_disagreements(definitions, ours, verdicts, client.base_url)))


def load_valid(config_dir: Path, app_env: str = "", reporter: Reporter = NULL_REPORTER,
               target: str | None = None) -> tuple[DefinitionSet, list[Finding]]:
    """Loads and validates a config directory offline; raises DefinitionError on any error.

    :param config_dir: the directory holding ``tasks/`` and ``workflows/``.
    :param app_env: the environment whose values fill the placeholders.
    :param reporter: told the secret values before the error that may quote one is raised.
    :param target: the server generation the definitions are for (``--target``).
    :returns: the definitions and the warnings.
    """
    definitions, findings = validate_directory(config_dir, app_env, reporter=reporter,
                                               target=target)
    _raise_on_errors(findings)
    return definitions, findings


def _raise_on_errors(findings: list[Finding]) -> None:
    if any(f.severity == "error" for f in findings):
        raise DefinitionError(findings)


def read_live(client: ConductorClient, wait_timeout: float,
              reporter: Reporter = NULL_REPORTER, *, event_handlers: bool = True,
              target: Target = DEFAULT_TARGET) -> LiveState:
    """Waits for the server, finds out which generation it runs (and says so, the first
    line once it answers), then reads every task definition, workflow version and
    event handler.

    :param wait_timeout: seconds to wait for a server that is still starting.
    :param event_handlers: whether to read the event handlers too (not needed when the
        directory defines none and nothing is pruned).
    :param target: the generation the definitions are for: what the server is assumed
        to keep when it tells nothing (no version, no definitions).
    """
    from workflow_migrator._plan import LiveState

    client.wait_until_ready(wait_timeout, on_wait=reporter.log)
    tasks, workflows = client.list_all_defs()
    server = identify_server(client, reporter, [*tasks, *workflows])
    # The deploy record is the migrator's own bookkeeping, never a definition to plan.
    record = next((t for t in tasks if t.get("name") == DEPLOY_RECORD_TASK), None)
    handlers = client.list_event_handlers() if event_handlers else []
    # The one place that decides which keys the server keeps: its generation.
    keeps = kept_keys((server.target or target).server)
    return LiveState(tuple(t for t in tasks if t is not record), tuple(workflows),
                     event_handlers=tuple(handlers), deploy_record=record, keeps=keeps,
                     server=server)


def identify_server(client: ConductorClient, reporter: Reporter,
                    definitions: list[JSONObject] | None = None) -> Detected:
    """Which generation the server runs, said in a log line: the first of a command that
    talks to a server, once the server answers.

    :param definitions: task and workflow definitions it returned, when already read:
        their fields tell, and no request is added (an unchanged deploy stays at three).
        Without any, the version the server states tells (one request), and when it
        states none, its task definitions.
    """
    server = detect(None, definitions or [])
    version = None
    if server.target is None:
        version = client.server_version()
        told = generation_of_version(version) if version else None
        server = detect(version, [] if told else client.list_task_defs())
    reporter.log(f"Conductor server at {client.base_url}: {server.describe()}",
                 event="server", url=client.base_url,
                 generation=server.target.name if server.target else None,
                 version=version)
    return server


def make_plan(definitions: DefinitionSet, live: LiveState, client: ConductorClient,
              options: PlanOptions) -> Plan:
    """Plans the changes; with prune, asks the server which candidate versions still run.

    :param definitions: the desired definitions, already validated.
    :param live: what the server holds.
    :param options: prune, keep patterns, allow-overwrite.
    """
    from workflow_migrator._plan import compute_plan

    planned = compute_plan(definitions, live, options)
    # The running endpoint answers for every version of a name, so asking it per version
    # kept every version of a workflow that runs at all: read the versions instead.
    doomed = sorted({c.name for c in planned.pending("delete", "workflow")})
    if not doomed:
        return planned  # and the impact analysis's modules stay unloaded
    from workflow_migrator._impact import read_executions, running_versions

    running = running_versions(planned, read_executions(client, doomed))
    if not running:
        return planned
    return compute_plan(definitions, dataclasses.replace(live, running=running), options)


def plan(config_dir: Path, client: ConductorClient, *, options: PlanOptions | None = None,
         app_env: str = "", wait_timeout: float = 300.0, reporter: Reporter = NULL_REPORTER,
         target: str | None = None, impact: ImpactOptions | None = None) -> Plan:
    """What ``deploy`` would do, without writing anything.

    :param config_dir: the directory holding ``tasks/`` and ``workflows/``.
    :param client: the server to compare with.
    :param options: prune, keep patterns, allow-overwrite.
    :param app_env: the environment whose values fill the placeholders.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :param reporter: where progress is shown; it learns the secret values to mask.
    :param target: the server generation the definitions are for (``--target``); a
        server of another generation is a warning.
    :param impact: analyse the plan's blast radius (executions, breaking changes, workers;
        see ``_impact``); None plans without it.
    """
    return _plan_and_live(config_dir, client, options=options, app_env=app_env,
                          wait_timeout=wait_timeout, reporter=reporter, target=target,
                          impact=impact)[0]


def _plan_and_live(config_dir: Path, client: ConductorClient, *,
                   options: PlanOptions | None, app_env: str, wait_timeout: float,
                   reporter: Reporter, target: str | None = None,
                   refuse_mismatch: bool = False, impact: ImpactOptions | None = None,
                   ) -> tuple[Plan, LiveState, DefinitionSet]:
    from workflow_migrator._plan import DEFAULT_OPTIONS

    options = options or DEFAULT_OPTIONS
    definitions, findings, project, validation = _checked(config_dir, app_env, reporter, target)
    _raise_on_errors(findings)
    chosen, stated = _target_of(project, target)
    # The impact analysis looks for event handlers that start a changed workflow.
    live = read_live(client, wait_timeout, reporter, target=chosen,
                     event_handlers=bool(definitions.event_handlers) or options.prune
                     or impact is not None)
    _check_generation(live, chosen, reporter, stated=stated, refuse=refuse_mismatch)
    # What the server holds turns some warnings into errors (a sub-workflow that exists
    # neither in the directory nor on the server); still before anything is written.
    facts = ServerFacts.read(live.tasks, live.workflows)
    _raise_on_errors(_apply(project, validation.with_server(facts)))
    if impact is not None:
        from workflow_migrator._impact import plan_with_impact

        return plan_with_impact(definitions, live, client, options, impact), live, definitions
    return make_plan(definitions, live, client, options), live, definitions


def _check_generation(live: LiveState, target: Target, reporter: Reporter, *,
                      stated: bool, refuse: bool) -> None:
    """A server of another generation than the target: the definitions were checked
    against another server's rules (an evaluator it cannot run, keys it drops). A
    warning; for a deploy of a directory that states its target, an error before
    anything is written. A directory that states none is checked for production's
    generation by default, which is no promise a deploy could break: a warning."""
    problem = live.server.mismatch(target) if live.server else None
    if problem is None or live.server is None or live.server.target is None:
        return
    name = live.server.target.name
    fix = (f"if the definitions are for this server, say so with --target {name} or "
           f"'target: {name}' in {PROJECT_FILE}")
    if not stated:
        problem = f"{problem} (the directory states no target: production's is the default)"
    elif refuse:
        raise TargetMismatchError(f"{problem}; nothing was written: {fix}, or deploy with "
                                  "--allow-target-mismatch")
    reporter.log(f"{problem}; {fix}", level="warning", event="target-mismatch")


def deploy(config_dir: Path, client: ConductorClient, *, options: PlanOptions | None = None,
           app_env: str = "", wait_timeout: float = 300.0,
           reporter: Reporter = NULL_REPORTER, source_revision: str | None = None,
           target: str | None = None,
           allow_target_mismatch: bool = False) -> tuple[Plan, ApplyResult]:
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
    :param target: the server generation the definitions are for (``--target``).
    :param allow_target_mismatch: deploy to a server of another generation (otherwise
        TargetMismatchError, before anything is written).
    """
    from workflow_migrator._apply import apply_plan
    from workflow_migrator._record import new_record, parse_record, write_record

    planned, live, definitions = _plan_and_live(
        config_dir, client, options=options, app_env=app_env, wait_timeout=wait_timeout,
        reporter=reporter, target=target, refuse_mismatch=not allow_target_mismatch)
    reporter.plan(planned)
    if planned.conflicts:
        raise UnsafeChangeError(list(planned.conflicts))
    result = apply_plan(planned, client, on_change=reporter.applied,
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


def status(config_dir: Path, client: ConductorClient, *, options: PlanOptions | None = None,
           app_env: str = "", wait_timeout: float = 300.0,
           reporter: Reporter = NULL_REPORTER, target: str | None = None) -> Status:
    """Reads the last deploy's record and plans ``config_dir`` against the server.

    :param config_dir: the directory the server should hold.
    :param client: the server to ask; nothing is written.
    :param options: prune, keep patterns, allow-overwrite, as the deploys use them.
    :param app_env: the environment whose values fill the placeholders.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :param target: the server generation the definitions are for (``--target``).
    """
    from workflow_migrator._record import Status, config_hash, parse_record

    planned, live, _ = _plan_and_live(config_dir, client, options=options, app_env=app_env,
                                      wait_timeout=wait_timeout, reporter=reporter,
                                      target=target)
    return Status(parse_record(live.deploy_record), config_hash(config_dir), planned)


def upgrade_check(config_dir: Path, destination: str, *, source: str | None = None,
                  app_env: str = "", reporter: Reporter = NULL_REPORTER) -> UpgradeReport:
    """What behaves differently in ``config_dir``, per definition, once the server is
    upgraded from ``source`` to ``destination``; offline. Raises DefinitionError when
    the directory cannot be read (definitions invalid for either server are reported).

    :param destination: the generation the server is upgraded to.
    :param source: the generation it runs now; by default the directory's target.
    :param app_env: the environment whose values fill the placeholders.
    """
    from workflow_migrator._upgrade import upgrade_report

    definitions, loaded = _load(config_dir, app_env, reporter)
    project, problems = _project(config_dir)
    _raise_on_errors([*problems, *loaded])
    return upgrade_report(definitions, choose_target(project, source),
                          target_named(destination))
