"""Our validator against the real server's: every validation fixture, valid and
invalid, goes through ``validate`` and through the server (workflows through
``POST /api/metadata/workflow/validate``, task definitions through
``POST /api/metadata/taskdefs`` on this throwaway server, then deleted), and the
two verdicts must agree.

Only the rules that mirror a server check count for our verdict (RULE_IDS marks
them): duplicates across files, unknown keys, missing sub-workflows, cycles,
boot-sample names and every warning are ours alone; the server accepts those
definitions, and so must our server-side verdict. Syntax fixtures have nothing the
server could parse.

Every test runs against both servers: Netflix Conductor 3.15.0, the engine of Orkes
Conductor v1.1.12 that production runs, must agree with us on every fixture; where 3.15
is stricter than conductor-oss 3.32.3, the validator applies the 3.15 rule, and the
fixtures below are expected to *differ* on 3.32 only: that pins each difference.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.paths import REPO_ROOT
from tests.support.stacks import Server
from tests.support.validation import APP_ENV, FIXTURES, as_config_dir, fixture_names
from workflow_migrator._cli import main
from workflow_migrator._client import ConductorClient, RetryPolicy, root_url
from workflow_migrator._exceptions import DefinitionError
from workflow_migrator._models import BOOT_SAMPLE_TASKS
from workflow_migrator._pipeline import deploy, validate_directory
from workflow_migrator._validate import server_verdict_errors

pytestmark = pytest.mark.server

#: Fixtures that Conductor 3.15 refuses and conductor-oss 3.32 accepts; we refuse them.
DIFFERS_ON_332 = {
    "name-chars--colon.json": "3.32 replaced the ':' check by a name check that is off by "
                              "default (conductor.app.workflow.name-validation.enabled=false)",
    "owner-email--workflow.json": "3.32 dropped @Email on WorkflowDef.ownerEmail",
    "owner-email--task-def.json": "3.32 dropped @Email on TaskDef.ownerEmail",
    "task-type--http-top-level-uri.json": "3.32 also accepts inputParameters.uri or .method",
    "task-type--fork-join-dynamic-fork-task-inputs.json": "3.32 also accepts "
                                                           "inputParameters.forkTaskInputs alone",
    "task-type--sub-workflow-without-name.json": "3.32 dropped @NotNull/@NotEmpty on "
                                                 "SubWorkflowParams.name",
    "expression--switch-javascript-undefined-name.json": "3.32 only checks the syntax; 3.15 "
                                                         "evaluates the script (ReferenceError)",
}

#: Fixtures that conductor-oss 3.32 refuses and Conductor 3.15 accepts; we refuse them,
#: since a directory must deploy to both.
DIFFERS_ON_315 = {
    "timeout--total-below-timeout.json": "totalTimeoutSeconds came after 3.15, which drops "
                                         "the field unread",
}


@dataclasses.dataclass(frozen=True)
class Verdict:
    fixture: str
    definition: str
    ours: list[str]
    theirs: list[str]

    @property
    def agree(self) -> bool:
        return bool(self.ours) == bool(self.theirs)


def collect_verdicts(base_url: str, scratch: Path) -> list[Verdict]:
    """Every definition of every fixture, judged by us and by the server at ``base_url``."""
    verdicts: list[Verdict] = []
    with ConductorClient(base_url, retry=RetryPolicy(attempts=2, initial_wait=0.2)) as client, \
            httpx.Client(base_url=root_url(base_url), timeout=30) as http:
        client.wait_until_ready(120)
        for kind in ("valid", "invalid"):
            for name in fixture_names(kind):
                config_dir = as_config_dir(FIXTURES / kind / name, scratch / kind / name)
                definitions, findings = validate_directory(config_dir, APP_ENV)
                registered: list[str] = []
                for definition in definitions.tasks:
                    if definition.name in BOOT_SAMPLE_TASKS:
                        continue  # never overwrite the server's own samples
                    answer = http.post("/api/metadata/taskdefs", json=[definition.body])
                    if answer.is_success:
                        registered.append(definition.name)
                    verdicts.append(Verdict(name, definition.label, _ours(findings, definition),
                                            [] if answer.is_success else [_message(answer)]))
                for definition in definitions.workflows:
                    verdicts.append(Verdict(name, definition.label, _ours(findings, definition),
                                            client.validate_workflow_def(definition.body)))
                for task in registered:
                    http.delete(f"/api/metadata/taskdefs/{task}")
    return verdicts


def _ours(findings: Any, definition: Any) -> list[str]:
    return [f"{f.rule}: {f.message}" for f in server_verdict_errors(findings, definition)]


def _message(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return f"{answer.status_code} {answer.text[:200]}"
    errors = body.get("validationErrors") if isinstance(body, dict) else None
    return "; ".join(e.get("message", "") for e in errors) if errors else str(body)[:300]


@pytest.fixture(scope="module")
def verdicts(server: Server, tmp_path_factory: pytest.TempPathFactory) -> list[Verdict]:
    return collect_verdicts(server.base_url, tmp_path_factory.mktemp("verdicts"))


def differing(server: Server) -> dict[str, str]:
    """The fixtures this server is expected to judge otherwise than we do."""
    return DIFFERS_ON_315 if server.is_core else DIFFERS_ON_332


def test_every_fixture_gets_the_servers_verdict(server: Server, verdicts: list[Verdict],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    compared = [v for v in verdicts if v.fixture not in differing(server)]
    wrong = [v for v in compared if not v.agree]
    with capsys.disabled():
        print(f"\nagreement with the real server ({server.build}): "
              f"{len(compared) - len(wrong)}/{len(compared)} definitions from "
              f"{len({v.fixture for v in compared})} fixtures; {len(differing(server))} "
              "fixtures pinned as differing")
    assert wrong == []
    covered = {v.fixture for v in verdicts}
    # nothing the server could parse; a sample's name the server's own sample must keep;
    # event handlers alone (the server has no read-only check for them)
    not_sent = {n for n in fixture_names("invalid") if n.startswith("syntax--")} | {
        "boot-sample--task.json"} | {
        n for n in fixture_names("invalid")
        if (FIXTURES / "invalid" / n / "event-handlers").is_dir()
        and not (FIXTURES / "invalid" / n / "workflows").is_dir()}
    assert covered | not_sent == set(fixture_names("valid")) | set(fixture_names("invalid"))


@pytest.mark.parametrize("fixture", sorted(DIFFERS_ON_332))
def test_a_stricter_315_rule_differs_on_332_only(fixture: str, server: Server,
                                                 verdicts: list[Verdict]) -> None:
    """3.15 refuses what we refuse; 3.32 accepts it."""
    mine = [v for v in verdicts if v.fixture == fixture]
    assert mine, fixture
    for verdict in mine:
        assert verdict.ours, verdict
        assert bool(verdict.theirs) is server.is_core, (DIFFERS_ON_332[fixture], verdict)


@pytest.mark.parametrize("fixture", sorted(DIFFERS_ON_315))
def test_a_newer_rule_differs_on_315_only(fixture: str, server: Server,
                                          verdicts: list[Verdict]) -> None:
    """3.32 refuses what we refuse; 3.15 accepts it."""
    mine = [v for v in verdicts if v.fixture == fixture]
    assert mine, fixture
    for verdict in mine:
        assert verdict.ours, verdict
        assert bool(verdict.theirs) is not server.is_core, (DIFFERS_ON_315[fixture], verdict)


def test_validate_server_against_the_real_server(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CONDUCTOR_BASE_URL", server.base_url)
    monkeypatch.setenv("APP_ENV", APP_ENV)

    def run(config_dir: Path) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["validate", "--server", "--config-dir", str(config_dir)])
        return code, capsys.readouterr().out

    config = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", config)
    code, out = run(config)
    assert code == 0 and "server-disagreement" not in out and "error:" not in out

    stricter = as_config_dir(FIXTURES / "invalid" / "owner-email--workflow.json", tmp_path / "a")
    code, out = run(stricter)
    assert code == 1
    # 3.15 refuses the address as we do; 3.32 accepts it, which validate reports.
    disagreement = "[server-disagreement]" in out and "accepts workflow vf_owner_email v1" in out
    assert disagreement is not server.is_core, out

    missing = as_config_dir(FIXTURES / "invalid" / "sub-workflow-missing--offline.json",
                            tmp_path / "b")
    code, out = run(missing)
    assert code == 1
    assert "error: workflows/sub-workflow-missing--offline.json: tasks[0].subWorkflowParam.name" \
        in out and "nor on the server [sub-workflow-missing]" in out


@pytest.mark.parametrize("name", ["task-type--wait-bad-duration.json",
                                  "duplicate--task-across-files",
                                  "timeout--default-response-timeout.json", "syntax--yaml",
                                  "sub-workflow-cycle--unconditional"])
def test_deploy_of_bad_input_sends_nothing_to_the_real_server(
        name: str, server: Server, tmp_path: Path) -> None:
    config_dir = as_config_dir(FIXTURES / "invalid" / name, tmp_path)
    with ConductorClient(server.base_url) as client:
        with pytest.raises(DefinitionError):
            deploy(config_dir, client, app_env=APP_ENV)
        assert client.requests == [] and client.write_count == 0


def test_where_the_real_server_differs_from_the_contract(server: Server) -> None:
    """What the real servers do that CONTRACT.md (written from 3.15 source) did not
    predict, each server's answer pinned by name; docs/validation.md lists the same points."""
    task = {"name": "t", "taskReferenceName": "t"}
    with httpx.Client(base_url=root_url(server.base_url), timeout=30) as http:
        def check(body: dict[str, Any]) -> httpx.Response:
            return http.post("/api/metadata/workflow/validate", json=body)

        # 1. violation paths: 3.15 names the parameter (workflowDef), 3.32 calls it arg0
        answer = check({"name": "w", "tasks": [{**task, "type": "EVENT"}]})
        assert answer.status_code == 400
        parameter = "workflowDef" if server.is_core else "arg0"
        assert answer.json()["validationErrors"][0]["path"] == \
            f"validateWorkflowDef.{parameter}.tasks[0]"
        # 2. SWITCH with decisionCases null: the validator throws, 500, not the 400 message
        # (a NullPointerException on 3.15, Hibernate Validator's HV000028 on 3.32)
        answer = check({"name": "w", "tasks": [{**task, "type": "SWITCH", "evaluatorType":
                                                "value-param", "expression": "x",
                                                "decisionCases": None}]})
        thrown = "NullPointerException" if server.is_core else "HV000028"
        assert answer.status_code == 500 and thrown in answer.json()["message"]
        # 3. a path JsonPath cannot compile is accepted
        assert check({"name": "w", "tasks": [{**task, "inputParameters": {
            "a": "${workflow.input[}"}}]}).status_code == 200
        # 4. wrong JSON types: 500 "JSON parse error" when Jackson cannot convert ...
        answer = check({"name": "w", "tasks": [{**task, "optional": "yes"}]})
        assert answer.status_code == 500 and "JSON parse error" in answer.json()["message"]
        # ... and silently converted when it can: a version given as text
        assert check({"name": "w", "version": "3", "tasks": [task]}).status_code == 200
        # 5. a subWorkflowParam without a name: 3.15 refuses it, 3.32 accepts it
        answer = check({"name": "w", "tasks": [{**task, "type": "SUB_WORKFLOW",
                                                "subWorkflowParam": {}}]})
        assert answer.status_code == (400 if server.is_core else 200)
