"""``diff`` between environments: the two real servers (both builds at once), and a
directory against a server, in the plan's formats and exit codes, secrets masked."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.configs import unique_prefix, write_definition
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server
from workflow_migrator._cli import main

pytestmark = pytest.mark.server


def workflow(name: str, version: int, description: str) -> dict[str, object]:
    return {"name": name, "version": version, "description": description, "schemaVersion": 2,
            "ownerEmail": "t@example.com",
            "tasks": [{"name": f"{name}_work", "taskReferenceName": "work", "type": "SIMPLE"}]}


@pytest.fixture
def both(embedded_base_url: str, core_base_url: str) -> Iterator[tuple[httpx.Client, ...]]:
    with httpx.Client(base_url=embedded_base_url, timeout=30) as oss, \
            httpx.Client(base_url=core_base_url, timeout=30) as core:
        yield oss, core


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("APP_ENV", "test")
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_diff_between_the_two_servers(both: tuple[httpx.Client, ...],
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    oss, core = both
    name = unique_prefix()
    shared = {"name": f"{name}_shared", "ownerEmail": "t@example.com", "retryCount": 1}
    oss.post("/api/metadata/taskdefs", json=[{**shared, "description": "staging"},
                                              {**shared, "name": f"{name}_new"}]
             ).raise_for_status()
    core.post("/api/metadata/taskdefs", json=[{**shared, "description": "production"},
                                               {**shared, "name": f"{name}_old"}]
              ).raise_for_status()
    oss.put("/api/metadata/workflow", json=[workflow(name, 1, "same"),
                                            workflow(name, 2, "next")]).raise_for_status()
    core.put("/api/metadata/workflow", json=[workflow(name, 1, "same")]).raise_for_status()
    sides = ("--from", str(oss.base_url).rstrip("/"), "--to", str(core.base_url).rstrip("/"),
             "--match", f"{name}*")

    code, out, err = run(monkeypatch, capsys, "diff", *sides, "--format", "json",
                         "--detailed-exitcode")
    assert code == 2, err
    actions = {c["address"]: c["actions"][0] for c in json.loads(out)["changes"]}
    assert actions == {f"task {name}_new": "create", f"task {name}_shared": "update",
                       f"task {name}_old": "delete", f"workflow {name} v1": "unchanged",
                       f"workflow {name} v2": "create"}
    code, out, _ = run(monkeypatch, capsys, "diff", *sides)
    assert code == 0
    assert f'~ task {name}_shared will be updated in place' in out
    assert '~ description: "production" -> "staging"' in out
    assert "Plan: 2 to add, 1 to change, 1 to delete, 1 unchanged." in out
    code, out, _ = run(monkeypatch, capsys, "diff", *sides, "--format", "markdown")
    assert f"`workflow {name} v2`: new version" in out

    # The same server on both sides: no difference, exit 0 under --detailed-exitcode.
    same = ("--from", str(oss.base_url).rstrip("/"), "--to", str(oss.base_url).rstrip("/"))
    code, out, _ = run(monkeypatch, capsys, "diff", *same, "--match", f"{name}*",
                       "--detailed-exitcode")
    assert (code, "No changes." in out) == (0, True)


def test_diff_between_a_directory_and_a_server_masks_secrets(
        run_migrator: RunMigrator, server: Server, tmp_path: Path) -> None:
    name = unique_prefix()
    old, new = f"old{uuid.uuid4().hex}", f"new{uuid.uuid4().hex}"
    environments = tmp_path / "environments"
    environments.mkdir(parents=True)
    (environments / "test.yaml").write_text(json.dumps(
        {"values": {"TOKEN": old}, "secret": ["TOKEN"]}))
    write_definition(tmp_path, "tasks", {"name": f"{name}_work", "ownerEmail": "t@example.com",
                              "description": "token @{TOKEN}"})
    write_definition(tmp_path, "workflows", workflow(name, 1, "x"))
    assert run_migrator("deploy", "--config-dir", str(tmp_path))[0] == 0

    (environments / "test.yaml").write_text(json.dumps(
        {"values": {"TOKEN": new}, "secret": ["TOKEN"]}))
    write_definition(tmp_path, "workflows", workflow(name, 1, "y"))

    code, out, err = run_migrator("diff", "--from", str(tmp_path), "--to", server.base_url,
                                  "--match", f"{name}*", "--format", "json",
                                  "--detailed-exitcode")
    assert code == 2, err
    actions = {c["address"]: c["actions"][0] for c in json.loads(out)["changes"]}
    assert actions == {f"task {name}_work": "update", f"workflow {name} v1": "update"}
    assert old not in out + err and new not in out + err and "***" in out

    # The other way round: what the server holds, promoted to the directory.
    code, out, err = run_migrator("diff", "--from", server.base_url, "--to", str(tmp_path),
                                  "--match", f"{name}*")
    assert code == 0, err
    assert old not in out + err and new not in out + err
    assert '~ description: "y" -> "x"' in out and '~ description: "***" -> "***"' in out
