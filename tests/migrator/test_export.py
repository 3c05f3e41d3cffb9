"""What ``export`` writes, decided without a server: file names, bodies, boot samples,
and a failed write that leaves nothing behind."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from workflow_migrator import MigratorError, load_directory
from workflow_migrator._export import Exported, _write_atomically, plan_export, stock_samples
from workflow_migrator._models import DEPLOY_RECORD_TASK
from workflow_migrator._secret_paths import UNKNOWN_PLACEHOLDER


def test_stock_boot_samples_are_skipped_but_a_team_workflow_of_that_name_is_not() -> None:
    tasks, workflows = stock_samples()
    assert set(tasks) == {f"simple_task_{i}" for i in range(1, 7)}
    assert set(workflows) == {"load_test", "http", "http_perf_test"}
    own_http = copy.deepcopy(workflows["http"])
    own_http["tasks"][0]["inputParameters"] = {"http_request": {"uri": "https://ours", "method":
                                                                "GET"}}
    stock_as_served = {**workflows["load_test"], "createTime": 7, "updateTime": 8,
                       "ownerApp": "x"}
    files, skipped, _ = plan_export(list(tasks.values()), [own_http, stock_as_served], [])
    assert [f.path for f in files] == ["workflows/http.json"]
    assert skipped == [f"task {name}" for name in sorted(tasks)] + ["workflow load_test"]


def test_names_are_safe_and_never_share_a_file() -> None:
    tasks = [{"name": n} for n in ("a/b", "a_b", "A_b", ".hidden", "x y:z", "ok-1.2")]
    files, _, _ = plan_export(tasks, [], [])
    paths = [f.path for f in files]
    assert len({p.lower() for p in paths}) == len(paths)
    assert "tasks/ok-1.2.json" in paths and "tasks/A_b.json" in paths  # first in sort order
    assert all(p.startswith("tasks/") and "/" not in p[len("tasks/"):] for p in paths)
    assert not any(Path(p).name.startswith(".") for p in paths)


def test_bodies_leave_out_defaults_and_keep_a_fixed_key_order() -> None:
    live = {"updateTime": 1, "version": 2, "tasks": [
        {"type": "SIMPLE", "taskReferenceName": "a", "name": "a", "optional": False,
         "inputParameters": {"z": 1, "b": "${workflow.input.b}"}}],
        "schemaVersion": 2, "restartable": True, "name": "w", "description": "d"}
    [file], _, _ = plan_export([], [live], [])
    assert json.dumps(file.body) == json.dumps({
        "name": "w", "description": "d", "version": 2,
        "tasks": [{"name": "a", "taskReferenceName": "a", "inputParameters": {
            "b": "${workflow.input.b}", "z": 1}}]})


def test_text_that_looks_like_a_placeholder_reads_back_as_it_was(tmp_path: Path) -> None:
    texts = ["@{A}", "x @{A} y", "@@{A}", "@{", "a@b.c", "@{1}"]
    task = {"name": "t", "inputTemplate": {str(i): t for i, t in enumerate(texts)}}
    for fmt in ("json", "yaml"):
        files, _, _ = plan_export([task], [], [], output_format=fmt)
        _write_atomically(tmp_path / fmt, files, fmt)
        loaded, findings = load_directory(tmp_path / fmt, "test")
        assert findings == []
        assert loaded.tasks[0].body["inputTemplate"] == task["inputTemplate"]


def test_a_failed_write_leaves_no_directory_and_no_staging(tmp_path: Path) -> None:
    files = [Exported("tasks/a.json", "task", "a", {"name": "a"}),
             Exported("tasks/a.json/b.json", "task", "b", {"name": "b"})]
    with pytest.raises(MigratorError, match="cannot write .*nothing was changed"):
        _write_atomically(tmp_path / "config", files, "json")
    assert list(tmp_path.iterdir()) == []


def _record(secret_paths: dict[str, list[list[object]]]) -> dict[str, object]:
    return {"name": DEPLOY_RECORD_TASK, "description": json.dumps(
        {"deployed_at": "2026-01-01T00:00:00Z", "config_sha256": "0" * 64,
         "secret_paths": secret_paths})}


def test_the_deploy_record_is_never_exported_and_its_secret_paths_become_placeholders() -> None:
    task = {"name": "call", "inputTemplate": {"X-Key": "live-secret", "region": "eu"}}
    workflow = {"name": "w", "version": 2, "tasks": [
        {"name": "call", "taskReferenceName": "c", "type": "HTTP", "inputParameters": {
            "http_request": {"headers": {"Authorization": "Bearer live-secret"}}}}]}
    record = _record({
        "task:call": [[["inputTemplate", "X-Key"], "@{KEY}"], [["gone"], "@{OLD}"]],
        "workflow:w": [[["tasks", 0, "inputParameters", "http_request", "headers",
                         "Authorization"], "Bearer @{TOKEN}"]],
        "task:unknown": [[["description"], ""]]})
    files, _, _ = plan_export([record, task, {"name": "unknown", "description": "v"}],
                              [workflow], [])

    assert [f.path for f in files] == ["tasks/call.json", "tasks/unknown.json",
                                       "workflows/w.json"]
    assert "live-secret" not in json.dumps([f.body for f in files])
    assert files[0].body["inputTemplate"] == {"X-Key": "@{KEY}", "region": "eu"}
    assert (files[0].placeholders, files[0].unknown_placeholders) == (1, 0)
    assert files[1].body["description"] == UNKNOWN_PLACEHOLDER
    assert (files[1].placeholders, files[1].unknown_placeholders) == (1, 1)
    headers = files[2].body["tasks"][0]["inputParameters"]["http_request"]["headers"]
    assert headers == {"Authorization": "Bearer @{TOKEN}"}


def test_a_name_too_long_for_a_file_gets_a_short_stable_file_name() -> None:
    long_names = ["a" * 5000, "a" * 4999 + "b", "a" * 100]
    files, _, _ = plan_export([{"name": n} for n in long_names], [], [])
    paths = [f.path for f in files]
    assert len(set(paths)) == 3 and all(len(Path(p).name) <= 120 for p in paths)
    assert [f.renamed for f in files] == [False, True, True]  # sorted: "a"*100 first
    again, _, _ = plan_export([{"name": n} for n in reversed(long_names)], [], [])
    assert [f.path for f in again] == paths
