"""The target: which generation of Conductor a directory is for, and the checks that
follow it (``_targets.py``, read by the rules and the commands)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from workflow_migrator._cli import main
from workflow_migrator._client import ConductorClient, RetryPolicy
from workflow_migrator._output import Reporter
from workflow_migrator._pipeline import read_live, validate_directory
from workflow_migrator._targets import (
    DEFAULT_TARGET,
    TARGETS,
    detect,
    generation_of_version,
)

GRAALJS_INLINE: dict[str, object] = {"name": "graal", "tasks": [{
    "name": "compute", "taskReferenceName": "compute", "type": "INLINE",
    "inputParameters": {"evaluatorType": "graaljs",
                        "expression": "(function () { return 1; })()"}}]}


def _directory(root: Path, *workflows: dict[str, object], target: str | None = None) -> Path:
    (root / "workflows").mkdir(parents=True)
    for workflow in workflows:
        (root / "workflows" / f"{workflow['name']}.json").write_text(json.dumps(workflow))
    if target is not None:
        (root / "workflow-migrator.yaml").write_text(f"target: {target}\n")
    return root


def _rules(root: Path, target: str | None = None) -> set[tuple[str, str]]:
    _, findings = validate_directory(root, target=target)
    return {(f.rule, f.severity) for f in findings}


def test_a_graaljs_inline_task_is_an_error_for_3_15_and_valid_for_oss(tmp_path: Path) -> None:
    root = _directory(tmp_path, GRAALJS_INLINE)
    assert _rules(root) == {("evaluator", "error")}
    assert _rules(root, "conductor-3.15") == {("evaluator", "error")}
    assert _rules(root, "conductor-oss-3.2x") == set()
    _, [finding] = validate_directory(root)
    assert "Conductor 3.15" in finding.message and "target conductor-3.15" in finding.message


def test_the_project_file_names_the_target_and_target_overrides_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _directory(tmp_path, GRAALJS_INLINE, target="conductor-oss-3.2x")
    assert _rules(root) == set()
    assert _rules(root, "conductor-3.15") == {("evaluator", "error")}
    assert main(["validate", "--config-dir", str(root)]) == 0
    assert main(["validate", "--config-dir", str(root), "--target", "conductor-3.15"]) == 1
    assert "[evaluator]" in capsys.readouterr().out
    assert main(["validate", "--config-dir", str(root), "--target", "conductor-4"]) == 1
    assert "'conductor-4' is not one of 'conductor-3.15', 'conductor-oss-3.2x'" in \
        capsys.readouterr().err


def test_keys_only_oss_knows_warn_only_for_3_15(tmp_path: Path) -> None:
    workflow = {"name": "schema_first", "enforceSchema": False, "tasks": [
        {"name": "t", "taskReferenceName": "t", "permissive": True}]}
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.json").write_text(json.dumps({"name": "t", "backoffJitterMs": 5}))
    root = _directory(tmp_path, workflow)
    _, findings = validate_directory(root)
    assert {f.path for f in findings if f.rule == "unknown-key"} == {
        "enforceSchema", "tasks[0].permissive", "backoffJitterMs"}
    _, findings = validate_directory(root, target="conductor-oss-3.2x")
    assert not [f for f in findings if f.rule == "unknown-key"]


def test_checks_only_3_15_makes_apply_only_to_its_target(tmp_path: Path) -> None:
    # Measured: 3.15 refuses both on register, 3.32.3 accepts both.
    root = _directory(tmp_path, {"name": "a:b", "ownerEmail": "nobody", "tasks": [
        {"name": "t", "taskReferenceName": "t", "type": "WAIT",
         "inputParameters": {"duration": "1s"}}]})
    assert _rules(root) == {("name-chars", "error"), ("owner-email", "error")}
    assert _rules(root, "conductor-oss-3.2x") == set()


def test_a_typo_is_a_warning_for_every_target(tmp_path: Path) -> None:
    root = _directory(tmp_path, {"name": "w", "timeoutSecond": 5, "tasks": [
        {"name": "t", "taskReferenceName": "t", "type": "WAIT",
         "inputParameters": {"duration": "1s"}}]})
    for target in TARGETS:
        assert _rules(root, target) == {("unknown-key", "warning")}


@pytest.mark.parametrize(("version", "target"), [
    ("3.15.0", "conductor-3.15"), ("3.13.8", "conductor-3.15"),
    ("3.32.3", "conductor-oss-3.2x"), ("3.21.0-rc1", "conductor-oss-3.2x"),
    ("v3.20.1", "conductor-oss-3.2x"), ("1.1.12", None), ("", None), ("unknown", None),
])
def test_a_version_names_its_generation(version: str, target: str | None) -> None:
    found = generation_of_version(version)
    assert (found.name if found else None) == target


def test_without_a_version_the_fields_of_the_definitions_tell() -> None:
    oss_task = {"name": "t", "retryCount": 3, "backoffJitterMs": 0, "enforceSchema": False}
    core_task = {"name": "t", "retryCount": 3}
    assert detect("1.1.12", [oss_task]).target == TARGETS["conductor-oss-3.2x"]
    assert detect(None, [core_task]).target == DEFAULT_TARGET
    unknown = detect(None, [])
    assert unknown.target is None and unknown.mismatch(DEFAULT_TARGET) is None
    told = detect("3.32.3", [core_task])
    assert told.signal == "version 3.32.3"
    assert "runs conductor-oss-3.2x (version 3.32.3)" in (told.mismatch(DEFAULT_TARGET) or "")
    assert told.mismatch(TARGETS["conductor-oss-3.2x"]) is None


def _empty_server(config: httpx.Response) -> ConductorClient:
    """A server holding no definition, whose /api/admin/config answers ``config``."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/health":
            return httpx.Response(200, json={"healthy": True})
        if request.url.path == "/api/admin/config":
            return config
        if request.url.path in ("/api/metadata/workflow", "/api/metadata/taskdefs", "/api/event"):
            return httpx.Response(200, json=[])
        return httpx.Response(404)

    return ConductorClient("http://conductor.test", transport=httpx.MockTransport(handle),
                           retry=RetryPolicy(attempts=1))


@pytest.mark.parametrize(("answer", "generation", "keeps_oss_keys"), [
    (httpx.Response(200, json={"version": "3.32.3", "java.class.path": "/secret/path"}),
     "conductor-oss-3.2x", True),
    (httpx.Response(200, json={"version": "3.15.0"}), "conductor-3.15", False),
    (httpx.Response(403, json={"message": "forbidden"}), None, False),
    (httpx.Response(200, text="not json"), None, False),
])
def test_an_empty_server_is_told_by_its_version(answer: httpx.Response, generation: str | None,
                                                keeps_oss_keys: bool,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    reporter = Reporter(log_format="text")
    with _empty_server(answer) as client:
        live = read_live(client, 1, reporter)
    assert live.server is not None
    assert (live.server.target.name if live.server.target else None) == generation
    # Unknown: the target's (3.15's) kept keys, as the comparison assumes them.
    assert ("enforceSchema" in (live.keeps or {})["task-def"]) == keeps_oss_keys
    err = capsys.readouterr().err
    assert err.startswith("Conductor server at http://conductor.test: ")
    assert "/secret/path" not in err
