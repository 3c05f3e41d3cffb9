"""Secret values never leave the migrator: not in validate's findings, not in plans, not
in deploy's logs and errors, not in the server's own error messages quoted back, in text
or JSON output, on success, refusal, server error or interruption. Under JSON logging
every line on stderr is one JSON object. The values sent to the server are the real ones.

Each secret is unique to the test and sits where a definition can carry one: a whole
string field, a number, inside a longer string, an HTTP task's header, a field our
validator refuses (quoted in its finding), and a number the real server refuses (quoted
in its answer).
"""

from __future__ import annotations

import dataclasses
import json
import random
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support.configs import unique_prefix
from tests.support.faultproxy import FaultProxy
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server, clean_env
from workflow_migrator import ConductorClient, deploy

pytestmark = pytest.mark.server

MASK = "***"
LOG_FORMATS = ("text", "json")


@dataclasses.dataclass(frozen=True)
class Secrets:
    """One value per place a definition can carry a secret, each unique to the test."""

    string: str = dataclasses.field(default_factory=lambda: f"desc{uuid.uuid4().hex}")
    number: int = dataclasses.field(default_factory=lambda: random.randint(61_000_000, 69_999_999))
    inside: str = dataclasses.field(default_factory=lambda: f"path{uuid.uuid4().hex}")
    header: str = dataclasses.field(default_factory=lambda: f"hdr{uuid.uuid4().hex}")
    email: str = dataclasses.field(default_factory=lambda: f"owner{uuid.uuid4().hex}")
    negative: int = dataclasses.field(
        default_factory=lambda: -random.randint(71_000_000, 79_999_999))
    # Beyond a Java int: the server's JSON parser refuses it and quotes it in a 500.
    too_big: int = dataclasses.field(
        default_factory=lambda: random.randint(3_100_000_000, 3_999_999_999))

    def texts(self) -> list[str]:
        return [str(value) for value in dataclasses.asdict(self).values()]


def write_config(config: Path, name: str, secrets: Secrets, *, variant: str = "good",
                 version: int | None = None) -> Path:
    """A task definition and a workflow using every secret a valid definition can hold.
    ``variant`` "validator" adds a task definition our validator refuses (secret ownerEmail
    and a secret negative retryCount); "server" gives the workflow's task an inline
    definition whose retryCount is beyond what the server's parser holds (which the
    validator, knowing that limit, now refuses before the server is asked)."""
    values = {"S_STRING": secrets.string, "S_NUMBER": secrets.number,
              "S_INSIDE": secrets.inside, "S_HEADER": secrets.header,
              "S_EMAIL": secrets.email, "S_NEGATIVE": secrets.negative,
              "S_TOO_BIG": secrets.too_big}
    files: dict[str, Any] = {
        "environments/test.yaml": {"values": values, "secret": sorted(values)},
        f"tasks/{name}_work.json": {
            "name": f"{name}_work", "ownerEmail": "team@example.com", "retryCount": 1,
            "timeoutSeconds": "@{S_NUMBER}", "responseTimeoutSeconds": 60},
    }
    work: dict[str, Any] = {"name": f"{name}_work", "taskReferenceName": "work",
                            "type": "SIMPLE"}
    if variant == "server":
        work["taskDefinition"] = {"name": f"{name}_work", "ownerEmail": "team@example.com",
                                  "retryCount": "@{S_TOO_BIG}", "timeoutSeconds": 120,
                                  "responseTimeoutSeconds": 60}
    workflow: dict[str, Any] = {
        "name": name, "description": "@{S_STRING}", "ownerEmail": "team@example.com",
        "schemaVersion": 2,
        "tasks": [work, {
            "name": f"{name}_call", "taskReferenceName": "call", "type": "HTTP",
            "inputParameters": {"http_request": {
                "uri": "https://api.example.com/@{S_INSIDE}/events", "method": "GET",
                "headers": {"Authorization": "Bearer @{S_HEADER}"}}}}],
    }
    if version is not None:
        workflow["version"] = version
    files[f"workflows/{name}.json"] = workflow
    if variant == "validator":
        files[f"tasks/{name}_bad.json"] = {
            "name": f"{name}_bad", "ownerEmail": "@{S_EMAIL}", "retryCount": "@{S_NEGATIVE}",
            "timeoutSeconds": 120, "responseTimeoutSeconds": 60}
    for relative, body in files.items():
        path = config / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body))
    return config


