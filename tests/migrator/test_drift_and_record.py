"""Drift gauges and the deploy record, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.metrics import drift, parse_metrics
from workflow_migrator import (
    Definition,
    DefinitionSet,
    LiveState,
    MigratorError,
    Plan,
    PlanOptions,
    Source,
    compute_plan,
)
from workflow_migrator._drift import write_metrics_file
from workflow_migrator._fields import KINDS
from workflow_migrator._loader import process_folders
from workflow_migrator._models import DEPLOY_RECORD_TASK
from workflow_migrator._record import (
    config_hash,
    new_record,
    parse_record,
    record_task_def,
    tool_version,
)
from workflow_migrator._views.drift import drift_metrics


def _plan() -> Plan:
    desired = DefinitionSet(tasks=(Definition("task", {"name": "a", "retryCount": 1},
                                              Source("tasks/a.json")),
                                   Definition("task", {"name": "new"}, Source("tasks/n.json"))))
    live = LiveState(tasks=({"name": "a"}, {"name": "gone"}, {"name": DEPLOY_RECORD_TASK}))
    return compute_plan(desired, live, PlanOptions(prune=True))


def test_gauges_count_each_kind_and_action() -> None:
    text = drift_metrics(_plan(), app_env='we"ird\\env', now=1700000000.5)
    samples = parse_metrics(text)
    assert drift(samples, kind="task", action="create") == 1
    assert drift(samples, kind="task", action="update") == 1
    assert drift(samples, kind="task", action="delete") == 1  # the record is never pruned
    assert drift(samples, kind="workflow", action="update") == 0
    assert 'app_env="we\\"ird\\\\env"' in text
    assert "workflow_migrator_drift_last_check_timestamp_seconds" in text
    assert text.count("# TYPE ") == 3 and text.endswith("\n")


def test_gauges_cover_every_kind_of_the_field_table() -> None:
    """Drift of any kind counts, event handlers included: the kinds come from the table."""
    desired = DefinitionSet(event_handlers=(
        Definition("event_handler", {"name": "on_x", "event": "conductor:x", "actions": []},
                   Source("event-handlers/on_x.json")),))
    samples = parse_metrics(drift_metrics(compute_plan(desired, LiveState(), PlanOptions())))
    assert {labels for (_, ls) in samples for labels in ls if labels[0] == "kind"} == {
        ("kind", info.kind) for info in KINDS}
    assert drift(samples, kind="event_handler", action="create") == 1


def test_the_metrics_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "drift.prom"
    target.write_text("old\n")
    write_metrics_file(target, "new 1\n")
    assert target.read_text() == "new 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["drift.prom"]
    with pytest.raises(MigratorError, match="cannot write the metrics file"):
        write_metrics_file(tmp_path / "missing" / "drift.prom", "x 1\n")


def test_config_hash_is_the_one_earlier_releases_computed(tmp_path: Path) -> None:
    """The record of a deploy made before holds this hash: ``status`` after an upgrade
    must see the same directory as unchanged. Nested folders, hidden files, a link to a
    file (read) and a link to a folder (not entered) included."""
    import hashlib

    for path, text in [("tasks/a.json", "a"), ("tasks/sub/b.json", "b"), ("tasks/.hidden", "h"),
                       ("tasks/sub-c/c.json", "c"), ("workflows/w.yaml", "w"),
                       ("environments/dev.yaml", "e"), ("elsewhere/x.json", "x")]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    (tmp_path / "tasks" / "link.json").symlink_to(tmp_path / "elsewhere" / "x.json")
    (tmp_path / "workflows" / "linked").symlink_to(tmp_path / "elsewhere")

    digest = hashlib.sha256()  # as the record's first format computed it
    for folder in process_folders():
        root = tmp_path / folder
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
        for file in files:
            relative = file.relative_to(tmp_path).as_posix().encode()
            content = file.read_bytes()
            digest.update(len(relative).to_bytes(8, "big") + relative)
            digest.update(len(content).to_bytes(8, "big") + content)
    assert config_hash(tmp_path) == digest.hexdigest()


def test_config_hash_follows_content_not_location(tmp_path: Path) -> None:
    for root in (tmp_path / "a", tmp_path / "b"):
        (root / "tasks").mkdir(parents=True)
        (root / "tasks" / "t.json").write_text('{"name": "t"}')
        (root / "notes.txt").write_text(str(root))  # outside the definition folders
    assert config_hash(tmp_path / "a") == config_hash(tmp_path / "b")
    (tmp_path / "b" / "tasks" / "t.json").write_text('{"name": "u"}')
    assert config_hash(tmp_path / "a") != config_hash(tmp_path / "b")


def test_the_record_round_trips_through_its_task_definition(tmp_path: Path) -> None:
    record = new_record(_plan(), tmp_path, app_env="prod", source_revision="abc",
                        now=0)
    assert record.deployed_at == "1970-01-01T00:00:00Z"
    body = record_task_def(record)
    assert body["name"] == DEPLOY_RECORD_TASK
    assert parse_record(body) == record
    assert record.same_deploy(new_record(_plan(), tmp_path, app_env="prod",
                                         source_revision="abc", now=99))
    assert not record.same_deploy(new_record(_plan(), tmp_path, app_env="prod",
                                             source_revision="abd"))
    assert parse_record({"name": DEPLOY_RECORD_TASK, "description": "edited by hand"}) is None


def test_the_version_is_the_installed_metadata_s(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    assert tool_version() == metadata.version("workflow-migrator")
    # Read from the first .dist-info on the path; anything else is importlib's to find.
    (tmp_path / "other_package-9.dist-info").mkdir()
    info = tmp_path / "workflow_migrator-7.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.4\nName: workflow-migrator\n"
                                   "Version: 7.1\n\nVersion: not a header\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert tool_version() == "7.1"
    (tmp_path / "workflow_migrator.egg-info").mkdir()
    assert tool_version() == metadata.version("workflow-migrator")
