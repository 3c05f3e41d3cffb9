"""A secret's previous value stays secret after the secret changes: rotated, its header
renamed (with a new value), or retired (header and value removed together). The
directory no longer names that value, yet the server still holds it; ``plan`` (text,
JSON, Markdown), ``status`` and ``export`` must not show it. The deploy record keeps
where the secrets sat; ``export`` writes the placeholder there.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support.configs import keep_all_but, unique_prefix
from tests.support.migrator import RunMigrator

pytestmark = pytest.mark.server

CHANGES = ("rotation", "rename", "retirement")


def write_config(config: Path, name: str, *, token: str | None, header: str = "X-Old") -> None:
    """A task definition and an unversioned workflow carrying ``token`` under ``header``
    (in an input template, and in an HTTP task's headers); no header when ``token`` is
    None."""
    carried: dict[str, Any] = {header: "@{API_TOKEN}"} if token else {}
    files: dict[str, Any] = {
        "environments/test.yaml": {"values": {"API_TOKEN": token} if token else {},
                                   "secret": ["API_TOKEN"] if token else []},
        f"tasks/{name}_call.json": {
            "name": f"{name}_call", "ownerEmail": "team@example.com", "retryCount": 1,
            "timeoutSeconds": 300, "responseTimeoutSeconds": 60,
            "inputTemplate": {"region": "eu", **carried}},
        f"workflows/{name}.json": {
            "name": name, "ownerEmail": "team@example.com", "schemaVersion": 2,
            "tasks": [{"name": f"{name}_http", "taskReferenceName": "http", "type": "HTTP",
                       "inputParameters": {"http_request": {
                           "uri": "https://api.example.com/v1", "method": "GET",
                           "headers": {"Accept": "application/json",
                                       **{k: f"Bearer {v}" for k, v in carried.items()}}}}}]},
    }
    for relative, body in files.items():
        path = config / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body))


@pytest.mark.parametrize("change", CHANGES)
def test_the_previous_value_appears_nowhere(run_migrator: RunMigrator, tmp_path: Path,
                                            change: str) -> None:
    name, old, new = unique_prefix(), f"old{uuid.uuid4().hex}", f"new{uuid.uuid4().hex}"
    config = tmp_path / "config"
    write_config(config, name, token=old)
    code, _, err = run_migrator("deploy", "--config-dir", str(config))
    assert code == 0, err

    if change == "rotation":
        write_config(config, name, token=new)
    elif change == "rename":
        write_config(config, name, token=new, header="X-New")
    else:
        write_config(config, name, token=None)

    outputs: dict[str, str] = {}
    for command, fmt in (("plan", "text"), ("plan", "json"), ("plan", "markdown"),
                         ("status", "text"), ("status", "json")):
        code, out, err = run_migrator(command, "--config-dir", str(config), "--format", fmt,
                                      "--detailed-exitcode", "--log-format", "text")
        assert code == 2, f"{command} --format {fmt}: {out}{err}"
        outputs[f"{command} {fmt}"] = out + err
    code, out, err = run_migrator(
        "export", "--config-dir", str(tmp_path / "export"), "--log-format", "text",
        *(option.replace("--keep", "--exclude") for option in keep_all_but(name)))
    assert code == 0, err
    outputs["export"] = out + err
    exported = {p.relative_to(tmp_path / "export").as_posix(): p.read_text()
                for p in (tmp_path / "export").rglob("*") if p.is_file()}

    for where, text in {**outputs, **exported}.items():
        assert old not in text, f"the previous secret value in {where}:\n{text}"
        assert new not in text, f"the secret value in {where}:\n{text}"
    # The plans still say what changes, masked.
    assert "X-Old" in outputs["plan text"] and "***" in outputs["plan text"]
    # The export holds the placeholder where the server holds the value.
    task = json.loads(exported[f"tasks/{name}_call.json"])
    assert task["inputTemplate"] == {"region": "eu", "X-Old": "@{API_TOKEN}"}
    workflow = json.loads(exported[f"workflows/{name}.json"])
    headers = workflow["tasks"][0]["inputParameters"]["http_request"]["headers"]
    assert headers == {"Accept": "application/json", "X-Old": "Bearer @{API_TOKEN}"}
    assert "secret value(s) as their @{NAME} placeholder" in outputs["export"]
