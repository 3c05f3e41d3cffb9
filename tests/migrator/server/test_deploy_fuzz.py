"""Fuzzing ``deploy`` against the real servers: whatever ``validate`` accepts, a deploy
writes all of it or nothing, and a second deploy of the same directory writes nothing.

The directories are the shipped definitions and the valid validation fixtures with up to
two edits, or task definitions drawn from the JSON Schema (tests/support/fuzz.py); each
example owns its names (a fresh prefix) and deletes what it wrote. docs/fuzzing.md has
what the long run found.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given, note, reject, settings

from tests.support.configs import unique_prefix
from tests.support.fuzz import (
    deployable_files,
    owned,
    skip_if_pending,
    skip_if_pending_input,
    write_documents,
)
from tests.support.stacks import Server
from workflow_migrator import (
    ConductorClient,
    DefinitionError,
    DefinitionSet,
    MigratorError,
    RetryPolicy,
    deploy,
    validate_directory,
)

pytestmark = [pytest.mark.server]

FAST_RETRY = RetryPolicy(attempts=3, initial_wait=0.05, max_wait=0.2)
#: Every example deploys twice and lists the server: a tenth of the profile's examples.
DEPLOY_SETTINGS = settings(max_examples=max(10, settings().max_examples // 10))


def held(client: ConductorClient, prefix: str) -> set[tuple[str, str, int | None]]:
    """(kind, name, version) of everything the server holds under ``prefix``."""
    mine = prefix + "_"
    found: set[tuple[str, str, int | None]] = {
        ("task", t["name"], None) for t in client.list_task_defs()
        if t["name"].startswith(mine)}
    found |= {("workflow", w["name"], int(w.get("version", 1)))
              for w in client.list_workflow_defs() if w["name"].startswith(mine)}
    found |= {("event_handler", h["name"], None) for h in client.list_event_handlers()
              if h["name"].startswith(mine)}
    return found


def expected(definitions: DefinitionSet) -> set[tuple[str, str]]:
    return {(d.kind, d.name) for d in definitions}


def remove(client: ConductorClient, found: set[tuple[str, str, int | None]]) -> None:
    for kind, name, version in sorted(found, key=lambda f: ["event_handler", "workflow",
                                                            "task"].index(f[0])):
        if kind == "event_handler":
            client.delete_event_handler(name)
        elif kind == "workflow":
            client.delete_workflow_def(name, version or 1)
        else:
            client.delete_task_def(name)


@pytest.mark.fuzz
@DEPLOY_SETTINGS
@given(deployable_files())
def test_deploy_writes_all_or_nothing_then_nothing(server: Server, files: dict[str, object]
                                                   ) -> None:
    prefix = unique_prefix()
    with tempfile.TemporaryDirectory() as tmp, \
            ConductorClient(server.base_url, retry=FAST_RETRY) as client:
        config = write_documents(Path(tmp), owned(files, prefix))
        try:
            definitions, findings = validate_directory(config, "test")
        except (ValueError, OverflowError) as exc:
            skip_if_pending(str(exc))
            raise
        if any(f.severity == "error" for f in findings):
            event("refused by validate")
            reject()
        skip_if_pending_input(definitions, findings)
        # Names this example owns only: nothing it writes is left on the shared server (a
        # name that was a YAML date before it was written as JSON text escaped the prefix).
        if not all(d.name.startswith(prefix) for d in definitions):
            event("a name the example cannot own")
            reject()
        try:
            try:
                deploy(config, client, app_env="test", wait_timeout=10)
            except MigratorError as exc:
                event(f"deploy refused: {type(exc).__name__}")
                note(f"deploy refused: {exc}")
                assert held(client, prefix) == set(), f"a refused deploy wrote part: {exc}"
                return
            assert {(k, n) for k, n, _ in held(client, prefix)} == expected(definitions)
            with ConductorClient(server.base_url, retry=FAST_RETRY) as again:
                plan, _ = deploy(config, again, app_env="test", wait_timeout=10)
                writes = [f"{r.method} {r.path}" for r in again.requests if r.is_write]
            assert not plan.has_changes, [c.address for c in plan.changes
                                          if c.action != "unchanged"]
            # Nothing but, at most, the deploy record: other tests' deploys on this shared
            # server rewrite it in between (a server of its own sees none; see the fault
            # test on the production core).
            assert writes in ([], ["PUT /api/metadata/taskdefs"]), writes
            event("deployed")
        finally:
            remove(client, held(client, prefix))


# -- what the fuzzer found, pinned until the branch that owns it lands ---------------------


@pytest.mark.parametrize("version", [1, None], ids=["versioned", "unversioned"])
def test_a_value_the_server_converts_is_refused_before_any_write(
        server: Server, tmp_path: Path, version: int | None) -> None:
    """A boolean description is stored as text: the server would then differ from the file
    at every deploy (a conflict on v1, or v2, v3, ...). validate refuses it, so nothing is
    written."""
    prefix = unique_prefix()
    workflow = {"name": f"{prefix}_flow", "description": False, "schemaVersion": 2,
                "ownerEmail": "a@example.com", "version": version,
                "tasks": [{"name": "noop", "taskReferenceName": "noop", "type": "NOOP"}]}
    config = write_documents(tmp_path, {"workflows/flow.json": {
        k: v for k, v in workflow.items() if v is not None}})
    with ConductorClient(server.base_url, retry=FAST_RETRY) as client:
        with pytest.raises(DefinitionError, match="description"):
            deploy(config, client, wait_timeout=10)
        assert client.write_count == 0
        assert held(client, prefix) == set()


def test_an_empty_schema_object_is_not_an_update_on_every_deploy(
        server: Server, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """conductor-oss stores ``inputSchema: {}`` as ``{createTime: 0, updateTime: 0,
    version: 1}``; 3.15 drops the key."""
    prefix = unique_prefix()
    config = write_documents(tmp_path, {"tasks/t.json": {
        "name": f"{prefix}_task", "inputSchema": {}, "outputSchema": {}, "retryCount": 1,
        "timeoutSeconds": 60, "responseTimeoutSeconds": 30, "ownerEmail": "a@example.com"}})
    with ConductorClient(server.base_url, retry=FAST_RETRY) as client:
        try:
            deploy(config, client, wait_timeout=10)
            plan, _ = deploy(config, client, wait_timeout=10)
            assert not plan.has_changes, [c.address for c in plan.changes]
        finally:
            remove(client, held(client, prefix))
