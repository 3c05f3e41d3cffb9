"""Each real server says which generation it runs; a directory's target that does not
fit the server warns on plan and refuses deploy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.configs import unique_prefix
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server
from workflow_migrator import ConductorClient, read_live
from workflow_migrator._targets import TARGETS, TargetName, detect

pytestmark = pytest.mark.server

#: The generation of each server under test, and the one it is not.
GENERATION: dict[str, TargetName] = {"core": "conductor-3.15", "oss": "conductor-oss-3.2x"}
OTHER: dict[str, TargetName] = {"core": "conductor-oss-3.2x", "oss": "conductor-3.15"}
VERSION = {"core": "3.15.0", "oss": "3.32.3"}


def test_the_server_states_its_version_and_generation(server: Server,
                                                      client: ConductorClient) -> None:
    assert client.server_version() == VERSION[server.build]
    assert detect(client.server_version(), []).target == TARGETS[GENERATION[server.build]]
    live = read_live(client, 30)
    assert live.server is not None and live.server.target is not None
    assert live.server.target.name == GENERATION[server.build]


def test_the_shape_of_its_definitions_tells_the_same(server: Server,
                                                     client: ConductorClient) -> None:
    """The second signal, for a server that states no version (an Orkes build states its
    own number): conductor-oss returns the fields only it knows in every definition."""
    name = f"{unique_prefix()}_shape"
    client.upsert_task_defs([{"name": name, "responseTimeoutSeconds": 10}])
    try:
        [task] = [t for t in client.list_task_defs() if t["name"] == name]
        found = detect("1.1.12", [task])
        assert found.target is not None and found.target.name == GENERATION[server.build]
        assert found.signal == "version 1.1.12; by the fields of its definitions"
    finally:
        client.delete_task_def(name)


def _directory(root: Path, prefix: str, target: str | None) -> Path:
    (root / "tasks").mkdir(parents=True)
    (root / "tasks" / "t.json").write_text(json.dumps(
        {"name": f"{prefix}_task", "responseTimeoutSeconds": 10}))
    if target is not None:
        (root / "workflow-migrator.yaml").write_text(f"target: {target}\n")
    return root


def test_the_first_log_line_names_the_generation(server: Server, run_migrator: RunMigrator,
                                                 tmp_path: Path) -> None:
    prefix = unique_prefix()
    root = _directory(tmp_path, prefix, GENERATION[server.build])
    code, _, err = run_migrator("plan", "--config-dir", str(root), "--log-format", "json")
    assert code == 0, err
    first = json.loads(err.splitlines()[0])
    assert (first["event"], first["generation"]) == ("server", GENERATION[server.build])
    assert "target-mismatch" not in err


def test_a_mismatch_warns_on_plan_and_refuses_deploy(server: Server, run_migrator: RunMigrator,
                                                     client: ConductorClient,
                                                     tmp_path: Path) -> None:
    prefix = unique_prefix()
    root = _directory(tmp_path, prefix, OTHER[server.build])
    code, out, err = run_migrator("plan", "--config-dir", str(root), "--log-format", "text")
    assert code == 0, err
    assert f"warning: the directory targets {OTHER[server.build]}" in err
    assert f"but the server runs {GENERATION[server.build]}" in err
    assert f"+ task {prefix}_task" in out
    code, _, err = run_migrator("validate", "--server", "--config-dir", str(root),
                                "--log-format", "text")
    assert code == 0, err
    assert f"warning: the directory targets {OTHER[server.build]}" in err

    code, _, err = run_migrator("deploy", "--config-dir", str(root), "--log-format", "text")
    assert code == 1
    assert "nothing was written" in err and "--allow-target-mismatch" in err
    assert not any(t["name"] == f"{prefix}_task" for t in client.list_task_defs())

    code, _, err = run_migrator("deploy", "--config-dir", str(root), "--target",
                                GENERATION[server.build], "--log-format", "text")
    assert code == 0, err
    assert "target-mismatch" not in err and "warning: the directory targets" not in err
    code, _, err = run_migrator("deploy", "--config-dir", str(root), "--allow-target-mismatch",
                                "--log-format", "text")
    assert code == 0, err
    assert "warning: the directory targets" in err


def test_a_directory_stating_no_target_only_warns(server: Server, run_migrator: RunMigrator,
                                                  tmp_path: Path) -> None:
    """Production's generation is the default, not a promise: deploying such a directory
    to conductor-oss warns (the demo and every test deploy to it)."""
    prefix = unique_prefix()
    root = _directory(tmp_path, prefix, None)
    code, _, err = run_migrator("deploy", "--config-dir", str(root), "--log-format", "text")
    assert code == 0, err
    assert ("states no target" in err) == (server.build == "oss")
