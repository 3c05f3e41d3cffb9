"""Keys the server drops (a typo, a key only newer servers know) are compared as the
server keeps them: never a change, so a deploy registers no version for them and
updates no task definition, and the read-back of a new version is not taken for a rival
release's write because the key is gone from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.configs import unique_prefix
from tests.support.migrator import RunMigrator
from workflow_migrator import ConductorClient

pytestmark = pytest.mark.server


def write_config(config: Path, name: str, *, description: str = "first",
                 dropped: bool = True) -> None:
    """A task definition and an unversioned workflow, each with a misspelled key
    (``timeoutSecond``) at the top and in a workflow task, and keys only conductor-oss
    knows (which Conductor 3.15 drops), when ``dropped``."""
    extra: dict[str, Any] = {"timeoutSecond": 5, "totalTimeoutSeconds": 600} if dropped else {}
    task = {"name": f"{name}_work", "ownerEmail": "team@example.com", "retryCount": 1,
            "timeoutSeconds": 300, "responseTimeoutSeconds": 60, **extra}
    work: dict[str, Any] = {"name": f"{name}_work", "taskReferenceName": "work",
                            "type": "SIMPLE"}
    workflow: dict[str, Any] = {"name": name, "description": description,
                                "ownerEmail": "team@example.com", "schemaVersion": 2,
                                "tasks": [work]}
    if dropped:
        work["optionl"] = True
        workflow.update({"timeoutSecond": 5, "maskedFields": ["secretOutput"]})
    for relative, body in ((f"tasks/{name}_work.json", task), (f"workflows/{name}.json", workflow)):
        path = config / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body))


def versions(client: ConductorClient, name: str) -> list[int]:
    return sorted(w["version"] for w in client.list_workflow_defs() if w["name"] == name)


def test_dropped_keys_are_no_change_deploy_after_deploy(run_migrator: RunMigrator,
                                                         client: ConductorClient,
                                                         tmp_path: Path) -> None:
    name = unique_prefix()
    write_config(tmp_path, name)
    assert run_migrator("deploy", "--config-dir", str(tmp_path))[0] == 0
    for _ in range(2):
        code, out, err = run_migrator("deploy", "--config-dir", str(tmp_path),
                                      "--log-format", "text")
        assert code == 0, err
        assert "No changes." in out, out
        assert "0 write request(s)" in err + out
    assert versions(client, name) == [1]
    code, out, _ = run_migrator("plan", "--config-dir", str(tmp_path), "--detailed-exitcode")
    assert code == 0, out


def test_a_new_version_with_a_dropped_key_is_read_back_as_ours(run_migrator: RunMigrator,
                                                                client: ConductorClient,
                                                                tmp_path: Path) -> None:
    name = unique_prefix()
    write_config(tmp_path, name, dropped=False)
    assert run_migrator("deploy", "--config-dir", str(tmp_path))[0] == 0
    write_config(tmp_path, name, description="second")
    code, out, err = run_migrator("deploy", "--config-dir", str(tmp_path), "--log-format", "text")
    assert code == 0, err
    assert f"+ workflow {name} v2 will be created" in out
    assert "timeoutSecond" not in out and "optionl" not in out
    assert versions(client, name) == [1, 2]
    code, out, _ = run_migrator("plan", "--config-dir", str(tmp_path), "--detailed-exitcode")
    assert code == 0, out


def test_validate_says_a_dropped_key_has_no_effect(run_migrator: RunMigrator,
                                                   tmp_path: Path) -> None:
    write_config(tmp_path, unique_prefix())
    code, out, err = run_migrator("validate", "--config-dir", str(tmp_path),
                                  "--log-format", "text")
    assert code == 0
    lines = [line for line in (out + err).splitlines() if "timeoutSecond" in line]
    assert lines and all("has no effect" in line for line in lines), out + err


def test_keys_the_server_sets_copied_into_files_are_not_sent(run_migrator: RunMigrator,
                                                             client: ConductorClient,
                                                             tmp_path: Path) -> None:
    """An access policy and audit keys in a file (copied from another server) are left
    out of the writes: Conductor 3.15 refuses a request holding an access policy it
    cannot parse (a 500, for the whole batch), conductor-oss would store it."""
    name = unique_prefix()
    managed = {"accessPolicy": {"x": []}, "createTime": 1, "updatedBy": "someone"}
    (tmp_path / "tasks").mkdir()
    (tmp_path / "workflows").mkdir()
    (tmp_path / "tasks" / "t.json").write_text(json.dumps({
        "name": f"{name}_work", "ownerEmail": "team@example.com", "retryCount": 1,
        "responseTimeoutSeconds": 10, **managed}))
    (tmp_path / "workflows" / "w.json").write_text(json.dumps({
        "name": name, "ownerEmail": "team@example.com", "schemaVersion": 2, **managed,
        "tasks": [{"name": f"{name}_work", "taskReferenceName": "work", "type": "SIMPLE"}]}))
    code, out, err = run_migrator("deploy", "--config-dir", str(tmp_path), "--log-format", "text")
    assert code == 0, err
    (held,) = [t for t in client.list_task_defs() if t["name"] == f"{name}_work"]
    assert held.get("createTime") != 1
    assert "x" not in (held.get("accessPolicy") or {})
    code, out, err = run_migrator("deploy", "--config-dir", str(tmp_path), "--log-format", "text")
    assert code == 0, err
    assert "No changes." in out, out