def assert_nothing_leaks(secrets: Secrets, log_format: str, out: str, err: str) -> None:
    for text in secrets.texts():
        assert text not in out, f"secret {text} on stdout:\n{out}"
        assert text not in err, f"secret {text} on stderr:\n{err}"
    if log_format == "json":
        for line in err.splitlines():
            assert isinstance(json.loads(line), dict), line


@pytest.fixture(params=LOG_FORMATS)
def log_format(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_validate_offline_masks_secrets_in_findings(run_migrator: RunMigrator, log_format: str,
                                                    tmp_path: Path) -> None:
    secrets, name = Secrets(), unique_prefix()
    good = write_config(tmp_path / "good", name, secrets)
    bad = write_config(tmp_path / "bad", name, secrets, variant="validator")

    code, out, err = run_migrator("validate", "--config-dir", str(good), "--log-format",
                                  log_format)
    assert code == 0, out + err
    assert_nothing_leaks(secrets, log_format, out, err)

    for output_format in ("text", "json"):
        code, out, err = run_migrator("validate", "--config-dir", str(bad), "--format",
                                      output_format, "--log-format", log_format)
        assert code == 1, out + err
        assert_nothing_leaks(secrets, log_format, out, err)
        # the findings that quote the secrets are there, masked
        findings = json.loads(out) if output_format == "json" else None
        text = json.dumps(findings) if findings is not None else out
        assert f"ownerEmail '{MASK}'" in text and f"not {MASK}" in text, text


def test_validate_server_masks_secrets_in_the_servers_answers(
        run_migrator: RunMigrator, log_format: str, tmp_path: Path) -> None:
    secrets, name = Secrets(), unique_prefix()
    good = write_config(tmp_path / "good", name, secrets)
    refused = write_config(tmp_path / "server", name, secrets, variant="server")

    code, out, err = run_migrator("validate", "--server", "--config-dir", str(good),
                                  "--log-format", log_format)
    assert code == 0, out + err
    assert_nothing_leaks(secrets, log_format, out, err)

    code, out, err = run_migrator("validate", "--server", "--config-dir", str(refused),
                                  "--log-format", log_format)
    assert code == 1, out + err
    assert_nothing_leaks(secrets, log_format, out, err)
    # A number beyond what the server holds: now refused before the server is asked (the
    # finding quotes it, masked); the server's own answers quoting a secret are masked in
    # test_bad_answers.py.
    assert f"'retryCount' is {MASK}, beyond what the server holds" in out


def test_plan_and_deploy_mask_secrets_and_send_the_real_values(
        run_migrator: RunMigrator, client: ConductorClient, log_format: str,
        tmp_path: Path) -> None:
    secrets, name = Secrets(), unique_prefix()
    config = write_config(tmp_path / "good", name, secrets, version=1)

    for output_format in ("text", "json"):
        code, out, err = run_migrator("plan", "--config-dir", str(config), "--format",
                                      output_format, "--log-format", log_format)
        assert code == 0, out + err
        assert_nothing_leaks(secrets, log_format, out, err)

    code, out, err = run_migrator("deploy", "--config-dir", str(config), "--log-format",
                                  log_format)
    assert code == 0, out + err
    assert_nothing_leaks(secrets, log_format, out, err)

    # Masking is in the output only: the server holds the real values...
    live = next(w for w in client.list_workflow_defs() if w["name"] == name)
    assert live["description"] == secrets.string
    request = live["tasks"][1]["inputParameters"]["http_request"]
    assert request["headers"]["Authorization"] == f"Bearer {secrets.header}"
    assert request["uri"] == f"https://api.example.com/{secrets.inside}/events"
    task = next(t for t in client.list_task_defs() if t["name"] == f"{name}_work")
    assert task["timeoutSeconds"] == secrets.number
    # ...and the plan compares them as they are: nothing to change.
    code, out, err = run_migrator("plan", "--config-dir", str(config), "--detailed-exitcode",
                                  "--log-format", log_format)
    assert code == 0, out + err
    assert "No changes" in out

    # New secret values: the task's number changes in place (the plan shows the field, both
    # values masked); the explicit workflow version 1 would change in place, a refusal.
    changed = dataclasses.replace(secrets, number=secrets.number + 1,
                                  header=f"hdr{uuid.uuid4().hex}")
    write_config(config, name, changed, version=1)
    code, out, err = run_migrator("plan", "--config-dir", str(config), "--log-format",
                                  log_format)
    assert code == 1, out + err
    assert f'timeoutSeconds: "{MASK}" -> "{MASK}"' in out, out
    assert f'Authorization: "{MASK}" -> "Bearer {MASK}"' in out, out
    for either in (secrets, changed):
        assert_nothing_leaks(either, log_format, out, err)

    code, out, err = run_migrator("plan", "--config-dir", str(config), "--format", "json",
                                  "--log-format", log_format)
    assert code == 1, out + err
    fields = [f for c in json.loads(out)["changes"] for f in c["fields"]]
    assert {"path": "timeoutSeconds", "op": "~", "before": MASK, "after": MASK} in fields, fields
    for either in (secrets, changed):
        assert_nothing_leaks(either, log_format, out, err)

    code, out, err = run_migrator("deploy", "--config-dir", str(config), "--log-format",
                                  log_format)
    assert code == 1, out + err
    assert f"workflow {name} v1 exists on the server with different content" in err
    for either in (secrets, changed):
        assert_nothing_leaks(either, log_format, out, err)


def test_deploy_masks_secrets_when_it_refuses_or_the_server_fails(
        run_migrator: RunMigrator, log_format: str, tmp_path: Path) -> None:
    secrets, name = Secrets(), unique_prefix()
    invalid = write_config(tmp_path / "validator", name, secrets, variant="validator")
    refused = write_config(tmp_path / "server", name, secrets, variant="server")

    code, out, err = run_migrator("deploy", "--config-dir", str(invalid), "--log-format",
                                  log_format)
    assert code == 1, out + err
    assert "nothing was written" in err and f"ownerEmail '{MASK}'" in err
    assert_nothing_leaks(secrets, log_format, out, err)

    code, out, err = run_migrator("deploy", "--config-dir", str(refused), "--log-format",
                                  log_format)
    assert code == 1, out + err
    assert f"'retryCount' is {MASK}, beyond what the server holds" in err  # refused, masked
    assert_nothing_leaks(secrets, log_format, out, err)


def test_an_interrupted_deploy_masks_secrets(server: Server, client: ConductorClient,
                                             log_format: str, tmp_path: Path) -> None:
    secrets, name = Secrets(), unique_prefix()
    config = write_config(tmp_path / "good", name, secrets)
    deploy(config, client, app_env="test", wait_timeout=30)
    # rotated values: the plan printed before the interruption shows changed fields
    changed = dataclasses.replace(secrets, number=secrets.number + 1,
                                  header=f"hdr{uuid.uuid4().hex}")
    write_config(config, name, changed)
    with FaultProxy(server.base_url) as proxy:
        stall = proxy.stall(method="PUT", path="/api/metadata/taskdefs")
        process = subprocess.Popen(
            [sys.executable, "-m", "workflow_migrator", "deploy", "--config-dir", str(config),
             "--log-format", log_format],
            env=clean_env(CONDUCTOR_BASE_URL=proxy.url, APP_ENV="test"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert stall.entered.wait(120), "deploy never updated its task definition"
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=60)
        finally:
            stall.release()
            if process.poll() is None:
                process.kill()
    assert process.returncode == 130, out + err
    assert "Interrupted" in err
    if log_format == "text":
        assert MASK in out  # the plan it printed before, with its secrets masked
    for either in (secrets, changed):
        assert_nothing_leaks(either, log_format, out, err)
