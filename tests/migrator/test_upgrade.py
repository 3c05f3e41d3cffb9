"""``upgrade-check``: what behaves differently after a server upgrade (``_upgrade.py``),
pinned on a small directory with one change of each kind, and on the project's own
corpus (the shipped processes and every task type), which nothing changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.corpus import OWN_CORPUS, sample_files
from tests.support.paths import CONFIG_DIR
from workflow_migrator._cli import main

UPGRADE = Path(__file__).parent / "fixtures" / "upgrade"
CORE = "Conductor 3.15 (Orkes v1.1.12's core)"

UPGRADE_TEXT = f"""\
Upgrade check: from {CORE} to conductor-oss 3.2x

tasks/validate_order.json: task upgrade_validate_order
  inputSchema: 'inputSchema' takes effect: {CORE} dropped it, conductor-oss 3.2x keeps it \
(key-takes-effect)
  enforceSchema: 'enforceSchema' takes effect: {CORE} dropped it, conductor-oss 3.2x keeps \
it (key-takes-effect)

workflows/legacy.json: workflow upgrade:legacy v1
  name: no longer refused: only {CORE} refused it: workflow name 'upgrade:legacy' contains \
':', which Conductor 3.15 refuses in workflow names [name-chars] (accepted)
  ownerEmail: no longer refused: only {CORE} refused it: ownerEmail 'payments-team' is not \
an e-mail address; Conductor 3.15 refuses it [owner-email] (accepted)

workflows/score.json: workflow upgrade_score v1
  tasks[1].inputParameters.evaluatorType: evaluatorType 'graaljs' starts running: {CORE} \
failed the task at run time (evaluator)

Upgrade from conductor-3.15 to conductor-oss-3.2x: 3 of 3 definition(s) behave \
differently (5 difference(s)).
"""


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["upgrade-check", *args])
    return code, capsys.readouterr().out


def test_the_upgrade_to_oss_is_pinned(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "--config-dir", str(UPGRADE), "--from", "conductor-3.15",
                     "--to", "conductor-oss-3.2x")
    assert (code, out) == (2, UPGRADE_TEXT)


def test_from_is_the_directory_s_target_by_default(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "--config-dir", str(UPGRADE), "--to", "conductor-oss-3.2x")
    assert (code, out) == (2, UPGRADE_TEXT)
    shutil.copytree(UPGRADE, tmp_path / "d")
    (tmp_path / "d" / "workflow-migrator.yaml").write_text("target: conductor-oss-3.2x\n")
    code, out = _run(capsys, "--config-dir", str(tmp_path / "d"), "--to", "conductor-oss-3.2x")
    assert code == 0 and out.endswith("0 of 3 definition(s) behave differently "
                                      "(0 difference(s)).\n")


def test_the_way_back_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "--config-dir", str(UPGRADE), "--from", "conductor-oss-3.2x",
                     "--to", "conductor-3.15", "--format", "json")
    document = json.loads(out)
    assert code == 2
    assert (document["format_version"], document["from"], document["to"]) == (
        "1.0", "conductor-oss-3.2x", "conductor-3.15")
    assert {(d["file"], c["path"], c["kind"]) for d in document["definitions"]
            for c in d["differences"]} == {
        ("tasks/validate_order.json", "inputSchema", "key-dropped"),
        ("tasks/validate_order.json", "enforceSchema", "key-dropped"),
        ("workflows/legacy.json", "name", "refused"),
        ("workflows/legacy.json", "ownerEmail", "refused"),
        ("workflows/score.json", "tasks[1].inputParameters.evaluatorType", "evaluator")}
    assert document["summary"] == {"checked": 3, "changed": 3, "differences": 5}


def test_markdown_has_a_row_per_difference(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "--config-dir", str(UPGRADE), "--to", "conductor-oss-3.2x",
                     "--format", "markdown")
    assert code == 2
    assert out.startswith("## Upgrade check: conductor-3.15 → conductor-oss-3.2x\n")
    rows = [line for line in out.splitlines() if line.startswith("| `")]
    assert len(rows) == 5
    assert "| `workflows/legacy.json` workflow upgrade:legacy v1 | `name` |" in out


@pytest.mark.parametrize(("directory", "count"), [(CONFIG_DIR, 8), (OWN_CORPUS, 4)])
@pytest.mark.parametrize("direction", [("conductor-3.15", "conductor-oss-3.2x"),
                                       ("conductor-oss-3.2x", "conductor-3.15")])
def test_nothing_in_the_project_s_own_corpus_changes(
        directory: Path, count: int, direction: tuple[str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped processes and every task type use only what both generations run."""
    code, out = _run(capsys, "--config-dir", str(directory), "--from", direction[0],
                     "--to", direction[1])
    assert (code, out.splitlines()[-1]) == (
        0, f"Upgrade from {direction[0]} to {direction[1]}: 0 of {count} definition(s) behave "
           "differently (0 difference(s)).")


def test_an_unreadable_directory_is_an_error(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.json").write_text("{not json")
    assert main(["upgrade-check", "--config-dir", str(tmp_path), "--to",
                 "conductor-oss-3.2x"]) == 1
    assert "tasks/t.json" in capsys.readouterr().err


def test_the_samples_upgrade_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Conductor's published samples, when a developer has them: a GraalJS INLINE task
    starts running, and a sample's onStateChange (a key 3.15 drops) takes effect."""
    for sample in sample_files():
        document = json.loads(sample.read_text())
        items = document if isinstance(document, list) else [document]
        folder = tmp_path / ("workflows" if all("tasks" in item for item in items) else "tasks")
        folder.mkdir(exist_ok=True)
        shutil.copy(sample, folder / sample.name)
    code, out = _run(capsys, "--config-dir", str(tmp_path), "--to", "conductor-oss-3.2x",
                     "--format", "json")
    document = json.loads(out)
    assert code == 2
    assert {(d["file"], c["path"], c["kind"]) for d in document["definitions"]
            for c in d["differences"]} == {
        ("workflows/osshead__docs__quickstart__workflow.json",
         "tasks[1].inputParameters.evaluatorType", "evaluator"),
        *{("workflows/orkes1.1.12__test-harness__src__test__resources__metadata__fail.json",
           f"tasks[{index}].onStateChange", "key-takes-effect") for index in range(4)}}
