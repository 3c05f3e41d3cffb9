"""The migrator's commands as plain functions: load -> validate -> plan -> apply -> report.

The CLI is a thin shell over these; programs and tests call them directly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
from collections.abc import Iterator
from pathlib import Path

from workflow_migrator._apply import ApplyResult, apply_plan
from workflow_migrator._client import ConductorClient
from workflow_migrator._exceptions import DefinitionError, UnsafeChangeError
from workflow_migrator._findings import Finding
from workflow_migrator._models import DefinitionSet
from workflow_migrator._output import Reporter
from workflow_migrator._plan import (
    DEFAULT_OPTIONS,
    LiveState,
    Plan,
    PlanOptions,
    compute_plan,
)
from workflow_migrator._rules import SERVER_AWARE_RULES, ServerFacts
from workflow_migrator._validate import validate, validate_directory


def load_valid(config_dir: Path, app_env: str = "") -> tuple[DefinitionSet, list[Finding]]:
    """Loads and validates a config directory offline; raises DefinitionError on any error.

    :param config_dir: the directory holding ``tasks/`` and ``workflows/``.
    :param app_env: the environment whose values fill the placeholders.
    :returns: the definitions and the warnings.
    """
    definitions, findings = validate_directory(config_dir, app_env)
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
    handlers = client.list_event_handlers() if event_handlers else []
    return LiveState(tuple(tasks), tuple(workflows), event_handlers=tuple(handlers))


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
    """
    with _without_cycle_collection():
        definitions, _ = load_valid(config_dir, app_env)
        if reporter:
            reporter.add_secrets(definitions.secret_values)
        live = read_live(client, wait_timeout, reporter,
                         event_handlers=bool(definitions.event_handlers) or options.prune)
        # What the server holds turns some warnings into errors (a sub-workflow that exists
        # neither in the directory nor on the server); still before anything is written.
        facts = ServerFacts.read(live.tasks, live.workflows)
        _raise_on_errors(validate(definitions, facts, rules=SERVER_AWARE_RULES))
        return make_plan(definitions, live, client, options)


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Planning builds a few hundred thousand small dicts and lists, none of them in a
    cycle; Python's cycle collector would re-scan them again and again (a fifth of a
    no-op deploy of 1,300 definitions). Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def deploy(config_dir: Path, client: ConductorClient, *, options: PlanOptions = DEFAULT_OPTIONS,
           app_env: str = "", wait_timeout: float = 300.0,
           reporter: Reporter | None = None) -> tuple[Plan, ApplyResult]:
    """Brings the server to exactly the directory's definitions; writes nothing on any error.

    :param config_dir: the directory holding ``tasks/`` and ``workflows/``.
    :param client: the server to change.
    :param options: prune, keep patterns, allow-overwrite.
    :param app_env: the environment whose values fill the placeholders.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :param reporter: where the plan and the progress are shown.
    """
    planned = plan(config_dir, client, options=options, app_env=app_env,
                   wait_timeout=wait_timeout, reporter=reporter)
    if reporter:
        reporter.plan(planned)
    if planned.conflicts:
        raise UnsafeChangeError(list(planned.conflicts))
    result = apply_plan(planned, client, on_change=reporter.applied if reporter else lambda c: None)
    return planned, result
