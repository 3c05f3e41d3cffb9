"""Conductor's own unit tests of its validation constraints, transcribed as JSON
cases (tests/migrator/fixtures/conductor_unit_cases/), through ``validate --format json``:
our verdict must match the test's on at least 95% of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflow_migrator._cli import main

CASES = Path(__file__).resolve().parent / "fixtures" / "conductor_unit_cases"
REQUIRED_AGREEMENT = 0.95


def verdict(case: dict[str, object], config_dir: Path, capsys: pytest.CaptureFixture[str]) -> str:
    for folder in ("tasks", "workflows"):
        if case[folder]:
            (config_dir / folder).mkdir(parents=True)
            (config_dir / folder / "case.json").write_text(json.dumps(case[folder]))
    capsys.readouterr()
    code = main(["validate", "--config-dir", str(config_dir), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)
    errors = [f for f in findings if f["severity"] == "error"]
    assert code == (1 if errors else 0)
    return "invalid" if errors else "valid"


def test_agreement_with_conductors_unit_tests(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(CASES.glob("*.json"))
    assert len(files) >= 60
    disagreements = []
    for file in files:
        case = json.loads(file.read_text(encoding="utf-8"))
        ours = verdict(case, tmp_path / file.stem, capsys)
        if ours != case["expected"]:
            disagreements.append(f"{file.stem}: expected {case['expected']}, validate says "
                                 f"{ours} ({case.get('note', '')})")
    rate = 1 - len(disagreements) / len(files)
    with capsys.disabled():
        print(f"\nagreement with Conductor's unit tests: {len(files) - len(disagreements)}/"
              f"{len(files)} = {rate:.1%}")
        for line in disagreements:
            print(f"  differs: {line}")
    assert rate >= REQUIRED_AGREEMENT, disagreements
